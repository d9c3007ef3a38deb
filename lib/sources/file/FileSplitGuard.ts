import { promises as fs } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { AdfError, SplitFailedError, UntrustedSplitError } from '../../errors/AdfError';
import { isS3Uri } from '../../util/s3Uri';
import type { FollowSymlinks } from './FileSourceConfig';
import type { FileSplit } from './FileSplit';
import { isListable, type FileStore } from './store/FileStore';
import { isWithin } from './store/LocalFileStore';

export interface FileSplitGuardOptions {
  /** The source's configured path: an absolute local path or `s3://bucket/prefix`. */
  readonly root: string;
  readonly recursive: boolean;
  readonly followSymlinks: FollowSymlinks;
  /** The source's store: it knows which paths lie under its root (`fileIdOf`). */
  readonly store: FileStore;
}

/** Never read, whatever the root: kernel and device files (`/proc/self/environ` holds a Lambda's credentials). */
const SYSTEM_DIRS = ['/proc', '/sys', '/dev'];

/**
 * Checks a file split against its source before anything is opened. A split row comes from a
 * store that others can write (the DynamoDB split table, a state dir), so its path is not
 * trusted: it must be of the source's kind (local or S3), lie under the source's root (S3: the
 * same bucket and the configured prefix; local: a normalised absolute path, no `..`, under the
 * root lexically and — unless followSymlinks is 'any' — after realpath too, with no link at all
 * under 'never'), not be hidden, and carry the fileId its path gives (record ids derive from
 * it). What fails throws UntrustedSplitError naming why; the runtime FAILS the split.
 *
 * A missing file cannot be resolved: that is a SplitFailedError like any unreadable file. The
 * check and the open are two steps: someone able to swap a link between them inside the input
 * directory is not kept out (see docs/SECURITY.md).
 *
 * @example
 * await new FileSplitGuard({ root: '/data/in', recursive: true, followSymlinks: 'within-root', store }).check(split);
 */
export class FileSplitGuard {
  constructor(private readonly options: FileSplitGuardOptions) {}

  /** `missingOk`: a file that no longer exists passes (the after-finish action, idempotent, finds it gone). */
  async check(split: FileSplit, { missingOk = false } = {}): Promise<void> {
    const { root, store, recursive } = this.options;
    const path = split.path;
    const refuse = (why: string): never => {
      throw new UntrustedSplitError(`split ${split.splitId} refused, never read: ${why}`, { context: { splitId: split.splitId, file: path } });
    };
    if (typeof path !== 'string' || path === '') refuse('it names no path');
    if (isS3Uri(path) !== isS3Uri(root)) refuse(`${path} is not of the source's kind (the source reads ${root})`);
    if (!isS3Uri(path) && (!isAbsolute(path) || normalize(path) !== path || path.split(sep).includes('..'))) {
      refuse(`${path} is not a normalised absolute path (no '..', '.' or '//' segments)`);
    }
    let fileId: string | undefined;
    try {
      fileId = store.fileIdOf(path);
    } catch {
      fileId = undefined; // an unparsable s3:// url
    }
    if (fileId === undefined) refuse(`${path} lies outside the source ${root}`);
    // An empty segment ('a//b') is a key S3 keeps, but one a proxy or emulator may normalise into another.
    if (path !== root && fileId!.split('/').includes('')) refuse(`${path} has an empty path segment`);
    if (path !== root && !isListable(fileId!, recursive)) refuse(`${path} is not a file discovery lists (hidden, a folder marker, or nested while not recursive)`);
    if (split.fileId !== fileId) refuse(`its fileId "${split.fileId}" is not the one its path has under ${root} ("${fileId}")`);
    if (!isS3Uri(path)) await this.checkLinks(path, refuse, missingOk);
  }

  /** Where the path really leads: under the resolved root (or, with 'never', through no link). */
  private async checkLinks(path: string, refuse: (why: string) => never, missingOk: boolean): Promise<void> {
    const { root, followSymlinks } = this.options;
    let real: string;
    let realRoot: string;
    try {
      [real, realRoot] = await Promise.all([fs.realpath(path), fs.realpath(root)]);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Deleting or moving what is gone acts on nothing (a dangling link is removed or moved as the link itself).
      if (missingOk && code === 'ENOENT') return;
      const message = `cannot read ${path}: ${code === 'ENOENT' ? 'it no longer exists' : (error as Error).message}`;
      throw error instanceof AdfError ? error : new SplitFailedError(message, { cause: error, context: { file: path } });
    }
    if (SYSTEM_DIRS.some((dir) => isWithin(dir, real))) refuse(`${path} leads to ${real}, a system file`);
    if (followSymlinks === 'any') return;
    if (!isWithin(realRoot, real)) refuse(`${path} is a link to ${real}, outside the source root ${realRoot} (followSymlinks: ${followSymlinks})`);
    if (followSymlinks === 'never' && real !== (path === root ? realRoot : join(realRoot, relative(root, path)))) {
      refuse(`${path} goes through a symbolic link (to ${real}; followSymlinks: never)`);
    }
  }
}
