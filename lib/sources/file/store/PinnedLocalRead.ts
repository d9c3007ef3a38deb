import { promises as fs, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { AdfError, SplitFailedError } from '../../../errors/AdfError';

/** Prefix of the version a local file is listed with (FileRef.etag). */
export const LOCAL_VERSION_PREFIX = 'local:';

/**
 * The version of a local file: inode, size and modification time (nanosecond clocks show
 * through mtimeMs's fraction). The device number is left out: it is not stable across
 * reboots and remounts on some file systems, and the path already names the mount.
 */
export function localVersion(stats: Pick<Stats, 'ino' | 'size' | 'mtimeMs'>): string {
  return `${LOCAL_VERSION_PREFIX}${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

const CHUNK_BYTES = 256 * 1024;

/**
 * Bytes [start, end) of a local file pinned to the version it was listed with, as the S3
 * store pins reads to an ETag: the file is checked when opened and after every chunk, and a
 * file rewritten, truncated, grown or replaced in the meantime fails the stream with
 * SplitFailedError ("changed while being read") instead of yielding bytes of two versions or
 * ending early at a new, shorter end of file.
 *
 * @example
 * const bytes = new PinnedLocalRead('/data/a.csv', 'local:1234:2048:1700000000000.5', 2048, 0, 2048);
 */
export class PinnedLocalRead extends Readable {
  private handle: fs.FileHandle | undefined;
  private position: number;

  constructor(
    private readonly path: string,
    private readonly version: string,
    private readonly size: number,
    start: number,
    private readonly end: number,
  ) {
    super({ highWaterMark: CHUNK_BYTES });
    this.position = start;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    fs.open(this.path, 'r')
      .then(async (handle) => {
        this.handle = handle;
        await this.check();
        callback();
      })
      .catch((error: unknown) => callback(this.asError(error)));
  }

  override _read(): void {
    const want = Math.min(CHUNK_BYTES, this.end - this.position);
    if (want <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafe(want);
    this.handle!.read(buffer, 0, want, this.position)
      .then(async ({ bytesRead }) => {
        await this.check();
        if (bytesRead === 0) throw this.changed(`it ended at byte ${this.position}, before the ${this.size} bytes listed`);
        this.position += bytesRead;
        this.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
      })
      .catch((error: unknown) => this.destroy(this.asError(error)));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) return callback(error);
    handle.close().then(
      () => callback(error),
      () => callback(error),
    );
  }

  /** Compares the open file with the listed version (a replaced file keeps its old inode open: stat the path too). */
  private async check(): Promise<void> {
    const open = await this.handle!.stat();
    if (localVersion(open) !== this.version) throw this.changed(describeNow(open));
    const named = await fs.stat(this.path).catch(() => undefined);
    if (!named) throw this.changed('it was deleted or moved');
    if (localVersion(named) !== this.version) throw this.changed(`another file took its name: ${describeNow(named)}`);
  }

  private changed(now: string): SplitFailedError {
    return new SplitFailedError(`file changed while being read: ${this.path} (listed as ${this.version.slice(LOCAL_VERSION_PREFIX.length)} [inode:size:mtime], now ${now}); this split fails, and the next run plans the new version`, {
      context: { file: this.path, offset: this.position },
    });
  }

  private asError(error: unknown): AdfError {
    if (error instanceof AdfError) return error;
    if ((error as NodeJS.ErrnoException)?.code === 'ENOENT') return this.changed('it was deleted or moved');
    return new SplitFailedError(`cannot read ${this.path}: ${(error as Error)?.message ?? String(error)}`, { cause: error, context: { file: this.path, offset: this.position } });
  }
}

function describeNow(stats: Stats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}
