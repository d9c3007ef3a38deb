import { promises as fs, type Dirent, type Stats } from 'node:fs';
import { basename, join } from 'node:path';
import picomatch from 'picomatch';
import { AdfError, ConfigError } from '../../errors/AdfError';
import type { DiscoveryPage, SplitDiscoverer } from '../../source-support/SplitDiscoverer';
import { FileSplit, type FileFormat } from './FileSplit';
import { inferFileType } from './FileTypeInference';

/** The relative path (posix separators) of the last file a page covered. */
export type FileDiscoveryCursor = string;

/** A file discovery passed over, and why (unknown extension, a symlinked directory). */
export interface SkippedFile {
  readonly fileId: string;
  readonly path: string;
  readonly reason: string;
}

export interface FileDiscoveryPage extends DiscoveryPage<FileSplit, FileDiscoveryCursor> {
  readonly skipped: SkippedFile[];
}

export interface FileDiscovererOptions {
  /** Absolute path of a directory or of a single file. */
  readonly path: string;
  /** Globs; one without a `/` matches the file name at any depth, one with a `/` the relative path. */
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly recursive: boolean;
  /** Read every file in this format instead of inferring it from the extension. */
  readonly format?: FileFormat;
  readonly pageSize: number;
  /** Called for every skipped file, in addition to the page's `skipped` list. */
  readonly onSkip?: (file: SkippedFile) => void;
}

const UNKNOWN_EXTENSION = 'unknown file extension (expected .csv, .tsv, .jsonl, .ndjson or .json-lines, optionally + .gz)';

/**
 * Lists a local directory as whole-file splits, page by page, in a stable order: names are
 * sorted per directory and the walk is depth-first, which orders files by their path
 * segments. The cursor is the last relative path covered; a resumed walk skips every
 * directory that lies wholly before it, so memory holds one directory listing per level.
 * Hidden files and directories (a name starting with '.') are never read.
 *
 * @example
 * const discoverer = new FileDiscoverer({ path: '/data/in', recursive: true, pageSize: 1000 });
 * for await (const page of discoverer.discover(undefined)) console.log(page.splits.map((s) => s.fileId));
 */
export class FileDiscoverer implements SplitDiscoverer<FileSplit, FileDiscoveryCursor> {
  private readonly included: (fileId: string) => boolean;
  private readonly excluded: (fileId: string) => boolean;

  constructor(private readonly options: FileDiscovererOptions) {
    this.included = options.include?.length ? globMatcher(options.include) : () => true;
    this.excluded = options.exclude?.length ? globMatcher(options.exclude) : () => false;
  }

  async *discover(cursor: FileDiscoveryCursor | undefined): AsyncGenerator<FileDiscoveryPage> {
    const root = this.options.path;
    const after = cursor === undefined ? undefined : cursor.split('/');
    let splits: FileSplit[] = [];
    let skipped: SkippedFile[] = [];
    let last: string | undefined;
    for await (const file of this.candidates(root, after)) {
      const fileId = file.segments.join('/');
      if (!this.included(fileId) || this.excluded(fileId)) continue;
      const split = file.reason === undefined ? this.splitFor(fileId, file.path) : undefined;
      if (split) splits.push(split);
      else {
        const skip: SkippedFile = { fileId, path: file.path, reason: file.reason ?? UNKNOWN_EXTENSION };
        skipped.push(skip);
        this.options.onSkip?.(skip);
      }
      last = fileId;
      if (splits.length + skipped.length >= this.options.pageSize) {
        yield { splits, skipped, cursor: last };
        splits = [];
        skipped = [];
      }
    }
    if (last !== undefined && splits.length + skipped.length > 0) yield { splits, skipped, cursor: last };
  }

  /** Throws ConfigError naming the path when it does not exist or is neither a file nor a directory. */
  async checkPath(): Promise<void> {
    await this.statRoot(this.options.path);
  }

  private splitFor(fileId: string, path: string): FileSplit | undefined {
    const type = inferFileType(fileId, this.options.format);
    return type && FileSplit.create({ splitId: fileId, path, fileId, ...type });
  }

  private async *candidates(root: string, after: string[] | undefined): AsyncGenerator<Candidate> {
    const stat = await this.statRoot(root);
    if (stat.isFile()) {
      const segments = [basename(root)];
      if (!after || compareSegments(segments, after) > 0) yield { segments, path: root };
    } else {
      yield* this.walk(root, [], after);
    }
  }

  private async statRoot(root: string): Promise<Stats> {
    const context = { field: 'path', file: root };
    const stat = await fs.stat(root).catch((error: NodeJS.ErrnoException) => {
      const message = error.code === 'ENOENT' ? `path does not exist: ${root}` : `cannot read path ${root}: ${error.message}`;
      throw new ConfigError(message, { cause: error, context });
    });
    if (!stat.isFile() && !stat.isDirectory()) throw new ConfigError(`path is neither a file nor a directory: ${root}`, { context });
    return stat;
  }

  private async *walk(dir: string, parent: string[], after: string[] | undefined): AsyncGenerator<Candidate> {
    for (const entry of await sortedEntries(dir)) {
      if (entry.name.startsWith('.')) continue;
      const segments = [...parent, entry.name];
      const path = join(dir, entry.name);
      const kind = await kindOf(entry, path);
      if (kind === 'directory') {
        // A directory sorting before the cursor's own ancestor at this depth was fully covered.
        if (!this.options.recursive || (after && compareSegments(segments, after.slice(0, segments.length)) < 0)) continue;
        yield* this.walk(path, segments, after);
      } else if (kind === 'file' || kind === 'linked-directory') {
        if (after && compareSegments(segments, after) <= 0) continue;
        yield kind === 'file' ? { segments, path } : { segments, path, reason: 'symbolic link to a directory (not followed)' };
      }
    }
  }
}

interface Candidate {
  readonly segments: string[];
  readonly path: string;
  /** Set when the entry is reported as skipped whatever its extension. */
  readonly reason?: string;
}

/** Code-unit order (not locale order), so every machine walks the same sequence. */
export function compareSegments(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
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

async function kindOf(entry: Dirent, path: string): Promise<'file' | 'directory' | 'linked-directory' | 'other'> {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'directory';
  if (!entry.isSymbolicLink()) return 'other';
  // Links to files are read; links to directories are not followed, which rules out cycles.
  const target = await fs.stat(path).catch(() => undefined);
  if (target?.isFile()) return 'file';
  return target?.isDirectory() ? 'linked-directory' : 'other';
}

function globMatcher(patterns: readonly string[]): (fileId: string) => boolean {
  const byPath = patterns.filter((p) => p.includes('/'));
  const byName = patterns.filter((p) => !p.includes('/'));
  const matchPath = byPath.length ? picomatch(byPath, { dot: true }) : undefined;
  const matchName = byName.length ? picomatch(byName, { dot: true }) : undefined;
  return (fileId) => (matchPath?.(fileId) ?? false) || (matchName?.(fileId.slice(fileId.lastIndexOf('/') + 1)) ?? false);
}
