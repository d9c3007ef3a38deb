import { existsSync, readdirSync, readFileSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { jsonlSink } from '../../../lib/sinks';
import { tempDir } from '../../helpers/tmp';

const records = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: `s@${from + i}`, value: { n: from + i } }));
const lines = (dir: string) => readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean)).map((l) => JSON.parse(l));

describe('JsonlFileSink', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('writes one part file per split and returns its committed length', async () => {
    const writer = await jsonlSink({ dir: tmp.dir }).open({ readerId: 0 });
    const a = await writer.write({ splitId: 'a', records: records(0, 2), sinkState: undefined });
    const b = await writer.write({ splitId: 'b', records: records(10, 1), sinkState: undefined });
    const a2 = await writer.write({ splitId: 'a', records: records(2, 1), sinkState: a });
    await writer.close();
    expect(readdirSync(tmp.dir)).toHaveLength(2);
    expect(a2).toBeGreaterThan(a as number);
    expect(b).toBeGreaterThan(0);
    expect(lines(tmp.dir).map((l) => l.id).sort()).toEqual(['s@0', 's@1', 's@10', 's@2']);
  });

  it('drops what an interrupted run wrote after its last commit', async () => {
    const crashed = await jsonlSink({ dir: tmp.dir }).open({ readerId: 0 });
    const committed = await crashed.write({ splitId: 'a', records: records(0, 3), sinkState: undefined });
    await crashed.write({ splitId: 'a', records: records(3, 3), sinkState: committed }); // never committed
    await crashed.close();

    const resumed = await jsonlSink({ dir: tmp.dir }).open({ readerId: 1 });
    await resumed.write({ splitId: 'a', records: records(3, 3), sinkState: committed });
    await resumed.close();
    expect(lines(tmp.dir).map((l) => l.value.n)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('starts a split over when its sink state is older than what this writer wrote', async () => {
    const writer = await jsonlSink({ dir: tmp.dir }).open({ readerId: 0 });
    await writer.write({ splitId: 'a', records: records(0, 2), sinkState: undefined });
    await writer.write({ splitId: 'a', records: records(0, 1), sinkState: undefined });
    await writer.close();
    expect(lines(tmp.dir).map((l) => l.value.n)).toEqual([0]);
  });

  it('cuts back what another writer appended past the commit, even when this writer\'s own length matches it', async () => {
    // Reader A commits split a, gives it back (its reader failed on another split) and keeps its writer open;
    // reader B takes a over, appends a batch and dies before committing; a comes back to A.
    const a = await jsonlSink({ dir: tmp.dir }).open({ readerId: 0 });
    const committed = await a.write({ splitId: 'a', records: records(0, 2), sinkState: undefined });
    const b = await jsonlSink({ dir: tmp.dir }).open({ readerId: 1 });
    await b.write({ splitId: 'a', records: records(2, 5), sinkState: committed }); // never committed
    await b.close();

    await a.write({ splitId: 'a', records: records(2, 1), sinkState: committed });
    await a.close();
    expect(lines(tmp.dir).map((l) => l.value.n)).toEqual([0, 1, 2]);
  });
});

describe('JsonlFileSink: a part shorter than its commit (issue 8 item 4)', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  const partFile = (dir: string) => join(dir, readdirSync(dir).find((f) => f.endsWith('.jsonl'))!);

  it.each([
    ['cut short', (file: string) => truncateSync(file, 5)],
    ['gone', (file: string) => unlinkSync(file)],
  ])('is an error naming the file when it was %s, never filled up with NUL bytes', async (_how, lose) => {
    const first = await jsonlSink({ dir: tmp.dir }).open({ readerId: 0 });
    const committed = await first.write({ splitId: 'a', records: records(0, 3), sinkState: undefined });
    await first.close();
    const file = partFile(tmp.dir);
    lose(file); // a new sandbox: the disk it was on did not last

    const next = await jsonlSink({ dir: tmp.dir }).open({ readerId: 1 });
    await expect(next.write({ splitId: 'a', records: records(3, 1), sinkState: committed })).rejects.toThrow(new RegExp(`part file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is \\d+ bytes, shorter than its committed length ${committed}`));
    await next.close();
    expect(existsSync(file) ? readFileSync(file).includes(0) : false).toBe(false);
  });

  it('is an error too for a staged (serverless) writer publishing after it', async () => {
    const first = await jsonlSink({ dir: tmp.dir }).open({ readerId: 0, leasesExpire: true });
    const committed = await first.write({ splitId: 'a', records: records(0, 3), sinkState: undefined, leaseToken: 1 });
    await first.publish!('a', committed, { leaseToken: 1 });
    truncateSync(partFile(tmp.dir), 5);

    const next = await jsonlSink({ dir: tmp.dir }).open({ readerId: 1, leasesExpire: true });
    const after = await next.write({ splitId: 'a', records: records(3, 1), sinkState: committed, leaseToken: 2 });
    await expect(next.publish!('a', after, { leaseToken: 2 })).rejects.toThrow(/part file .*part-a-.*\.jsonl is 5 bytes, shorter than its committed length/);
  });
});
