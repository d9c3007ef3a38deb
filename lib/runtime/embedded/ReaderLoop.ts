import type { Flow } from '../../flow/Flow';
import { JsonlFileSink } from '../../sinks/JsonlFileSink';
import { VALUE_LINE } from '../../sinks/jsonLines';
import type { SinkWriter } from '../../sinks/Sink';
import { InputStatus } from '../../source-support/RecordBatch';
import type { BatchLimits, RecordBatch } from '../../source-support/RecordBatch';
import type { SourceReader } from '../../source-support/SourceReader';
import type { BadRecord } from '../../source-support/SourceRecord';
import { deserializeSplit, serializeSplit } from '../../source-support/SourceSplit';
import type { SourceSplit } from '../../source-support/SourceSplit';
import { ErrorBudgetExceededError } from '../../errors';
import { applyTransform } from '../applyTransform';
import { ErrorBudget } from '../ErrorBudget';
import { PollAhead } from '../PollAhead';
import type { CoordinatorMessage, Port, ReaderMessage } from './messages';

export interface ReaderLoopOptions {
  readonly readerId: number;
  readonly deadLetterDir: string;
  readonly limits?: Partial<BatchLimits>;
}

interface HeldSplit {
  leaseToken: number;
  sinkState: { out?: unknown; dlq?: unknown };
}

/**
 * One reader's life, the same on a worker thread or in-process: poll a bounded batch →
 * transform → write to the sink (and bad records to the dead-letter sink) → have the
 * coordinator commit the split checkpoint with the sinks' states → tell the reader it is
 * committed. A crash between write and commit is undone on resume by the sink states.
 */
export class ReaderLoop {
  private readonly held = new Map<string, HeldSplit>();
  private readonly acks = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextRequestId = 0;
  /** Undefined while a reader is (re)starting: assignments arriving then are parked for it. */
  private reader: SourceReader<unknown, SourceSplit> | undefined;
  private readonly parked = { splits: [] as SourceSplit[], noMoreSplits: false };
  private stopping = false;
  private wake: () => void = () => undefined;
  private readonly budget: ErrorBudget;
  /** The next batch, polled while the current one was committed (pollsDuringCommit readers). */
  private readonly ahead = new PollAhead();

  constructor(private readonly flow: Flow, private readonly port: Port<CoordinatorMessage, ReaderMessage>, private readonly options: ReaderLoopOptions) {
    port.onMessage((m) => this.onMessage(m));
    this.budget = new ErrorBudget(flow.errorBudget);
  }

  async run(): Promise<void> {
    const ctx = { readerId: this.options.readerId };
    const sink = await this.flow.sink.open(ctx);
    const deadLetter = await new JsonlFileSink({ dir: this.options.deadLetterDir, format: VALUE_LINE }).open(ctx);
    await this.installReader();
    try {
      while (!this.stopping) {
        let result;
        try {
          result = await this.ahead.next(() => this.reader!.poll(this.options.limits));
          if (result.batch) await this.process(result.batch, sink, deadLetter);
        } catch (e) {
          await this.ahead.settle(); // its batch is read again from the last commit
          if (e instanceof ErrorBudgetExceededError) {
            // Not the split's fault: retrying it would fail the same way. The coordinator ends the run.
            this.port.send({ type: 'stopRun', error: e.message });
            break;
          }
          await this.giveBackHeldSplits(e as Error);
          continue;
        }
        if (result.status === InputStatus.END_OF_INPUT) break;
        if (result.status === InputStatus.NOTHING_AVAILABLE && !result.batch) await this.idle();
      }
    } finally {
      await this.ahead.settle();
      await this.reader?.close();
      await sink.close();
      await deadLetter.close();
    }
    this.port.send({ type: 'done' });
  }

