import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';

/**
 * Writes a file so that a crash at any moment leaves either the old or the new content:
 * write a temporary file beside it, then rename over (rename is atomic on POSIX).
 * `fsync` is optional: a killed process loses nothing in the page cache; only power loss does.
 */
export function atomicWriteFileSync(path: string, data: string, fsync = false): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, data);
    if (fsync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
