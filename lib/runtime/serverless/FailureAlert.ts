import type { SplitRow } from '../../coordination/SplitStore';
import { logger } from './observability';
import type { ServerlessDeps } from './ServerlessDeps';

/**
 * Sends the dead-letter alert of a FAILED row, then marks it reported. The row turned FAILED
 * first and stays "unreported" (in the status index under FLOW#f#FAILED) until the send
 * succeeded, so a failed send, or a crash in between, is never silent: the failure handler
 * sends it again (resendUnreportedFailures). A crash after the send and before the mark
 * sends it twice: alerts are at least once.
 *
 * @returns whether the alert was sent.
 */
export async function sendFailureAlert(deps: ServerlessDeps, row: SplitRow, error: string): Promise<boolean> {
  try {
    await deps.queue.deadLetter({ flow: deps.flow.name, splitId: row.splitId, token: row.leaseToken, error, attempts: row.attempts });
  } catch (e) {
    logger.error('dead-letter alert not sent; the failure handler sends it again', { splitId: row.splitId, error: e as Error });
    return false;
  }
  try {
    await deps.store.markFailureReported(row);
  } catch (e) {
    logger.warn('alert sent but not marked reported; the failure handler may send it once more', { splitId: row.splitId, error: e as Error });
  }
  return true;
}

/**
 * The failure handler's pass over failures whose alert was not sent: those FAILED (or last
 * tried) more than `orphanAfterMs` ago, so a reader still sending its own alert is not
 * doubled. A claim moves each one forward first, so two overlapping handlers send it once.
 *
 * @returns the number of alerts sent.
 */
export async function resendUnreportedFailures(deps: ServerlessDeps, now: number, limit: number): Promise<number> {
  const before = now - deps.config.orphanAfterMs;
  let sent = 0;
  for await (const row of deps.store.listUnreportedFailures(before, limit)) {
    if (!(await deps.store.claimFailureReport(row, before))) continue;
    if (await sendFailureAlert(deps, row, row.lastError ?? 'failed')) sent++;
  }
  return sent;
}
