/**
 * A child process for the state-dir lock tests: until `stopAt` (ms since the epoch), opens and
 * closes a LocalSplitStore on `dir` as fast as it can. While it holds the store it creates
 * `<dir>/holder` exclusively; if that file exists already, two holders overlapped, and it
 * appends a line to `<dir>/violations`. Prints how often it held the store. With `dieAfter`
 * it exits while holding the store after that many holds, leaving its lock behind (a crash).
 *
 * node --import tsx test/helpers/stateDirLockChild.ts <dir> <startAt> <stopAt> [dieAfter]
 */
import { appendFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalSplitStore } from '../../lib/coordination/LocalSplitStore';

const [dir, startAt, stopAt, dieAfter] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5] ?? Infinity)];
while (Date.now() < startAt); // every child starts at the same moment
let held = 0;
while (Date.now() < stopAt) {
  let store: LocalSplitStore;
  try {
    store = LocalSplitStore.open(dir);
  } catch (e) {
    if ((e as Error).message.includes('is in use by process')) continue; // busy: the expected refusal
    throw e; // anything else is a bug of the lock
  }
  try {
    writeFileSync(join(dir, 'holder'), String(process.pid), { flag: 'wx' });
  } catch {
    appendFileSync(join(dir, 'violations'), `${process.pid} found another holder\n`);
    store.close();
    continue;
  }
  held++;
  unlinkSync(join(dir, 'holder'));
  if (held >= dieAfter) break; // without close: the lock stays, naming a process about to be dead
  store.close();
}
process.stdout.write(`${held}\n`);
