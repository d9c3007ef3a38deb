import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { openNoFollow } from './noFollow';

/**
 * Writes a file so that a crash at any moment leaves either the old or the new content:
 * write a temporary file beside it, then rename over (rename is atomic on POSIX).
 * `fsync` is optional: a killed process loses nothing in the page cache; only power loss does.
 *
 * The temporary file has an unguessable name and is created exclusively (O_EXCL, O_NOFOLLOW):
 * a link planted at a predictable temporary name had its target truncated. The rename replaces
 * a link at `path` itself, never its target. (write-file-atomic was considered: it opens its
 * temporary file with 'w', which follows a link and is not exclusive.)
 */
export function atomicWriteFileSync(path: string, data: string, fsync = false): void {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openNoFollow(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
  try {
    try {
      writeSync(fd, data);
      if (fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // gone already (renamed) or never made: nothing to clean up
    }
    throw error;
  }
  if (fsync) fsyncDir(dirname(path));
}

/** Makes the rename itself durable (the directory entry), as the file's fsync does its bytes. */
function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
