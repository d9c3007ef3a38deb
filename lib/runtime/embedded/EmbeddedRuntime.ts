import { availableParallelism } from 'node:os';
import { ErrorBudgetExceededError } from '../../errors';
import { LocalSplitStore } from '../../coordination/LocalSplitStore';
import { SplitStatus } from '../../coordination/SplitStore';
import type { Lease } from '../../coordination/SplitStore';
import { isFlow } from '../../flow/Flow';
import type { Flow } from '../../flow/Flow';
import type { FlowRef } from '../../flow/FlowRef';
import { loadFlow } from '../../flow/loadFlow';
import { Boundedness } from '../../source-support/Boundedness';
import type { BatchLimits } from '../../source-support/RecordBatch';
import { deserializeSplit, serializeSplit } from '../../source-support/SourceSplit';
import type { SerializedSplit, SourceSplit } from '../../source-support/SourceSplit';
import type { SplitEnumerator } from '../../source-support/SplitEnumerator';
import { refusalOf } from '../../source-support/SplitGuard';
import { effectiveMaxAttempts } from '../../source-support/Source';
import type { RunSummary } from '../RunSummary';
import { embeddedSummary, nothingNewLine } from './embeddedSummary';
import { redactText } from '../../util/redact';
import { EmbeddedEnumeratorContext } from './EmbeddedEnumeratorContext';
import { InProcessReaderHost } from './InProcessReaderHost';
import type { ReaderMessage } from './messages';
import { ProgressReporter } from './ProgressReporter';
import { splitWorkBytes } from './splitWorkBytes';
import type { ReaderHost } from './ReaderHost';
import { WorkerReaderHost } from './WorkerReaderHost';
import { openRunState, retryFailedSplits } from './openRunState';

export interface EmbeddedRunOptions {
  /** Readers; each runs on its own worker thread when the flow is given as a ref. Default: cores. */
  readonly parallelism?: number;
  /**
   * Where split checkpoints live; a rerun with the same directory resumes. Default `.adf/<flow>`
   * (`.adf/<source>-to-<sink>-<hash of input and output>` for an unnamed flag-form flow).
   */
  readonly stateDir?: string;
  /** Forget earlier progress and start over, the output of a sink that owns it (JSONL) too. */
  readonly fresh?: boolean;
  readonly limits?: Partial<BatchLimits>;
  /** Failed attempts before a split is FAILED. */
  readonly maxAttempts?: number;
  /** The flow whose output this run adds to (a dead-letter replay writes into its flow's output). */
  readonly outputOf?: Flow;
  /** Retry splits that FAILED in an earlier run (from their last commit). Default true. */
  readonly retryFailed?: boolean;
  readonly progress?: boolean;
  /** Abort to stop gracefully: readers finish and commit their current batch. */
  readonly signal?: AbortSignal;
  /** Run readers on this thread even for a flow ref (tests, debugging). */
  readonly inProcess?: boolean;
  readonly log?: (line: string) => void;
}

const DEFAULTS = { maxAttempts: 3, maxReaderRestarts: 8 } as const;
/** The process is the lease in the embedded runtime: a reader's lease ends when its thread does. */
const EMBEDDED_LEASE_MS = 365 * 24 * 3600 * 1000;

/**
 * Runs a flow in this process: one enumerator, N readers pulling splits (Flink's pull model),
 * every committed batch checkpointed to the state directory, so an interrupted run resumes.
 *
 * @example
 * const summary = await runEmbedded({ kind: 'module', path: 'examples/orders.flow.ts' }, { parallelism: 2 });
 */
export async function runEmbedded(flowOrRef: Flow | FlowRef, options: EmbeddedRunOptions = {}): Promise<RunSummary> {
  const flow = isFlow(flowOrRef) ? flowOrRef : await loadFlow(flowOrRef);
  const { store, stateDir, deadLetterDir } = await openRunState(flow, flowOrRef, options);
  try {
    return await new EmbeddedRun(flow, flowOrRef, store, stateDir, deadLetterDir, options).run();
  } finally {
    store.close();
  }
}

