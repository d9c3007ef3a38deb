import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { redactingReplacer } from '../../util/redact';

/**
 * One logger and one metrics object per container, created at module load (outside handlers).
 * Logs are JSON with the request id (added per invocation), flow and split id; metrics are
 * CloudWatch EMF lines on stdout, which Lambda turns into metrics without API calls.
 */
// Every log line passes the one redaction function: URL passwords, secret-named fields and the
// arguments of Redis AUTH (ioredis errors carry them) never reach CloudWatch.
export const logger = new Logger({ serviceName: 'activedataflow', jsonReplacerFn: redactingReplacer });
export const metrics = new Metrics({ namespace: 'ActiveDataFlow', serviceName: 'activedataflow' });
export { MetricUnit };

/** Emits the metrics gathered so far if there are any (EMF refuses an empty flush). */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

let flowDimension: string | undefined;

/**
 * The flow as a default dimension, set once per container: a per-invocation addDimension
 * outlives an invocation that stored no metric (nothing flushed, nothing cleared), and
 * Powertools then warns on every later one that the dimension "has already been added".
 */
export function useFlowDimension(flow: string): void {
  if (flowDimension === flow) return;
  if (flowDimension !== undefined) metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions({ flow });
  flowDimension = flow;
}
