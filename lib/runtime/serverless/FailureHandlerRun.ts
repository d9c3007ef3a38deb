import { SplitStatus } from '../../coordination/SplitStore';
import { effectiveMaxAttempts } from '../../source-support/Source';
import { resendUnreportedFailures, sendFailureAlert } from './FailureAlert';
import { runAfterFinish } from './AfterFinishRun';
import { emitLagMetrics } from './LagMetrics';
import { logger, metrics, MetricUnit } from './observability';
import type { ServerlessDeps } from './ServerlessDeps';

export interface FailureHandlerResult {
  readonly reclaimed: number;
  readonly failed: number;
  readonly resent: number;
  /** Pending after-finish actions done, and tried again without success. */
  readonly afterFinishDone: number;
  readonly afterFinishFailed: number;
}

const PAGE = 500;

/**
 * Recovers work that no message will bring back:
 * - an ASSIGNED split whose lease expired (the reader timed out or crashed) goes back to PENDING
 *   with a new token and one more attempt, and gets a message; at maxAttempts it is FAILED and
 *   its last error goes to the DLQ;
 * - a FAILED split whose DLQ alert was never sent (the send failed) gets it now;
 * - a PENDING split untouched for `orphanAfterMs` lost its message (a crash between commit and
 *   continuation, a failed send): it gets a new one. Its token guards against a second chain.
 *   One re-send per token while the queue holds messages: a split waiting behind a backlog
 *   is not sent again on every run;
 * - a FINISHED split whose after-finish action is still pending gets it tried again.
 */
export async function runFailureHandler(deps: ServerlessDeps, now = Date.now()): Promise<FailureHandlerResult> {
  const { store, queue, config, flow } = deps;
  let reclaimed = 0;
  let failed = 0;
  let resent = 0;
  // Read before this run sends anything: its own messages must not hold back its re-sends.
  const backlog = await queueHoldsMessages(deps);
  for await (const row of store.listExpiredLeases(now, PAGE)) {
    const back = await store.reclaimExpired(row, now, effectiveMaxAttempts(config.maxAttempts, flow.source));
    if (!back) continue;
    if (back.status === SplitStatus.FAILED) {
      failed++;
      await sendFailureAlert(deps, back, back.lastError ?? 'lease expired');
    } else {
      reclaimed++;
      await queue.enqueue([{ flow: flow.name, splitId: back.splitId, token: back.leaseToken }]);
    }
  }
  for await (const row of store.listStalePending(now - config.orphanAfterMs, PAGE)) {
    // Re-sent once for this token already and the queue still holds messages: that message is
    // most likely still waiting behind a backlog. Sending another each pass would multiply the
    // backlog; look again after orphanAfterMs (and re-send once the queue has emptied).
    const resend = row.resentToken !== row.leaseToken || !backlog;
    if (!(await store.touchPending(row, resend)) || !resend) continue;
    resent++;
    await queue.enqueue([{ flow: flow.name, splitId: row.splitId, token: row.leaseToken }]);
  }
  // Alerts that a reader or an earlier run failed to send (the row stays FAILED and unreported).
  const realerted = await resendUnreportedFailures(deps, now, PAGE);
  const afterFinish = await retryAfterFinish(deps, now);
  metrics.addMetric('leasesReclaimed', MetricUnit.Count, reclaimed);
  metrics.addMetric('splitsFailed', MetricUnit.Count, failed);
  metrics.addMetric('messagesResent', MetricUnit.Count, resent);
  metrics.addMetric('alertsResent', MetricUnit.Count, realerted);
  await emitLagMetrics(store, Date.now());
  if (reclaimed + failed + resent + realerted > 0) logger.info('failure handler recovered splits', { reclaimed, failed, resent, realerted });
  return { reclaimed, failed, resent, ...afterFinish };
}

/**
 * FINISHED splits whose after-finish action is still pending (it failed, the reader died
 * before it, or the file's other splits were not FINISHED yet), untouched for orphanAfterMs:
 * tried again. Each try moves the row to the back of the index, so a lasting failure (e.g. no
 * s3:DeleteObject) is tried once per orphanAfterMs, reported each time, and the row never
 * expires while its file is still in place.
 */
async function retryAfterFinish(deps: ServerlessDeps, now: number): Promise<{ afterFinishDone: number; afterFinishFailed: number }> {
  let afterFinishDone = 0;
  let afterFinishFailed = 0;
  for await (const row of deps.store.listAfterFinishPending(now - deps.config.orphanAfterMs, PAGE)) {
    const outcome = await runAfterFinish(deps, row.split, true);
    if (outcome === 'done') afterFinishDone++;
    if (outcome === 'failed') afterFinishFailed++;
  }
  if (afterFinishDone + afterFinishFailed > 0) logger.info('failure handler retried after-finish actions', { afterFinishDone, afterFinishFailed });
  return { afterFinishDone, afterFinishFailed };
}

/** Whether the split queue holds any message (approximate). Unknown counts as empty: re-send rather than strand a split. */
async function queueHoldsMessages(deps: ServerlessDeps): Promise<boolean> {
  if (!deps.queue.messagesOnQueue) return false;
  try {
    return (await deps.queue.messagesOnQueue()) > 0;
  } catch (error) {
    logger.warn('could not read the split queue depth; stale PENDING splits are re-sent', { error: error as Error });
    return false;
  }
}
