import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors';

/** Who holds a lock file: a process, and the one lock instance in it (two stores in one process differ). */
interface Holder {
  readonly pid: number;
  readonly token: string;
}

/** Rounds of "the holder just changed" before giving up; each round needs another process to win a race. */
const MAX_ROUNDS = 20;

/**
 * The embedded state directory's lock: `<dir>/lock` holds `<pid>\n<token>`. At most one
 * `StateDirLock` holds a directory, whichever process or store instance it lives in.
 *
 * - **Atomic create.** The content is written to a file of our own first, then hard-linked to
 *   `lock` (link fails if `lock` exists), so the lock never appears empty or half written.
 * - **Busy.** A lock whose process is alive is busy, this process included (another store
 *   instance holds it): a ConfigError naming the directory and the holder's pid.
 * - **Stale.** A lock of a dead process is taken over by whoever first creates
 *   `lock.takeover-<its token>` (again by link, so exactly one process wins); the winner checks
 *   that `lock` still names the dead holder, then renames its own file over it. Nobody else can
 *   replace `lock` while the winner holds that marker, so no live lock is ever overwritten. A
 *   marker left by a process that died mid-takeover is taken over the same way.
 * - **Release** removes `lock` only when it names this instance.
 *
 * @example
 * const lock = StateDirLock.acquire('.adf/orders');
 * try { … } finally { lock.release(); }
 */
export class StateDirLock {
  private released = false;

  private constructor(readonly file: string, private readonly token: string) {}

  static acquire(dir: string): StateDirLock {
    const file = join(dir, 'lock');
    const token = randomUUID();
    const mine = join(dir, `lock.${token}.tmp`);
    writeFileSync(mine, `${process.pid}\n${token}\n`, { flag: 'wx' });
    try {
      take(file, mine, dir, 0);
    } finally {
      rmSync(mine, { force: true });
    }
    return new StateDirLock(file, token);
  }

  /** Removes the lock if it is still this instance's (never one another instance or process created). */
  release(): void {
    if (this.released) return;
    this.released = true;
    // Nobody replaces a lock while its process lives (see acquire), so read-then-unlink is safe here.
    let holder: Holder | undefined;
    try {
      holder = readHolder(this.file);
    } catch {
      return; // unreadable: not ours (we wrote it whole), so not ours to remove
    }
    if (holder?.token === this.token) unlinkSync(this.file);
  }
}

/** Makes `file` a link to `mine` (our content), taking it over from a dead holder if need be; throws when busy. */
function take(file: string, mine: string, dir: string, depth: number): void {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (tryLink(mine, file)) return;
    const holder = readHolder(file);
    if (holder === undefined) continue; // released in between: try again
    if (isAlive(holder.pid)) {
      // (A marker's live holder is taking over a dead lock: it is the process about to hold the directory.)
      throw new ConfigError(`state directory ${dir} is in use by process ${holder.pid}${holder.pid === process.pid ? ' (this process)' : ''}; stop it or pass another --state-dir`, { context: { file: dir } });
    }
    if (depth >= MAX_ROUNDS) break;
    const marker = join(dir, `lock.takeover-${holder.token}`);
    take(marker, mine, dir, depth + 1);
    try {
      // While we hold the marker, nobody else may replace a lock that names the dead holder.
      if (readHolder(file)?.token === holder.token) {
        const swap = `${mine}.swap`;
        linkSync(mine, swap);
        renameSync(swap, file); // atomic: `file` never goes missing, so nobody links in between
        return;
      }
    } finally {
      unlinkSync(marker);
    }
  }
  throw new ConfigError(`state directory ${dir}: could not take its lock ${file}; other processes keep changing it`, { context: { file: dir } });
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** The holder named by a lock file; undefined when there is none. A lock of an older version holds only the pid. */
function readHolder(file: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const [pidLine = '', tokenLine = ''] = text.split('\n');
  const pid = Number(pidLine.trim());
  const token = tokenLine.trim();
  // The token names a takeover marker file, so it must be a plain name.
  if (!Number.isSafeInteger(pid) || pid <= 0 || !/^[\w-]{0,64}$/.test(token)) {
    throw new ConfigError(`state directory lock ${file} is unreadable (${JSON.stringify(text.slice(0, 40))}); remove it if no run uses this directory`, { context: { file } });
  }
  return { pid, token: token || `pid-${pid}` };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
