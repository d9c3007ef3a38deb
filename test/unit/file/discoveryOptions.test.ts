import { utimesSync } from 'node:fs';
import { FileSource, type FileDiscoveryPage, type FileSourceOptions } from '../../../lib/sources/file';
import { makeFixtureDir, type FixtureDir } from '../../helpers/files';
import { recordsById, runSource } from '../../helpers/sourceContract';

async function pages(options: FileSourceOptions, cursor?: string): Promise<FileDiscoveryPage[]> {
  const out: FileDiscoveryPage[] = [];
  for await (const page of new FileSource(options, () => undefined).createDiscoverer().discover(cursor)) out.push(page);
  return out;
}
const ids = (ps: FileDiscoveryPage[]) => ps.flatMap((p) => p.splits.map((s) => s.splitId));

describe('discovery options', () => {
  let fx: FixtureDir;
  beforeEach(() => {
    fx = makeFixtureDir({ 'a.csv': 'id\n1\n', 'b.csv': 'id\n2\n', 'c.jsonl': '{"id":3}\n', 'd.csv': 'id\n4\n', 'e.jsonl': '{"id":5}\n' });
  });
  afterEach(() => fx.cleanup());

  it('maxFilesPerRun stops a pass after N files; its last page says more, and the cursor continues', async () => {
    const first = await pages({ path: fx.root, maxFilesPerRun: 2 });
    const second = await pages({ path: fx.root, maxFilesPerRun: 2 }, first.at(-1)!.cursor);
    const third = await pages({ path: fx.root, maxFilesPerRun: 2 }, second.at(-1)!.cursor);

    expect(ids(first)).toEqual(['a.csv', 'b.csv']);
    expect(first.at(-1)).toMatchObject({ cursor: 'b.csv', more: true });
    expect(ids(second)).toEqual(['c.jsonl', 'd.csv']);
    expect(ids(third)).toEqual(['e.jsonl']);
    expect(third.at(-1)!.more).toBeUndefined();
  });

  it('maxFilesPerRun: each run reads the next files and checkpoints an unfinished discovery', async () => {
    const source = new FileSource({ path: fx.root, maxFilesPerRun: 2 }, () => undefined);

    const run1 = await runSource(source, { readers: 1 });
    const run2 = await runSource(source, { readers: 1, from: run1.checkpoint });
    const run3 = await runSource(source, { readers: 1, from: run2.checkpoint });

    expect(run1.checkpoint.enumerator).toEqual({ cursor: 'b.csv', discoveryDone: false });
    expect([...recordsById(run1.batches).keys()]).toEqual(['a.csv@3', 'b.csv@3']);
    expect([...recordsById(run2.batches).keys()]).toEqual(['c.jsonl@0', 'd.csv@3']);
    expect([...recordsById(run3.batches).keys()]).toEqual(['e.jsonl@0']);
    expect(run3.checkpoint.enumerator).toEqual({ cursor: 'e.jsonl', discoveryDone: true });
  });

  it('newerThan keeps only files modified after it (ISO date or epoch ms)', async () => {
    const old = new Date('2020-01-01T00:00:00Z');
    utimesSync(fx.path('a.csv'), old, old);
    utimesSync(fx.path('c.jsonl'), old, old);

    expect(ids(await pages({ path: fx.root, newerThan: '2021-01-01T00:00:00Z' }))).toEqual(['b.csv', 'd.csv', 'e.jsonl']);
    expect(ids(await pages({ path: fx.root, newerThan: old.getTime() - 1 }))).toEqual(['a.csv', 'b.csv', 'c.jsonl', 'd.csv', 'e.jsonl']);
  });

  it('an empty file is skipped, counts toward a page, and the cursor moves past it (no loop)', async () => {
    fx.write('bb-empty.csv', '');

    const all = await pages({ path: fx.root, discoveryPageSize: 2 });

    expect(ids(all)).toEqual(['a.csv', 'b.csv', 'c.jsonl', 'd.csv', 'e.jsonl']);
    expect(all.flatMap((p) => p.skipped.map((s) => [s.fileId, s.reason]))).toEqual([['bb-empty.csv', 'empty file (0 bytes)']]);
    expect(all.map((p) => p.cursor)).toEqual(['b.csv', 'c.jsonl', 'e.jsonl']);
  });
});
