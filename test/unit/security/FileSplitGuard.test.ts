import fc from 'fast-check';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UntrustedSplitError } from '../../../lib/errors';
import { FileSource, type FileSourceOptions } from '../../../lib/sources/file';
import { FileSourceReader } from '../../../lib/sources/file/FileSourceReader';
import { FileSplit } from '../../../lib/sources/file/FileSplit';
import { tempDir } from '../../helpers/tmp';

/** A split as a tampered row would name it: any path, with the fileId the attacker chose. */
const splitAt = (path: string, fileId = path.slice(path.lastIndexOf('/') + 1)) => FileSplit.create({ splitId: fileId, path, fileId, format: 'jsonl', compression: 'none' });
const quiet = () => undefined;

describe('FileSplitGuard: a split must name a file of its own source', () => {
  const tmp = tempDir();
  const root = join(tmp.dir, 'in');
  beforeAll(() => {
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'a.jsonl'), '{}\n');
    writeFileSync(join(root, 'sub', 'b.jsonl'), '{}\n');
    writeFileSync(join(root, '.hidden.jsonl'), '{}\n');
    writeFileSync(join(tmp.dir, 'secret.jsonl'), '{"secret":1}\n');
    symlinkSync(join(tmp.dir, 'secret.jsonl'), join(root, 'out-link.jsonl'));
    symlinkSync(join(root, 'a.jsonl'), join(root, 'in-link.jsonl'));
    symlinkSync('/proc/self/environ', join(root, 'environ.jsonl'));
    symlinkSync(tmp.dir, join(root, 'up'));
  });
  afterAll(() => tmp.cleanup());
  const local = (options: Partial<FileSourceOptions> = {}) => new FileSource({ path: root, ...options }, quiet);
  const refusal = async (source: FileSource, split: FileSplit) => {
    const error = await source.validateSplit(split).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UntrustedSplitError);
    return (error as Error).message;
  };

  it('accepts the files discovery lists, and a link within the root by default', async () => {
    await expect(local().validateSplit(splitAt(join(root, 'a.jsonl')))).resolves.toBeUndefined();
    await expect(local().validateSplit(splitAt(join(root, 'sub', 'b.jsonl'), 'sub/b.jsonl'))).resolves.toBeUndefined();
    await expect(local().validateSplit(splitAt(join(root, 'in-link.jsonl')))).resolves.toBeUndefined();
  });

  it.each([
    ['a file outside the root', () => join(tmp.dir, 'secret.jsonl'), /outside the source/],
    ["a path with '..'", () => `${root}/../secret.jsonl`, /normalised absolute path/],
    ["a path through a directory link out of the root", () => join(root, 'up', 'secret.jsonl'), /link to .*secret.jsonl, outside the source root/],
    ['a link inside the root to a file outside it', () => join(root, 'out-link.jsonl'), /outside the source root/],
    ['/proc/self/environ', () => '/proc/self/environ', /outside the source/],
    ['a link to /proc/self/environ', () => join(root, 'environ.jsonl'), /system file|outside the source root/],
    ['an S3 object on a local source', () => 's3://other-bucket/a.jsonl', /not of the source's kind/],
    ['a hidden file', () => join(root, '.hidden.jsonl'), /not a file discovery lists/],
  ])('refuses %s', async (_what, path, reason) => {
    const p = path();
    // The fileId the path has under the root, when it has one: only the path gives it away.
    expect(await refusal(local(), splitAt(p, p.startsWith(`${root}/`) ? p.slice(root.length + 1) : undefined))).toMatch(reason);
  });

  it('refuses a fileId other than the one its path has (record ids derive from it)', async () => {
    expect(await refusal(local(), splitAt(join(root, 'a.jsonl'), 'sub/b.jsonl'))).toMatch(/fileId "sub\/b.jsonl" is not the one its path has/);
  });

  it("follows links as followSymlinks says: 'never' refuses every link, 'any' reads one out of the root but never a system file", async () => {
    expect(await refusal(local({ followSymlinks: 'never' }), splitAt(join(root, 'in-link.jsonl')))).toMatch(/goes through a symbolic link/);
    await expect(local({ followSymlinks: 'never' }).validateSplit(splitAt(join(root, 'a.jsonl')))).resolves.toBeUndefined();
    await expect(local({ followSymlinks: 'any' }).validateSplit(splitAt(join(root, 'out-link.jsonl')))).resolves.toBeUndefined();
    expect(await refusal(local({ followSymlinks: 'any' }), splitAt(join(root, 'environ.jsonl')))).toMatch(/system file/);
  });

  describe('on S3', () => {
    const s3 = () => new FileSource({ path: 's3://in-bucket/flow/in/' }, quiet);
    it('accepts keys under the prefix', async () => {
      await expect(s3().validateSplit(splitAt('s3://in-bucket/flow/in/x/a.jsonl', 'x/a.jsonl'))).resolves.toBeUndefined();
    });
    it.each([
      ['another bucket', 's3://other-bucket/flow/in/a.jsonl', /outside the source/],
      ['another prefix', 's3://in-bucket/flow/secret/a.jsonl', /outside the source/],
      ["the flow's own out/ prefix", 's3://in-bucket/flow/out/part-0.jsonl', /outside the source/],
      ['a prefix that only starts like it', 's3://in-bucket/flow/in-other/a.jsonl', /outside the source/],
      ["a key with '..'", 's3://in-bucket/flow/in/../secret/a.jsonl', /not a file discovery lists/],
      ['a local path (the S3 bundle must not read local files)', '/proc/self/environ', /not of the source's kind/],
    ])('refuses %s', async (_what, path, reason) => {
      expect(await refusal(s3(), splitAt(path, path.slice('s3://in-bucket/flow/in/'.length) || 'a.jsonl'))).toMatch(reason);
    });

    it('accepts only keys under the prefix with no dot segment, whatever the path (property)', async () => {
      const segment = fc.constantFrom('..', '.', '', 'in', 'flow', 'out', 'a.jsonl', 'x');
      const bucket = fc.constantFrom('in-bucket', 'other-bucket');
      await fc.assert(
        fc.asyncProperty(bucket, fc.array(segment, { minLength: 1, maxLength: 6 }), async (b, segments) => {
          const path = `s3://${b}/${segments.join('/')}`;
          const fileId = segments.slice(2).join('/');
          let accepted = true;
          try {
            await s3().validateSplit(splitAt(path, fileId === '' ? 'a' : fileId));
          } catch (e) {
            if (!(e instanceof UntrustedSplitError)) throw e;
            accepted = false;
          }
          const inside = b === 'in-bucket' && path.startsWith('s3://in-bucket/flow/in/') && !segments.slice(2).some((s) => s.startsWith('.') || s === '');
          expect(accepted).toBe(inside);
        }),
        { numRuns: 3000 },
      );
    });
  });

  it('the after-finish action (run from rows by the failure handler too) refuses a tampered split: nothing outside the root is deleted', async () => {
    const source = local({ afterFinish: 'delete' });
    const secret = join(tmp.dir, 'secret.jsonl');
    await expect(source.onSplitFinished(splitAt(secret), async () => true)).rejects.toBeInstanceOf(UntrustedSplitError);
    expect(existsSync(secret)).toBe(true);
  });

  it("the reader opens no ad-hoc store for a path of the other kind: it refuses the split", async () => {
    const source = new FileSource({ path: 's3://in-bucket/flow/in/' }, quiet);
    const reader = source.createReader({ readerId: 0, sendSplitRequest: quiet });
    reader.addSplits([splitAt('/etc/passwd', 'passwd')]);
    await expect(reader.poll()).rejects.toBeInstanceOf(UntrustedSplitError);
    expect(reader).toBeInstanceOf(FileSourceReader);
  });
});
