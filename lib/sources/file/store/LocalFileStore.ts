import { createReadStream, promises as fs, type Dirent, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { AdfError, ConfigError } from '../../../errors/AdfError';
import type { FileLocation, FileRef, FileStore } from './FileStore';
import { LOCAL_VERSION_PREFIX, localVersion, PinnedLocalRead } from './PinnedLocalRead';

export interface LocalFileStoreOptions {
  /** Absolute path of a directory or of a single file. */
  readonly root: string;
  readonly recursive: boolean;
  /** Files per listed page. */
  readonly pageSize: number;
  /**
   * Which links to files are listed: 'within-root' (default) those whose target (every link
   * resolved) lies under the root, 'any' all, 'never' none. A link not followed is listed as
   * unreadable, so discovery reports it instead of dropping it silently.
   */
  readonly followSymlinks?: 'within-root' | 'any' | 'never';
}

/** Chunk size of file reads: large enough that per-chunk costs vanish next to parsing. */
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * A local directory (or one file) as a FileStore. Listing walks depth-first with the names
 * of each directory sorted, which orders files by their path segments; the cursor is the
 * last fileId covered, and a resumed walk skips every directory that lies wholly before it,
 * so memory holds one directory listing per level. Hidden files and directories (a name
 * starting with '.') are never listed; links to files are followed as `followSymlinks` says
 * (by default only into the root), links to directories are listed as unreadable (not
 * followed, which rules out cycles).
 *
 * @example
 * const store = new LocalFileStore({ root: '/data/in', recursive: true, pageSize: 1000 });
 * for await (const page of store.list('2024/a.csv')) console.log(page.map((f) => f.fileId));
 */
export class LocalFileStore implements FileStore {
  readonly root: string;
  private realRoot: Promise<string> | undefined;

  constructor(private readonly options: LocalFileStoreOptions) {
    this.root = options.root;
  }

  /** The root with every link resolved (cached): targets are compared against it. */
  resolvedRoot(): Promise<string> {
    return (this.realRoot ??= fs.realpath(this.root).catch((error) => {
      this.realRoot = undefined;
      throw error;
    }));
  }

  async checkRoot(): Promise<void> {
    await this.statRoot();
  }

  async *list(cursor?: string): AsyncGenerator<FileRef[]> {
    const after = cursor === undefined ? undefined : cursor.split('/');
    let page: FileRef[] = [];
    for await (const ref of this.candidates(after)) {
      page.push(ref);
      if (page.length >= this.options.pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  /**
   * With the version discovery listed (`etag`, and `size`) the read is pinned to it: it stops at
   * the listed size and fails with "changed while being read" if the file changes meanwhile.
   * Without (a split stored by an older version of adf) it reads whatever is there.
   */
  openRange(file: FileLocation, start: number, end?: number): Readable {
    if (end !== undefined && end <= start) return Readable.from([]);
    if (file.etag?.startsWith(LOCAL_VERSION_PREFIX) && file.size !== undefined) {
      return new PinnedLocalRead(file.path, file.etag, file.size, start, Math.min(end ?? file.size, file.size));
    }
    return createReadStream(file.path, { start, ...(end === undefined ? {} : { end: end - 1 }), highWaterMark: READ_CHUNK_BYTES });
  }

  async stat(path: string): Promise<FileRef | undefined> {
    const stats = await fs.stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw new AdfError(`cannot stat ${path}: ${error.message}`, { cause: error, context: { file: path } });
    });
    if (!stats?.isFile()) return undefined;
    return toRef(path, this.fileIdOf(path) ?? basename(path), stats);
  }

  async delete(path: string): Promise<void> {
    await fs.unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw new AdfError(`cannot delete ${path}: ${error.message}`, { cause: error, context: { file: path } });
    });
  }

  async move(path: string, toPath: string): Promise<void> {
    try {
      await fs.mkdir(dirname(toPath), { recursive: true });
      await fs.rename(path, toPath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !(await exists(path))) return; // moved already (a concurrent or earlier call)
      if (code !== 'EXDEV') throw new AdfError(`cannot move ${path} to ${toPath}: ${(error as Error).message}`, { cause: error, context: { file: path } });
      // Another file system: copy, then remove the original.
      await fs.copyFile(path, toPath);
      await this.delete(path);
    }
  }

  fileIdOf(path: string): string | undefined {
    if (!isAbsolute(path)) return undefined;
    if (path === this.root) return basename(path);
    const rel = relative(this.root, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
    return rel.split(sep).join('/');
  }

  private async statRoot(): Promise<Stats> {
    const root = this.root;
    const context = { field: 'path', file: root };
    const stat = await fs.stat(root).catch((error: NodeJS.ErrnoException) => {
      const message = error.code === 'ENOENT' ? `path does not exist: ${root}` : `cannot read path ${root}: ${error.message}`;
      throw new ConfigError(message, { cause: error, context });
    });
    if (!stat.isFile() && !stat.isDirectory()) throw new ConfigError(`path is neither a file nor a directory: ${root}`, { context });
    return stat;
  }

  private async *candidates(after: string[] | undefined): AsyncGenerator<FileRef> {
    const root = this.root;
    const stat = await this.statRoot();
    if (stat.isFile()) {
      const name = basename(root);
      if (!after || compareSegments([name], after) > 0) yield toRef(root, name, stat);
    } else {
      yield* this.walk(root, [], after);
    }
  }

  private async *walk(dir: string, parent: string[], after: string[] | undefined): AsyncGenerator<FileRef> {
    let entries: Dirent[];
    try {
      entries = await sortedEntries(dir);
    } catch (error) {
      if (parent.length === 0) throw error;
      // One unlistable subdirectory must not stop the whole run: it is reported like any file
      // that cannot be read (a warning naming it), and every other file is still ingested.
      yield { path: dir, fileId: parent.join('/'), size: 0, directory: true, unreadable: (error as Error).message };
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const segments = [...parent, entry.name];
      const path = join(dir, entry.name);
      const { kind, stats, unfollowed } = await this.kindOf(entry, path);
      if (unfollowed !== undefined) {
        if (after && compareSegments(segments, after) <= 0) continue;
        yield { path, fileId: segments.join('/'), size: 0, unreadable: unfollowed };
        continue;
      }
      if (kind === 'directory') {
        // A directory sorting before the cursor's own ancestor at this depth was fully covered.
        if (!this.options.recursive || (after && compareSegments(segments, after.slice(0, segments.length)) < 0)) continue;
        yield* this.walk(path, segments, after);
      } else if (kind === 'file' || kind === 'linked-directory') {
        if (after && compareSegments(segments, after) <= 0) continue;
        const fileId = segments.join('/');
        if (kind === 'linked-directory') {
          yield { path, fileId, size: 0, unreadable: 'symbolic link to a directory (not followed)' };
        } else {
          // A file deleted while the walk was under way has nothing left to read.
          const fileStats = stats ?? (await fs.stat(path).catch(() => undefined));
          if (fileStats?.isFile()) yield toRef(path, fileId, fileStats);
        }
      }
    }
  }

  private async kindOf(entry: Dirent, path: string): Promise<{ kind: EntryKind; stats?: Stats; unfollowed?: string }> {
    const found = await kindOf(entry, path);
    if (!entry.isSymbolicLink() || found.kind !== 'file') return found;
    const mode = this.options.followSymlinks ?? 'within-root';
    if (mode === 'any') return found;
    if (mode === 'never') return { kind: 'other', unfollowed: 'symbolic link (not followed: followSymlinks is never)' };
    const [target, root] = await Promise.all([fs.realpath(path).catch(() => undefined), this.resolvedRoot()]);
    if (target !== undefined && isWithin(root, target)) return found;
    return { kind: 'other', unfollowed: `symbolic link to ${target ?? 'a missing target'}, outside the source root ${root} (not followed: followSymlinks is within-root; 'any' reads it)` };
  }
}

/** True when `path` is `root` or lies under it (both absolute and resolved). */
export function isWithin(root: string, path: string): boolean {
  if (path === root) return true;
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function toRef(path: string, fileId: string, stats: Stats): FileRef {
  return { path, fileId, size: stats.size, etag: localVersion(stats), modifiedAt: stats.mtime };
}

/** Code-unit order (not locale order), so every machine walks the same sequence. */
export function compareSegments(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

async function exists(path: string): Promise<boolean> {
  return fs.access(path).then(
    () => true,
    () => false,
  );
}

async function sortedEntries(dir: string): Promise<Dirent[]> {
  const entries: Dirent[] = [];
  try {
    for await (const entry of await fs.opendir(dir)) entries.push(entry);
  } catch (error) {
    // A directory deleted while the walk was under way has nothing left to read.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new AdfError(`cannot list directory ${dir}: ${(error as Error).message}`, { cause: error, context: { file: dir } });
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

type EntryKind = 'file' | 'directory' | 'linked-directory' | 'other';

async function kindOf(entry: Dirent, path: string): Promise<{ kind: EntryKind; stats?: Stats }> {
  if (entry.isFile()) return { kind: 'file' };
  if (entry.isDirectory()) return { kind: 'directory' };
  if (!entry.isSymbolicLink()) return { kind: 'other' };
  // Links to files are read; links to directories are not followed, which rules out cycles.
  const target = await fs.stat(path).catch(() => undefined);
  if (target?.isFile()) return { kind: 'file', stats: target };
  return { kind: target?.isDirectory() ? 'linked-directory' : 'other' };
}
