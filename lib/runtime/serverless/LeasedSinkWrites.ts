import type { Lease } from '../../coordination/SplitStore';
import type { SinkWriter } from '../../sinks/Sink';
import type { BadRecord, SourceRecord } from '../../source-support/SourceRecord';

/** The sink states committed with a split: the flow's sink and the dead-letter sink. */
export interface SplitSinkState {
  readonly out?: unknown;
  readonly dlq?: unknown;
}

type OpenWriter = () => Promise<SinkWriter<unknown>>;

/**
 * The flow's sink and the dead-letter sink as one split's lease holder uses them. The writers
 * are opened with `leasesExpire`, so a write only stages the batch under the lease token;
 * `publish` makes a committed state visible (after this holder's commit, or for the state the
 * previous holder committed but may not have published: `recover`). The abort signal ends
 * with the lease: past it, nothing written could be committed. The dead-letter writer is
 * opened only once the split has bad records.
 */
export class LeasedSinkWrites {
  readonly signal: AbortSignal;

  constructor(private readonly out: OpenWriter, private readonly dlq: OpenWriter, private readonly lease: Lease) {
    this.signal = AbortSignal.timeout(Math.max(1, lease.expiresAt - Date.now()));
  }

  /** Publishes what the split's last holder committed (idempotent): needed before anything is written after it. */
  async recover(state: SplitSinkState): Promise<void> {
    await this.publish(state);
  }

  async write(records: SourceRecord<unknown>[], bad: BadRecord[], previous: SplitSinkState): Promise<SplitSinkState> {
    const call = { splitId: this.lease.splitId, leaseToken: this.lease.token, signal: this.signal };
    const out = await (await this.out()).write({ ...call, records, sinkState: previous.out });
    try {
      const dlq = bad.length > 0 ? await (await this.dlq()).write({ ...call, records: bad.map((b) => ({ id: b.id, value: b })), sinkState: previous.dlq }) : previous.dlq;
      return { out, dlq };
    } catch (e) {
      await this.discard({ out, dlq: previous.dlq }, previous).catch(() => undefined); // never committed: do not leave it staged
      throw e;
    }
  }

  /** Whether committing `state` leaves something for `publish` to make visible. */
  async staged(state: SplitSinkState): Promise<boolean> {
    return (await this.out()).publish !== undefined || (state.dlq !== undefined && (await this.dlq()).publish !== undefined);
  }

  async publish(state: SplitSinkState): Promise<void> {
    const call = { leaseToken: this.lease.token, signal: this.signal };
    await (await this.out()).publish?.(this.lease.splitId, state.out, call);
    if (state.dlq !== undefined) await (await this.dlq()).publish?.(this.lease.splitId, state.dlq, call);
  }

  /** The commit of `state` was refused: drop its staged batches (best effort; they are never published). */
  async discard(state: SplitSinkState, previous: SplitSinkState): Promise<void> {
    if (state.out !== previous.out) await (await this.out()).discard?.(this.lease.splitId, state.out);
    if (state.dlq !== previous.dlq) await (await this.dlq()).discard?.(this.lease.splitId, state.dlq);
  }
}
