import { unlinkSync } from 'node:fs';
import { SplitFailedError } from '../../../lib/errors/AdfError';
import { InputStatus } from '../../../lib/source-support/RecordBatch';
import { FileSourceReader, parseFileSourceOptions, type FileSourceOptions } from '../../../lib/sources/file';
import { lines, makeFixtureDir, type FixtureDir } from '../../helpers/files';
import { splitFor } from './readSplit';

function makeReader(options: Omit<FileSourceOptions, 'path'> = {}) {
  const config = parseFileSourceOptions({ path: '/', ...options });
  const ctx = { readerId: 0, sendSplitRequest: jest.fn() };
  const reader = new FileSourceReader(ctx, { formats: config.formats, limits: config.limits });
  return { reader, ctx };
}

describe('FileSourceReader', () => {
  let fx: FixtureDir;
  beforeEach(() => {
    fx = makeFixtureDir({ 'a.jsonl': lines(10, (i) => `{"i":${i}}`), 'b.csv': 'id\n1\n2\n' });
  });
  afterEach(() => fx.cleanup());

  it('asks for a split once while it holds none, and waits', async () => {
    const { reader, ctx } = makeReader();

    const first = await reader.poll();
    const second = await reader.poll();

    expect(first.status).toBe(InputStatus.NOTHING_AVAILABLE);
    expect(second.status).toBe(InputStatus.NOTHING_AVAILABLE);
    expect(ctx.sendSplitRequest).toHaveBeenCalledTimes(1);
  });

  it('becomes available when a split arrives, and asks again once it is done', async () => {
    const { reader, ctx } = makeReader();
    await reader.poll();
    const available = reader.isAvailable();

    reader.addSplits([splitFor(fx.path('b.csv'))]);
    await available;
    const { batch } = await reader.poll();
    const after = await reader.poll();

    expect(batch!.records.map((r) => r.value)).toEqual([{ id: '1' }, { id: '2' }]);
    expect(batch!.finished).toBe(true);
    expect(after.status).toBe(InputStatus.NOTHING_AVAILABLE);
    expect(ctx.sendSplitRequest).toHaveBeenCalledTimes(2);
  });

  it('ends the input after no-more-splits', async () => {
    const { reader } = makeReader();
    const available = reader.isAvailable();

    reader.notifyNoMoreSplits();
    await available;

    expect((await reader.poll()).status).toBe(InputStatus.END_OF_INPUT);
  });

  it('reads its splits in order, one split per batch', async () => {
    const { reader } = makeReader();
    reader.addSplits([splitFor(fx.path('b.csv')), splitFor(fx.path('a.jsonl'))]);

    const first = (await reader.poll()).batch!;
    const second = (await reader.poll()).batch!;

    expect(first.splitId).toBe('b.csv');
    expect(second.splitId).toBe('a.jsonl');
    expect(second.records).toHaveLength(10);
  });

  it('bounds a batch by maxRecords, maxBytes and per-call limits', async () => {
    const { reader } = makeReader({ maxRecordsPerBatch: 4 });
    reader.addSplits([splitFor(fx.path('a.jsonl'))]);

    const byOption = (await reader.poll()).batch!;
    const byCall = (await reader.poll({ maxRecords: 2 })).batch!;
    const byBytes = (await reader.poll({ maxBytes: 1 })).batch!;

    expect(byOption.records.map((r) => r.value)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
    expect(byCall.records.map((r) => r.value)).toEqual([{ i: 4 }, { i: 5 }]);
    expect(byBytes.records.map((r) => r.value)).toEqual([{ i: 6 }]);
    expect(byBytes.bytes).toBe(8);
  });

  it('stops at a passed deadline after at least one record', async () => {
    fx.write('many.jsonl', lines(5000, (i) => String(i)));
    const { reader } = makeReader();
    reader.addSplits([splitFor(fx.path('many.jsonl'))]);

    const { batch } = await reader.poll({ deadline: Date.now() - 1 });

    expect(batch!.records.length).toBeGreaterThan(0);
    expect(batch!.records.length).toBeLessThan(5000);
    expect(batch!.finished).toBe(false);
  });

  it('returns an empty finished batch when the last batch ended exactly at the end', async () => {
    const { reader } = makeReader();
    reader.addSplits([splitFor(fx.path('b.csv'))]);

    const full = (await reader.poll({ maxRecords: 2 })).batch!;
    const last = (await reader.poll({ maxRecords: 2 })).batch!;

    expect(full.records).toHaveLength(2);
    expect(full.finished).toBe(false);
    expect(last).toMatchObject({ records: [], badRecords: [], finished: true, bytes: 0 });
  });

  it('keeps the file open across polls', async () => {
    const path = fx.write('big.jsonl', lines(100_000, (i) => `{"i":${i}}`));
    const { reader } = makeReader();
    reader.addSplits([splitFor(path)]);
    const first = (await reader.poll({ maxRecords: 10 })).batch!;

    unlinkSync(path); // an open file stays readable; a reopened one would be gone
    let count = first.records.length;
    for (;;) {
      const { batch } = await reader.poll();
      count += batch!.records.length;
      if (batch!.finished) break;
    }

    expect(count).toBe(100_000);
  });

  it('snapshots its splits at the position of the last batch', async () => {
    const { reader } = makeReader();
    reader.addSplits([splitFor(fx.path('a.jsonl')), splitFor(fx.path('b.csv'))]);

    const { batch } = await reader.poll({ maxRecords: 3 });

    expect(reader.snapshotState()).toEqual([batch!.split, splitFor(fx.path('b.csv'))]);
    expect(reader.snapshotState()[0].position).toMatchObject({ offset: 24, line: 4, records: 3 });
  });

  it('fails a split whose file is missing with its context, then goes on with the next', async () => {
    const { reader } = makeReader();
    reader.addSplits([splitFor(fx.path('gone.csv')), splitFor(fx.path('b.csv'))]);

    const failure = await reader.poll().catch((error: unknown) => error);
    const next = await reader.poll();

    expect(failure).toBeInstanceOf(SplitFailedError);
    expect((failure as SplitFailedError).context).toMatchObject({ splitId: 'gone.csv', file: fx.path('gone.csv'), code: 'ENOENT' });
    expect(next.batch!.splitId).toBe('b.csv');
  });

  it('fails a split whose path cannot be read as a file', async () => {
    fx.write('dir.csv/inner.txt', 'x');
    const { reader } = makeReader();
    reader.addSplits([splitFor(fx.path('dir.csv'))]);

    await expect(reader.poll()).rejects.toThrow(SplitFailedError);
  });
});
