import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalSplitStore } from '../../../lib/coordination/LocalSplitStore';
import { ConfigError } from '../../../lib/errors';
import { jsonlSink } from '../../../lib/sinks';
import type { SinkWriter } from '../../../lib/sinks';
import { FileSource } from '../../../lib/sources/file';
import type { SkippedFile } from '../../../lib/sources/file/FileDiscoverer';
import { atomicWriteFileSync } from '../../../lib/util/atomicWrite';
import { safeName } from '../../../lib/util/safeName';
import { tempDir } from '../../helpers/tmp';

/**
 * Issue 10 item 6: files ADF writes (part files, staged batches, state files and their
 * temporary names) are never written through a symbolic link planted where they belong: the
 * link's target stays untouched and the error names the path. Input links follow
 * `followSymlinks`.
 */
const TARGET = 'precious: must never be truncated or overwritten\n';
const records = [{ id: 'r1', value: { n: 1 } }];
const PART_A = `part-${safeName('a')}.jsonl`;

describe('no write goes through a planted symbolic link', () => {
  let tmp: ReturnType<typeof tempDir>;
  let target: string;
  beforeEach(() => {
    tmp = tempDir();
    target = join(tmp.dir, 'target.txt');
    writeFileSync(target, TARGET);
  });
  afterEach(() => tmp.cleanup());

  const expectRefused = async (act: () => unknown, path: string) => {
    const error = await Promise.resolve().then(act).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`refusing to write through a symbolic link: ${path}`);
    expect(readFileSync(target, 'utf8')).toBe(TARGET);
  };
  const open = async (dir: string, leasesExpire: boolean): Promise<SinkWriter<unknown>> =>
    jsonlSink({ dir }).open({ readerId: 0, ...(leasesExpire ? { leasesExpire: true } : {}) } as Parameters<ReturnType<typeof jsonlSink>['open']>[0]);

  it('the JSONL sink (embedded, in place) refuses a link at the part file', async () => {
    const out = join(tmp.dir, 'out');
    mkdirSync(out);
    symlinkSync(target, join(out, PART_A));
    const writer = await open(out, false);
    await expectRefused(() => writer.write({ splitId: 'a', records, sinkState: undefined, leaseToken: 1 }), join(out, PART_A));
    await writer.close();
  });

  it('the staged JSONL sink (serverless) refuses a link at the staged batch, at .adf-pending and at the part file', async () => {
    const out = join(tmp.dir, 'out');
    mkdirSync(join(out, '.adf-pending'), { recursive: true });
    const staged = join(out, '.adf-pending', `${PART_A}.7.0`);
    symlinkSync(target, staged);
    const writer = await open(out, true);
    await expectRefused(() => writer.write({ splitId: 'a', records, sinkState: undefined, leaseToken: 7 }), staged);

    const out2 = join(tmp.dir, 'out2');
    mkdirSync(out2);
    mkdirSync(join(tmp.dir, 'elsewhere'));
    symlinkSync(join(tmp.dir, 'elsewhere'), join(out2, '.adf-pending'));
    const writer2 = await open(out2, true);
    await expectRefused(() => writer2.write({ splitId: 'a', records, sinkState: undefined, leaseToken: 7 }), join(out2, '.adf-pending'));
    expect(readdirSync(join(tmp.dir, 'elsewhere'))).toEqual([]);

    const out3 = join(tmp.dir, 'out3');
    const writer3 = await open(out3, true);
    const state = await writer3.write({ splitId: 'a', records, sinkState: undefined, leaseToken: 7 });
    symlinkSync(target, join(out3, PART_A));
    await expectRefused(() => writer3.publish!('a', state, { splitId: 'a', leaseToken: 7 } as never), join(out3, PART_A));
  });

  it('a state file write never goes through a link at its temporary name, and replaces a link at its own name', () => {
    const file = join(tmp.dir, 'enumerator.json');
    // The temporary name the old code used: predictable, opened with 'w'.
    symlinkSync(target, `${file}.${process.pid}.tmp`);
    atomicWriteFileSync(file, '{"a":1}');
    expect(readFileSync(target, 'utf8')).toBe(TARGET);
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}');

    const linked = join(tmp.dir, 'linked.json');
    symlinkSync(target, linked);
    atomicWriteFileSync(linked, '{"b":2}', true);
    expect(lstatSync(linked).isSymbolicLink()).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe(TARGET);
  });

  it("the state dir's split rows are not written through a planted temporary link", async () => {
    const stateDir = join(tmp.dir, 'state');
    mkdirSync(join(stateDir, 'splits'), { recursive: true });
    symlinkSync(target, join(stateDir, 'splits', `${safeName('a')}.json.${process.pid}.tmp`));
    symlinkSync(target, join(stateDir, `enumerator.json.${process.pid}.tmp`));
    const store = LocalSplitStore.open(stateDir);
    try {
      await store.createSplits([{ splitId: 'a', version: 1, data: {} }]);
      await store.putEnumeratorState({ n: 1 });
    } finally {
      store.close();
    }
    expect(readFileSync(target, 'utf8')).toBe(TARGET);
    expect(existsSync(join(stateDir, 'splits', `${safeName('a')}.json`))).toBe(true);
  });
});

describe('input links follow followSymlinks', () => {
  const tmp = tempDir();
  const root = join(tmp.dir, 'in');
  beforeAll(() => {
    mkdirSync(root);
    writeFileSync(join(root, 'a.jsonl'), '{"n":1}\n');
    writeFileSync(join(tmp.dir, 'outside.jsonl'), '{"secret":1}\n');
    symlinkSync(join(tmp.dir, 'outside.jsonl'), join(root, 'out-link.jsonl'));
    symlinkSync(join(root, 'a.jsonl'), join(root, 'in-link.jsonl'));
  });
  afterAll(() => tmp.cleanup());

  async function discover(followSymlinks?: 'within-root' | 'any' | 'never') {
    const skipped: SkippedFile[] = [];
    const source = new FileSource({ path: root, ...(followSymlinks ? { followSymlinks } : {}) }, (f) => skipped.push(f));
    const found: string[] = [];
    for await (const page of source.createDiscoverer().discover(undefined)) found.push(...page.splits.map((s) => s.fileId));
    return { found: found.sort(), skipped: skipped.map((s) => [s.fileId, s.reason]) };
  }

  it("'within-root' (default) reads a link within the root, skips and reports one pointing outside", async () => {
    const { found, skipped } = await discover();
    expect(found).toEqual(['a.jsonl', 'in-link.jsonl']);
    expect(skipped).toEqual([['out-link.jsonl', expect.stringMatching(/outside the source root .*followSymlinks is within-root/)]]);
  });

  it("'any' reads every link to a file; 'never' skips and reports every link", async () => {
    expect((await discover('any')).found).toEqual(['a.jsonl', 'in-link.jsonl', 'out-link.jsonl']);
    const never = await discover('never');
    expect(never.found).toEqual(['a.jsonl']);
    expect(never.skipped.map(([id]) => id).sort()).toEqual(['in-link.jsonl', 'out-link.jsonl']);
  });

  it('rejects an unknown followSymlinks value, naming the field', () => {
    expect(() => new FileSource({ path: root, followSymlinks: 'sometimes' as never })).toThrow(/followSymlinks must be one of within-root, any, never/);
  });
});