  private async process(batch: RecordBatch<unknown, SourceSplit>, sink: SinkWriter<unknown>, deadLetter: SinkWriter<unknown>): Promise<void> {
    const held = this.held.get(batch.splitId);
    if (!held) throw new Error(`reader ${this.options.readerId} returned a batch for split ${batch.splitId} it was never assigned`);
    const transformed = await applyTransform(batch.records, this.flow.transform, batch.splitId);
    this.budget.check(batch.records.length, transformed.badRecords);
    const bad: BadRecord[] = [...batch.badRecords, ...transformed.badRecords];
    // Written in place: the process is the lease here (a split passes on only once its reader
    // thread is gone), so no stale writer can resume behind a new holder as on Lambda.
    const call = { splitId: batch.splitId, leaseToken: held.leaseToken };
    const out = await sink.write({ ...call, records: transformed.records, sinkState: held.sinkState.out });
    const dlq = bad.length > 0 ? await deadLetter.write({ ...call, records: bad.map((b) => ({ id: b.id, value: b })), sinkState: held.sinkState.dlq }) : held.sinkState.dlq;
    const sinkState = { out, dlq };
    // The next batch is parsed while this one's commit goes to the coordinator and back, where
    // the reader allows it (the file reader); a Rafka reader reads ahead by itself (readAhead).
    if (!batch.finished) this.ahead.start(this.reader!, this.options.limits);
    const split = serializeSplit(this.flow.source.splitSerializer, batch.split);
    await this.commit({ splitId: batch.splitId, leaseToken: held.leaseToken, bytes: batch.bytes, droppedRecords: transformed.droppedRecords, commit: { split, finished: batch.finished, sinkState, records: transformed.records.length, badRecords: bad.length } });
    held.sinkState = sinkState;
    if (batch.finished) this.held.delete(batch.splitId);
    await this.reader!.notifyBatchCommitted(batch);
  }

  private commit(message: Omit<Extract<ReaderMessage, { type: 'commit' }>, 'type' | 'requestId'>): Promise<void> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.acks.set(requestId, { resolve, reject });
      this.port.send({ type: 'commit', requestId, ...message });
    });
  }

  /** The reader failed: hand its splits back (the coordinator retries them from their last commit) and start a fresh reader. */
  private async giveBackHeldSplits(error: Error): Promise<void> {
    const splitIds = [...this.held.keys()];
    this.held.clear();
    const failed = this.reader;
    this.reader = undefined;
    await failed?.close().catch(() => undefined);
    this.port.send({ type: 'splitError', splitIds, error: error.message, stack: error.stack });
    await this.installReader();
  }

  /**
   * Starts a new source reader. The coordinator may assign splits at any moment (a given-back
   * split can come straight back to this reader while the new one is still starting): those
   * are parked and handed over once it has started, never to the reader that was closed.
   */
  private async installReader(): Promise<void> {
    const reader = this.flow.source.createReader({ readerId: this.options.readerId, sendSplitRequest: () => this.port.send({ type: 'splitRequest' }), readAhead: true });
    await reader.start();
    this.reader = reader;
    if (this.parked.splits.length > 0) reader.addSplits(this.parked.splits.splice(0));
    if (this.parked.noMoreSplits) {
      this.parked.noMoreSplits = false;
      reader.notifyNoMoreSplits();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      void this.reader!.isAvailable().then(resolve, resolve);
    });
  }

  private onMessage(m: CoordinatorMessage): void {
    switch (m.type) {
      case 'assign': {
        const sinkState = (m.sinkState ?? {}) as HeldSplit['sinkState'];
        this.held.set(m.split.splitId, { leaseToken: m.leaseToken, sinkState });
        const split = deserializeSplit(this.flow.source.splitSerializer, m.split);
        if (this.reader) this.reader.addSplits([split]);
        else this.parked.splits.push(split);
        break;
      }
      case 'noMoreSplits':
        if (this.reader) this.reader.notifyNoMoreSplits();
        else this.parked.noMoreSplits = true;
        break;
      case 'commitAck': {
        const ack = this.acks.get(m.requestId);
        this.acks.delete(m.requestId);
        if (m.error) ack?.reject(new Error(m.error));
        else ack?.resolve();
        break;
      }
      case 'stop':
        this.stopping = true;
        this.wake();
        break;
    }
  }
}