class EmbeddedRun {
  private readonly hosts = new Map<number, ReaderHost>();
  private readonly leases = new Map<number, Map<string, Lease>>();
  private readonly warnings: string[] = [];
  private warningsLeftOut = 0;
  private readonly pendingActions = new Set<Promise<void>>();
  private savedEnumeratorState: string | undefined;
  private readonly counters = { records: 0, badRecords: 0, droppedRecords: 0, bytes: 0, finished: 0, total: 0, restarts: 0 };
  /** Bytes this run has to read, while every split's size is known (undefined once one is not: no percentage then). */
  private workBytes: number | undefined = 0;
  private enumerator!: SplitEnumerator<SourceSplit, unknown>;
  private readonly log: (line: string) => void;
  private finish!: (error?: Error) => void;

  constructor(private readonly flow: Flow, private readonly ref: Flow | FlowRef, private readonly store: LocalSplitStore, private readonly stateDir: string, private readonly deadLetterDir: string, private readonly options: EmbeddedRunOptions) {
    this.log = options.log ?? ((line) => process.stderr.write(`${redactText(line)}\n`));
  }

  async run(): Promise<RunSummary> {
    const started = Date.now();
    const parallelism = Math.max(1, this.options.parallelism ?? availableParallelism());
    const ctx = new EmbeddedEnumeratorContext(this.store, this.flow.source.splitSerializer, {
      assign: (split, readerId) => this.assign(split, readerId),
      noMoreSplits: (readerId) => this.hosts.get(readerId)?.send({ type: 'noMoreSplits' }),
      readerIds: () => [...this.hosts.keys()],
    }, (e) => this.finish(e), (count, fresh) => {
      this.counters.total += count;
      for (const split of fresh) this.addWork(split.data);
    }, (message) => this.warn(message));
    this.enumerator = this.flow.source.createEnumerator(ctx, await this.store.getEnumeratorState());
    const unfinished = await this.restoreUnfinished();
    if (unfinished.length > 0) this.log(`[${this.flow.name}] resuming ${unfinished.length} unfinished split(s) from ${this.stateDir}`);
    this.enumerator.addSplitsBack(unfinished, -1);

    const bounded = this.flow.source.boundedness === Boundedness.BOUNDED;
    const progress = new ProgressReporter(this.flow.name, () => ({ ...this.counters, splitsFinished: this.counters.finished, splitsTotal: this.counters.total, ...(bounded && this.workBytes ? { totalBytes: this.workBytes } : {}) }), this.options.progress ?? true);
    const done = new Promise<void>((resolve, reject) => (this.finish = (e) => (e ? reject(e) : resolve())));
    const onAbort = () => this.hosts.forEach((h) => void h.terminate());
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.enumerator.start();
      for (let id = 0; id < parallelism; id++) this.startReader(id);
      if (this.options.signal?.aborted) onAbort(); // aborted while starting: the listener never fired for these readers
      progress.start();
      await done;
    } catch (e) {
      // A failed run must not leave reader threads behind: they would keep the process alive.
      await Promise.all([...this.hosts.values()].map((h) => h.kill()));
      throw e;
    } finally {
      this.options.signal?.removeEventListener('abort', onAbort);
      progress.stop();
      await Promise.allSettled([...this.pendingActions]);
      await this.enumerator.close();
      await this.store.putEnumeratorState(this.enumerator.snapshotState());
    }
    const summary = await this.summary(started);
    if (summary.records === 0 && summary.badRecords === 0 && summary.status === 'completed') this.log(`[${this.flow.name}] ${nothingNewLine(summary, this.flow.source.type)}`);
    return summary;
  }

  /** Said at once on stderr and listed in the summary (the first 100; the rest counted). */
  private warn(message: string): void {
    this.log(`[${this.flow.name}] ${message}`);
    if (this.warnings.length < 100) this.warnings.push(message);
    else this.warningsLeftOut++;
  }

  private addWork(data: unknown): void {
    const bytes = splitWorkBytes(data);
    this.workBytes = bytes === undefined || this.workBytes === undefined ? undefined : this.workBytes + bytes;
  }

  private async restoreUnfinished(): Promise<SourceSplit[]> {
    const splits: SourceSplit[] = [];
    if (this.options.retryFailed !== false) await retryFailedSplits(this.store, (line) => this.log(`[${this.flow.name}] ${line}`));
    for await (const row of this.store.list()) {
      this.counters.total++;
      if (row.status === SplitStatus.FINISHED) this.counters.finished++;
      if (row.status === SplitStatus.PENDING || row.status === SplitStatus.ASSIGNED) {
        splits.push(deserializeSplit(this.flow.source.splitSerializer, row.split));
        this.addWork(row.split.data);
      }
    }
    return splits;
  }

  private startReader(readerId: number): void {
    const options = { readerId, deadLetterDir: this.deadLetterDir, limits: this.options.limits };
    const useWorker = !isFlow(this.ref) && !this.options.inProcess;
    const host: ReaderHost = useWorker ? new WorkerReaderHost(this.ref as FlowRef, options) : new InProcessReaderHost(this.flow, options);
    this.hosts.set(readerId, host);
    this.leases.set(readerId, new Map());
    this.enumerator.addReader(readerId);
    host.onMessage((m) => this.onMessage(readerId, m).catch((e) => this.finish(e)));
    host.onExit((error) => this.onExit(readerId, error).catch((e) => this.finish(e)));
    if (host instanceof InProcessReaderHost) host.start();
  }

  private async assign(split: SourceSplit, readerId: number): Promise<boolean> {
    const host = this.hosts.get(readerId);
    if (!host) {
      // The reader died with a split request still open in the enumerator (a reader that keeps one
      // outstanding, like Rafka's). The split goes back for the others; the dead request is not
      // renewed, or every pending split would be handed to the dead reader in turn and dropped.
      // A restarted reader asks again itself.
      this.enumerator.addSplitsBack([split], readerId);
      return false;
    }
    const claimed = await this.store.claim(split.splitId, `reader-${readerId}`, EMBEDDED_LEASE_MS);
    if (!claimed) {
      // Held by a live lease or already done: nothing to read; the reader still wants a split.
      await this.enumerator.handleSplitRequest(readerId);
      return false;
    }
    const refused = await refusalOf(this.flow.source, split);
    if (refused) {
      // A split from the state dir that is not the source's (a tampered or foreign row): poison,
      // FAILED at once with the reason, never handed to a reader.
      this.log(`[${this.flow.name}] ${refused}; split FAILED`);
      await this.store.release(claimed.lease, refused, 1);
      await this.enumerator.handleSplitRequest(readerId);
      return false;
    }
    this.leases.get(readerId)!.set(split.splitId, claimed.lease);
    host.send({ type: 'assign', split: serializeSplit(this.flow.source.splitSerializer, split), leaseToken: claimed.lease.token, sinkState: claimed.row.sinkState });
    return true;
  }

  private async onMessage(readerId: number, m: ReaderMessage): Promise<void> {
    const host = this.hosts.get(readerId)!;
    switch (m.type) {
      case 'splitRequest':
        return this.enumerator.handleSplitRequest(readerId);
      case 'commit': {
        const lease = this.leases.get(readerId)!.get(m.splitId);
        try {
          if (!lease || lease.token !== m.leaseToken) throw new Error(`reader ${readerId} does not hold split ${m.splitId}`);
          await this.store.commit(lease, m.commit);
        } catch (e) {
          host.send({ type: 'commitAck', requestId: m.requestId, error: (e as Error).message });
          return;
        }
        this.counters.records += m.commit.records;
        this.counters.badRecords += m.commit.badRecords;
        this.counters.droppedRecords += m.droppedRecords ?? 0;
        this.counters.bytes += m.bytes;
        host.send({ type: 'commitAck', requestId: m.requestId });
        await this.persistEnumeratorState();
        if (m.commit.finished) {
          this.counters.finished++;
          this.leases.get(readerId)!.delete(m.splitId);
          await this.afterFinished(m.commit.split);
        }
        return;
      }
      case 'splitError':
        this.log(`[${this.flow.name}] reader ${readerId} failed on ${m.splitIds.join(', ') || 'no split'}: ${m.error}`);
        return this.giveBack(readerId, m.splitIds, m.error);
      case 'stopRun':
        return this.finish(new ErrorBudgetExceededError(m.error));
      case 'fatal':
        this.log(`[${this.flow.name}] reader ${readerId} crashed: ${m.stack ?? m.error}`);
        return;
      case 'done':
        return;
    }
  }

  private async onExit(readerId: number, error?: Error): Promise<void> {
    const held = [...this.leases.get(readerId)!.keys()];
    this.hosts.delete(readerId);
    if (error) {
      this.log(`[${this.flow.name}] reader ${readerId} stopped: ${error.message}`);
      await this.giveBack(readerId, held, error.message);
      if (!this.options.signal?.aborted && this.counters.restarts++ < DEFAULTS.maxReaderRestarts) this.startReader(readerId);
    }
    if (this.hosts.size === 0) this.finish();
  }

  /** Saves the enumerator's checkpoint with the split checkpoints; written only when it changed (once per discovery page). */
  private async persistEnumeratorState(): Promise<void> {
    const state = JSON.stringify(this.enumerator.snapshotState());
    if (state === this.savedEnumeratorState) return;
    this.savedEnumeratorState = state;
    await this.store.putEnumeratorState(JSON.parse(state));
  }

  /** The source's after-finish action (e.g. archive the file); a failure is reported, never undoes the commit. */
  private afterFinished(split: SerializedSplit): Promise<void> {
    // Tracked so the run does not end before the last action (the split is FINISHED already,
    // so an action lost at exit would never run again).
    const action = this.runAfterFinished(split).finally(() => this.pendingActions.delete(action));
    this.pendingActions.add(action);
    return action;
  }

  private async runAfterFinished(split: SerializedSplit): Promise<void> {
    const hook = this.flow.source.onSplitFinished;
    if (!hook) return;
    const isFinished = async (splitId: string) => (await this.store.get(splitId))?.status === SplitStatus.FINISHED;
    try {
      await hook.call(this.flow.source, deserializeSplit(this.flow.source.splitSerializer, split), isFinished);
    } catch (e) {
      this.log(`[${this.flow.name}] after-finish action for ${split.splitId} failed: ${(e as Error).message}`);
    }
  }

  /** Returns splits to PENDING (retried from their last commit by any reader) or FAILED past maxAttempts. */
  private async giveBack(readerId: number, splitIds: string[], error: string): Promise<void> {
    for (const splitId of splitIds) {
      const lease = this.leases.get(readerId)?.get(splitId);
      if (!lease) continue;
      this.leases.get(readerId)!.delete(splitId);
      const row = await this.store.release(lease, error, effectiveMaxAttempts(this.options.maxAttempts ?? DEFAULTS.maxAttempts, this.flow.source));
      if (row.status !== SplitStatus.FAILED) this.enumerator.addSplitsBack([deserializeSplit(this.flow.source.splitSerializer, row.split)], readerId);
    }
  }

  private summary(started: number): Promise<RunSummary> {
    const warnings = this.warningsLeftOut > 0 ? [...this.warnings, `… and ${this.warningsLeftOut} more`] : this.warnings;
    return embeddedSummary({ flow: this.flow.name, store: this.store, started, aborted: this.options.signal?.aborted === true, counters: this.counters, deadLetterDir: this.deadLetterDir, stateDir: this.stateDir, warnings });
  }
}

