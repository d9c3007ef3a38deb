import { SplitStatus } from '../../coordination/SplitStore';
import type { SerializedSplit } from '../../source-support/SourceSplit';
import { deserializeSplit } from '../../source-support/SourceSplit';
import { logger, metrics, MetricUnit } from './observability';
import type { ServerlessDeps } from './ServerlessDeps';

/** done: acted (or nothing to do); waiting: other splits of the file are not FINISHED yet; failed: the action threw. */
export type AfterFinishOutcome = 'done' | 'waiting' | 'failed';

/**
 * The source's after-finish action (e.g. delete or archive the file) for a split committed
 * FINISHED, never before. Called by the reader right after the commit and, for a row still
 * marked pending (`pending`: a failed or interrupted try), by the failure handler.
 *
 * A pending row gets its TTL only here, once the action is done: a file left in place by a
 * failed action keeps its row, which is what stops discovery from ingesting it again. A
 * failure is recorded on the row and retried by the failure handler; it never undoes the commit.
 */
export async function runAfterFinish(deps: ServerlessDeps, split: SerializedSplit, pending: boolean): Promise<AfterFinishOutcome> {
  const { source } = deps.flow;
  const { splitId } = split;
  let outcome: AfterFinishOutcome;
  let error: Error | undefined;
  try {
    const isFinished = async (id: string) => (await deps.store.get(id))?.status === SplitStatus.FINISHED;
    const done = source.onSplitFinished ? await source.onSplitFinished(deserializeSplit(source.splitSerializer, split), isFinished) : true;
    outcome = done === false ? 'waiting' : 'done';
  } catch (e) {
    error = e as Error;
    outcome = 'failed';
    metrics.addMetric('afterFinishFailed', MetricUnit.Count, 1);
    logger.error(pending ? 'after-finish action failed; the split stays FINISHED and its row is kept, the failure handler tries again' : 'after-finish action failed; the split stays FINISHED', { splitId, error });
  }
  if (!pending) return outcome;
  try {
    if (outcome === 'done') await deps.store.settleAfterFinish(splitId);
    else await deps.store.deferAfterFinish(splitId, error?.message);
  } catch (e) {
    // The row keeps its pending mark (no TTL): the failure handler tries the action again.
    logger.warn('could not record the after-finish outcome on the row; the failure handler tries again', { splitId, outcome, error: e as Error });
  }
  return outcome;
}
