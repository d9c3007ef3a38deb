import { SplitStatus } from '../../coordination/SplitStore';
import { effectiveMaxAttempts } from '../../source-support/Source';
import { resendUnreportedFailures, sendFailureAlert } from './FailureAlert';
import { logger, metrics, MetricUnit } from './observability';
import type { ServerlessDeps } from './ServerlessDeps';

export interface FailureHandlerResult {
  readonly reclaimed: number;
  readonly failed: number;
  readonly resent: number;
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
 */
export async function runFailureHandler(deps: ServerlessDeps, now = Date.now()): Promise<FailureHandlerResult> {
  const { store, queue, config, flow } = deps;
  let reclaimed = 0;
  let failed = 0;
  let resent = 0;
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
    if (!(await store.touchPending(row))) continue;
    resent++;
    await queue.enqueue([{ flow: flow.name, splitId: row.splitId, token: row.leaseToken }]);
  }
  // Alerts that a reader or an earlier run failed to send (the row stays FAILED and unreported).
  const realerted = await resendUnreportedFailures(deps, now, PAGE);
  metrics.addMetric('leasesReclaimed', MetricUnit.Count, reclaimed);
  metrics.addMetric('splitsFailed', MetricUnit.Count, failed);
  metrics.addMetric('messagesResent', MetricUnit.Count, resent);
  metrics.addMetric('alertsResent', MetricUnit.Count, realerted);
  if (reclaimed + failed + resent + realerted > 0) logger.info('failure handler recovered splits', { reclaimed, failed, resent, realerted });
  return { reclaimed, failed, resent };
}
