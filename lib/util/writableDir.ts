import { accessSync, constants, mkdirSync } from 'node:fs';
import { ConfigError } from '../errors';

/**
 * Makes sure `dir` is a directory this process can write (creating it), or throws one
 * ConfigError naming `what` (a flag or option) and the reason, before any work starts:
 * otherwise every reader would fail on it, each with a stack trace.
 *
 * @example
 * ensureWritableDir('/data/out', '--out');
 */
export function ensureWritableDir(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'EEXIST' || code === 'ENOTDIR' ? 'it (or a parent) is a file, not a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : (e as Error).message;
    throw new ConfigError(`${what} ${dir} is not a writable directory: ${reason}`, { cause: e, context: { file: dir, field: what } });
  }
}
