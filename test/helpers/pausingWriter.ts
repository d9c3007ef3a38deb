import type { SinkWriter } from '../../lib/sinks/Sink';

export type PausePoint = 'write' | 'publish';

export interface PausingWriter {
  readonly writer: SinkWriter<unknown>;
  /** Pause a later call at `at` (a write only when it has records), after letting `skip` such calls through. */
  arm(at: PausePoint, skip?: number): void;
  /** Resolves once an armed call has stopped. */
  readonly reached: Promise<void>;
  resume(): void;
}

/**
 * Fault injection: a writer that stalls inside a sink call the way a frozen Lambda or a GC
 * pause does, then carries on as if nothing happened (it does not look at the clock again).
 */
export function pausingWriter(inner: SinkWriter<unknown>): PausingWriter {
  let armed: PausePoint | undefined;
  let toSkip = 0;
  let reachedResolve!: () => void;
  const reached = new Promise<void>((r) => (reachedResolve = r));
  let resumeResolve!: () => void;
  const resumed = new Promise<void>((r) => (resumeResolve = r));
  const stall = async (point: PausePoint) => {
    if (armed !== point) return false;
    if (toSkip-- > 0) return false;
    armed = undefined;
    reachedResolve();
    await resumed;
    return true;
  };
  const writer: SinkWriter<unknown> = {
    write: async (batch) => {
      // Frozen after the writer looked at its abort signal: it carries on as if the lease were live.
      if (batch.records.length > 0 && (await stall('write'))) return inner.write({ ...batch, signal: undefined });
      return inner.write(batch);
    },
    close: () => inner.close(),
  };
  if (inner.publish) {
    writer.publish = async (splitId, state, call) => {
      if (await stall('publish')) return inner.publish!(splitId, state, { leaseToken: call.leaseToken });
      return inner.publish!(splitId, state, call);
    };
  }
  if (inner.discard) writer.discard = (splitId, state) => inner.discard!(splitId, state);
  return { writer, arm: (at, skip = 0) => {
      armed = at;
      toSkip = skip;
    }, reached, resume: () => resumeResolve() };
}
