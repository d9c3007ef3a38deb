import { createHash } from 'node:crypto';
import type { SplitEnumeratorContext } from '../../source-support/SplitEnumerator';
import { rangeSplitId, type FileSplit } from './FileSplit';

/**
 * Tells a file that changed since an earlier run planned it from one that did not. Discovery
 * names a file's splits by its path, so without this a file that grew or was replaced after
 * it was read would be "nothing new" forever: the split store already knows those ids.
 *
 * The split that first planned the file (`fileId`, or `fileId#0` for ranges) holds the version
 * it was listed with (size + mtime + inode locally, the ETag on S3). When the version listed
 * now differs, the file's splits become those of a new version, `${fileId}~${tag}` with the tag
 * a hash of the version: read in full as new data (with their own record ids), planned once
 * (a later pass finds the tagged ids known), and reported. Appended bytes are not read as a
 * continuation: a grown file is a new version like any other change, since nothing proves the
 * bytes read before are still the same.
 *
 * Needs `ctx.knownSplit` (the embedded runtime); without it discovery is unchanged.
 *
 * @example
 * const splits = await new FileChangeDetector(ctx).review(page.splits);
 */
export class FileChangeDetector {
  constructor(private readonly ctx: SplitEnumeratorContext<FileSplit>) {}

  async review(splits: readonly FileSplit[]): Promise<FileSplit[]> {
    if (!this.ctx.knownSplit) return [...splits];
    const out: FileSplit[] = [];
    for (let i = 0; i < splits.length; ) {
      const first = splits[i]!;
      let j = i + 1;
      while (j < splits.length && splits[j]!.fileId === first.fileId && splits[j]!.path === first.path) j++;
      out.push(...(await this.reviewFile(splits.slice(i, j))));
      i = j;
    }
    return out;
  }

  private async reviewFile(splits: FileSplit[]): Promise<FileSplit[]> {
    const listed = splits[0]!;
    if (listed.etag === undefined || listed.versionTag !== undefined) return splits;
    const known = this.ctx.knownSplit!.bind(this.ctx);
    const earlier = (await known(listed.fileId)) ?? (await known(rangeSplitId(listed.fileId, 0)));
    const before = earlier?.split;
    if (!before || before.etag === undefined || (before.etag === listed.etag && before.size === listed.size)) return splits;
    const tag = versionTagOf(listed);
    const renamed = splits.map((s) => s.asNewVersion(tag));
    if (!(await known(renamed[0]!.splitId))) {
      const when = earlier.status === 'FINISHED' ? 'since an earlier run read it' : `since it was planned (split ${before.splitId} is ${earlier.status})`;
      this.ctx.warn?.(
        `file changed ${when}: ${listed.path} (size ${before.size ?? '?'} → ${listed.size ?? '?'} bytes); ` +
          `its new version is read in full as new data (split ${renamed[0]!.splitId}, record ids ${renamed[0]!.baseId}@offset); records of the old version stay in the output`,
      );
    }
    return renamed;
  }
}

/** A short tag for a version: lowercase hex of its hash. */
export function versionTagOf(split: Pick<FileSplit, 'etag' | 'size'>): string {
  return createHash('sha256').update(`${split.etag ?? ''}|${split.size ?? ''}`).digest('hex').slice(0, 10);
}
