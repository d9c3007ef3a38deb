import { constants, lstatSync, mkdirSync, openSync } from 'node:fs';
import { ConfigError } from '../errors/AdfError';

/**
 * Opens a file for writing (or reading) without following a symbolic link at `path`: a link
 * planted where a part file, staged batch or state file belongs would otherwise have its target
 * truncated or overwritten (or, for a read, copied into the output). O_NOFOLLOW makes the open
 * fail with ELOOP instead, which becomes a ConfigError naming the path: a person must look at it.
 * Only the last component is checked; the configured directories themselves may be links.
 *
 * @example
 * const fd = openNoFollow('/data/out/part-a.jsonl', constants.O_RDWR | constants.O_CREAT, 0o644);
 */
export function openNoFollow(path: string, flags: number, mode = 0o644): number {
  try {
    return openSync(path, flags | constants.O_NOFOLLOW, mode);
  } catch (error) {
    throw refusedIfLink(error, path);
  }
}

/**
 * mkdir -p, then refuses a directory that is a symbolic link (a planted `.adf-pending` link
 * would send staged batches anywhere the process may write).
 */
export function mkdirNoFollow(dir: string): void {
  mkdirSync(dir, { recursive: true });
  if (lstatSync(dir).isSymbolicLink()) throw symlinkRefused(dir);
}

/** ELOOP (EMLINK on FreeBSD, EFTYPE on macOS) from an O_NOFOLLOW open: the path is a link. */
export function refusedIfLink(error: unknown, path: string): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ELOOP' || code === 'EMLINK' || code === 'EFTYPE' ? symlinkRefused(path, error) : error;
}

export function symlinkRefused(path: string, cause?: unknown): ConfigError {
  return new ConfigError(`refusing to write through a symbolic link: ${path} is a link (a file ADF writes must not be one; remove it)`, { cause, context: { file: path } });
}
