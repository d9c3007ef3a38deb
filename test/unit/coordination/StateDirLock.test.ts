import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalSplitStore } from '../../../lib/coordination/LocalSplitStore';
import { ConfigError } from '../../../lib/errors';
import { tempDir } from '../../helpers/tmp';

/** The pid of a process that has exited (the OS does not reuse it this soon). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(child.status).toBe(0);
  return child.pid!;
}

const lockOf = (dir: string) => readFileSync(join(dir, 'lock'), 'utf8');

describe('the embedded state directory lock', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('keeps a second store instance of the same process out, with one line naming the directory and the holder', () => {
    const first = LocalSplitStore.open(tmp.dir);
    let error: unknown;
    try {
      LocalSplitStore.open(tmp.dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(`state directory ${tmp.dir} is in use by process ${process.pid} (this process); stop it or pass another --state-dir`);
    first.close();
    LocalSplitStore.open(tmp.dir).close(); // free again once the holder closed
  });

  it('never removes a lock it does not hold: a late close of an earlier instance leaves the current holder locked in', () => {
    const earlier = LocalSplitStore.open(tmp.dir);
    earlier.close();
    const current = LocalSplitStore.open(tmp.dir);
    earlier.close(); // twice, late
    expect(() => LocalSplitStore.open(tmp.dir)).toThrow(ConfigError);
    current.close();
    expect(existsSync(join(tmp.dir, 'lock'))).toBe(false);
  });

  it('leaves a lock another live process wrote over its own', () => {
    const store = LocalSplitStore.open(tmp.dir);
    writeFileSync(join(tmp.dir, 'lock'), `${process.ppid}\nsomeone-else\n`);
    store.close();
    expect(lockOf(tmp.dir)).toBe(`${process.ppid}\nsomeone-else\n`);
  });

  it.each([
    ['this version', (pid: number) => `${pid}\nsome-token\n`],
    ['an older version (pid only)', (pid: number) => String(pid)],
  ])('takes over the lock of a dead process (%s)', (_, content) => {
    writeFileSync(join(tmp.dir, 'lock'), content(deadPid()));
    const store = LocalSplitStore.open(tmp.dir);
    expect(lockOf(tmp.dir).split('\n')[0]).toBe(String(process.pid));
    expect(() => LocalSplitStore.open(tmp.dir)).toThrow(ConfigError);
    store.close();
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('lock'))).toEqual([]);
  });

  it('recovers from a process that died in the middle of taking over a dead lock', () => {
    writeFileSync(join(tmp.dir, 'lock'), `${deadPid()}\ndead-holder\n`);
    writeFileSync(join(tmp.dir, 'lock.takeover-dead-holder'), `${deadPid()}\ndead-taker\n`);
    const store = LocalSplitStore.open(tmp.dir);
    expect(lockOf(tmp.dir).split('\n')[0]).toBe(String(process.pid));
    store.close();
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('lock'))).toEqual([]);
  });

  it('refuses a dead lock while a live process is taking it over', () => {
    writeFileSync(join(tmp.dir, 'lock'), `${deadPid()}\ndead-holder\n`);
    writeFileSync(join(tmp.dir, 'lock.takeover-dead-holder'), `${process.ppid}\nlive-taker\n`);
    expect(() => LocalSplitStore.open(tmp.dir)).toThrow(`in use by process ${process.ppid};`);
    expect(lockOf(tmp.dir)).toContain('dead-holder');
  });

  it('names an unreadable lock file instead of guessing', () => {
    writeFileSync(join(tmp.dir, 'lock'), 'garbage');
    expect(() => LocalSplitStore.open(tmp.dir)).toThrow(`state directory lock ${join(tmp.dir, 'lock')} is unreadable`);
  });
});
