import { InputStatus, type BatchLimits } from '../../lib/source-support/RecordBatch';
import type { AnySource } from '../../lib/source-support/Source';
import type { SourceReader } from '../../lib/source-support/SourceReader';
import type { BadRecord, SourceRecord } from '../../lib/source-support/SourceRecord';
import { deserializeSplit, serializeSplit, type SerializedSplit, type SourceSplit } from '../../lib/source-support/SourceSplit';
import type { SplitEnumeratorContext } from '../../lib/source-support/SplitEnumerator';

/**
 * The source contract kit: jest tests that drive any Source through its SPI alone, with a
 * small in-memory runtime, and check that checkpoints lose and duplicate nothing.
 *
 * @example
 * describeSourceContract('file source', async () => {
 *   const fx = makeFixtureDir({ 'a.csv': 'id\n1\n2\n' });
 *   return { source: fileSource({ path: fx.root }), cleanup: fx.cleanup };
 * });
 */

export interface SourceFixture {
  readonly source: AnySource;
  cleanup(): void | Promise<void>;
}

export interface ContractOptions {
  /** Per-poll limits; small, so a run has many batches and many stop points. Default { maxRecords: 3 }. */
  readonly limits?: Partial<BatchLimits>;
  /** How long readers may all wait for `isAvailable()` before the run is declared stuck. */
  readonly stallMs?: number;
}

/** What an in-memory run committed: per split its serialized checkpoint and whether it is finished. */
export interface Checkpoint {
  readonly enumerator: unknown;
  readonly splits: Readonly<Record<string, { readonly split: SerializedSplit; readonly finished: boolean }>>;
}

export interface CommittedBatch {
  readonly readerId: number;
  readonly splitId: string;
  readonly records: SourceRecord[];
  readonly badRecords: BadRecord[];
  readonly finished: boolean;
}

export interface RunOptions {
  readonly readers: number;
  /** Poll reader 0 first in each round ('forward') or the last reader first ('reverse'). */
  readonly order?: 'forward' | 'reverse';
  /** Stop (as if the process died) right after this many batches were committed. */
  readonly stopAfterBatches?: number;
  /** Resume from the checkpoint of an earlier run. */
  readonly from?: Checkpoint;
  readonly limits?: Partial<BatchLimits>;
  readonly stallMs?: number;
}

export interface RunResult {
  readonly batches: CommittedBatch[];
  readonly checkpoint: Checkpoint;
  /** True when every reader reached END_OF_INPUT. */
  readonly completed: boolean;
}

/** JSON through and back: what a checkpoint store would keep. */
const viaJson = <T>(value: T): T => (value === undefined ? value : JSON.parse(JSON.stringify(value)));

/**
 * Runs `source` in memory: one enumerator, `readers` readers polled round-robin, each batch
 * committed (its split serialized into the checkpoint) before the next poll.
 */
export async function runSource(source: AnySource, options: RunOptions): Promise<RunResult> {
  const splits: Record<string, { split: SerializedSplit; finished: boolean }> = viaJson({ ...options.from?.splits });
  const readers: SourceReader<unknown, SourceSplit>[] = [];
  const requests: Promise<void>[] = [];
  const ids = Array.from({ length: options.readers }, (_, i) => i);
  // An error the enumerator reports ends the run, as a runtime would end it.
  const errors: Error[] = [];
  let failRun: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (failRun = reject));
  failed.catch(() => undefined);
  const ctx: SplitEnumeratorContext<SourceSplit> = {
    assignSplit: (split, readerId) => readers[readerId].addSplits([split]),
    signalNoMoreSplits: (readerId) => readers[readerId].notifyNoMoreSplits(),
    // Dedupes by split id, like a split store: a split is registered (and assigned) once.
    async registerSplits(found) {
      const fresh = found.filter((split) => !(split.splitId in splits));
      for (const split of fresh) splits[split.splitId] = { split: viaJson(serializeSplit(source.splitSerializer, split)), finished: false };
      return fresh;
    },
    currentParallelism: () => options.readers,
    registeredReaders: () => [...ids],
    reportError: (error) => {
      errors.push(error);
      failRun(error);
    },
  };
  const enumerator = source.createEnumerator(ctx, viaJson(options.from?.enumerator));
  for (const id of ids) {
    readers.push(source.createReader({ readerId: id, sendSplitRequest: () => void requests.push(enumerator.handleSplitRequest(id)) }));
    await readers[id].start();
    enumerator.addReader(id);
  }
  // Splits registered before the stop and not finished go back at their committed positions.
  const unfinished = Object.values(splits).filter((s) => !s.finished);
  if (unfinished.length > 0) enumerator.addSplitsBack(unfinished.map((s) => deserializeSplit(source.splitSerializer, s.split)), 0);
  await enumerator.start();

  const batches: CommittedBatch[] = [];
  const ended = new Set<number>();
  const finish = async (completed: boolean): Promise<RunResult> => {
    const checkpoint: Checkpoint = { enumerator: viaJson(enumerator.snapshotState()), splits: viaJson(splits) };
    await Promise.all(readers.map((r) => r.close()));
    await enumerator.close();
    if (errors.length > 0) throw errors[0];
    return { batches, checkpoint, completed };
  };
  if (options.stopAfterBatches === 0) return finish(false);
  const order = options.order === 'reverse' ? [...ids].reverse() : ids;
  while (ended.size < readers.length) {
    let progressed = false;
    for (const id of order) {
      if (ended.has(id)) continue;
      const { status, batch } = await readers[id].poll(options.limits);
      await Promise.all(requests.splice(0));
      if (status === InputStatus.END_OF_INPUT) {
        ended.add(id);
        progressed = true;
      }
      if (!batch) continue;
      progressed = true;
      splits[batch.splitId] = { split: viaJson(serializeSplit(source.splitSerializer, batch.split)), finished: batch.finished };
      batches.push({ readerId: id, splitId: batch.splitId, records: batch.records, badRecords: batch.badRecords, finished: batch.finished });
      await readers[id].notifyBatchCommitted(batch);
      if (batches.length === options.stopAfterBatches) return finish(false);
    }
    if (errors.length > 0) return finish(false);
    if (!progressed) await anyAvailable(readers.filter((_, id) => !ended.has(id)), options.stallMs ?? 5_000, failed).catch((error: Error) => (errors.length > 0 ? undefined : Promise.reject(error)));
  }
  return finish(true);
}

