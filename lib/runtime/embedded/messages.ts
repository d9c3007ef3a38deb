import type { SplitCommit } from '../../coordination/SplitStore';
import type { SerializedSplit } from '../../source-support/SourceSplit';

/** Messages between the coordinator (enumerator + split store) and one reader host. */
export type CoordinatorMessage =
  | { readonly type: 'assign'; readonly split: SerializedSplit; readonly leaseToken: number; readonly sinkState: unknown }
  | { readonly type: 'noMoreSplits' }
  | { readonly type: 'commitAck'; readonly requestId: number; readonly error?: string }
  | { readonly type: 'stop' };

export type ReaderMessage =
  | { readonly type: 'splitRequest' }
  | { readonly type: 'commit'; readonly requestId: number; readonly splitId: string; readonly leaseToken: number; readonly commit: SplitCommit; readonly bytes: number; readonly droppedRecords?: number }
  /** The reader could not go on with these splits; the coordinator retries or fails them. */
  | { readonly type: 'splitError'; readonly splitIds: string[]; readonly error: string; readonly stack?: string }
  /** The run must stop (the error budget is spent); nothing of the failing batch was written. */
  | { readonly type: 'stopRun'; readonly error: string }
  | { readonly type: 'done' }
  | { readonly type: 'fatal'; readonly error: string; readonly stack?: string };

/** Either a worker's MessagePort or an in-process pair; delivery is asynchronous in both. */
export interface Port<In, Out> {
  send(message: Out): void;
  onMessage(handler: (message: In) => void): void;
}