async function anyAvailable(readers: SourceReader<unknown, SourceSplit>[], stallMs: number, failed: Promise<never>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reader became available within ${stallMs} ms`)), stallMs);
  });
  try {
    await Promise.race([...readers.map((r) => r.isAvailable()), stalled, failed]);
  } finally {
    clearTimeout(timer);
  }
}

/** Records of `batches` keyed by id; throws on a duplicate id, naming it. */
export function recordsById(batches: readonly CommittedBatch[], kind: 'records' | 'badRecords' = 'records'): Map<string, unknown> {
  const byId = new Map<string, unknown>();
  for (const batch of batches) {
    for (const record of batch[kind]) {
      if (byId.has(record.id)) throw new Error(`duplicate ${kind === 'records' ? 'record' : 'bad record'} id ${record.id}`);
      byId.set(record.id, 'value' in record ? record.value : record);
    }
  }
  return byId;
}

const sorted = (byId: Map<string, unknown>) => [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Registers the contract tests for the source that `makeSource` builds. */
export function describeSourceContract(name: string, makeSource: () => Promise<SourceFixture>, contract: ContractOptions = {}): void {
  const limits = contract.limits ?? { maxRecords: 3 };
  const run = (source: AnySource, options: Omit<RunOptions, 'limits' | 'stallMs'>) => runSource(source, { limits, stallMs: contract.stallMs, ...options });

  describe(`source contract: ${name}`, () => {
    let fixture: SourceFixture;
    let reference: RunResult;
    beforeAll(async () => {
      fixture = await makeSource();
      reference = await run(fixture.source, { readers: 1 });
    });
    afterAll(async () => {
      await fixture?.cleanup();
    });

    it('reads every split to the end in an uninterrupted run with one reader', () => {
      expect(reference.completed).toBe(true);
      expect(reference.batches.length).toBeGreaterThan(1);
      expect(recordsById(reference.batches).size).toBeGreaterThan(0);
      expect(Object.values(reference.checkpoint.splits).every((s) => s.finished)).toBe(true);
    });

    it('loses and duplicates nothing when stopped after any committed batch and resumed from the checkpoint', async () => {
      const expected = sorted(recordsById(reference.batches));
      const expectedBad = sorted(recordsById(reference.batches, 'badRecords'));
      for (let k = 0; k <= reference.batches.length; k++) {
        const first = await run(fixture.source, { readers: 1, stopAfterBatches: k });
        const second = await run(fixture.source, { readers: 1, from: first.checkpoint });

        const union = [...first.batches, ...second.batches];
        const context = `stopped after ${k} of ${reference.batches.length} batches`;
        expect({ context, completed: second.completed }).toEqual({ context, completed: true });
        expect({ context, records: sorted(recordsById(union)) }).toEqual({ context, records: expected });
        expect({ context, bad: sorted(recordsById(union, 'badRecords')) }).toEqual({ context, bad: expectedBad });
      }
    });

    it.each(['forward', 'reverse'] as const)('reads the same records with two readers polled in %s order', async (order) => {
      const result = await run(fixture.source, { readers: 2, order });

      expect(result.completed).toBe(true);
      expect(sorted(recordsById(result.batches))).toEqual(sorted(recordsById(reference.batches)));
      expect(sorted(recordsById(result.batches, 'badRecords'))).toEqual(sorted(recordsById(reference.batches, 'badRecords')));
      if (Object.keys(reference.checkpoint.splits).length > 1) expect(new Set(result.batches.map((b) => b.readerId)).size).toBe(2);
    });
  });
}
