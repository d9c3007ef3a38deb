import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lazySchema } from '../../util/lazySchema';
import { parseSplitMessage } from '../../coordination/SqsSplitQueue';
import { ConfigError } from '../../errors';
import { registerEventSplits, runEnumerator } from './EnumeratorRun';
import type { EnumeratorResult } from './EnumeratorRun';
import { runFailureHandler } from './FailureHandlerRun';
import type { FailureHandlerResult } from './FailureHandlerRun';
import { containerDepsReady } from './containerDeps';
import { flushMetrics, logger, metrics, MetricUnit, useFlowDimension } from './observability';
import type { SplitMessage } from '../../coordination/SplitQueue';
import { processSplitMessage } from './ReaderInvocation';
import type { ServerlessDeps } from './ServerlessDeps';

type DepsProvider = () => ServerlessDeps | Promise<ServerlessDeps>;

/** Schedule, manual invoke (`{"flow":"orders"}`), or anything else that just means "discover now". */
const EnumeratorEvent = lazySchema((z) => z.union([
  z.object({ 'detail-type': z.literal('Scheduled Event') }).passthrough(),
  z.object({ flow: z.string().optional(), options: z.record(z.string(), z.unknown()).optional() }).passthrough(),
]));

export function createEnumeratorHandler(provide: DepsProvider = containerDepsReady) {
  return async (event: unknown, context: Context): Promise<EnumeratorResult> => {
    logger.addContext(context);
    const deps = await provide();
    const parsed = EnumeratorEvent().safeParse(event ?? {});
    const wanted = parsed.success && 'flow' in parsed.data ? parsed.data.flow : undefined;
    if (typeof wanted === 'string' && wanted !== deps.flow.name) {
      throw new ConfigError(`this enumerator runs flow "${deps.flow.name}", not "${wanted}"`, { context: { field: 'flow' } });
    }
    useFlowDimension(deps.flow.name);
    try {
      // An S3 notification names its objects: just those become splits. Anything else discovers.
      const named = await deps.flow.source.splitsForEvent?.(event);
      if (named !== undefined) return await registerEventSplits(deps, named);
      return await runEnumerator(deps, () => context.getRemainingTimeInMillis());
    } finally {
      flushMetrics();
    }
  };
}

export function createReaderHandler(provide: DepsProvider = containerDepsReady) {
  const processor = new BatchProcessor(EventType.SQS);
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    const deps = await provide();
    useFlowDimension(deps.flow.name);
    let handled = 0;
    const handle = async (record: SQSRecord) => {
      const message = await parseOrDeadLetter(deps, record);
      if (!message) return 'malformed';
      const clock = { owner: context.awsRequestId, remainingMs: () => context.getRemainingTimeInMillis(), firstMessage: handled++ === 0 };
      logger.appendKeys({ splitId: message.splitId });
      try {
        return await processSplitMessage(deps, message, clock);
      } finally {
        logger.removeKeys(['splitId']);
      }
    };
    try {
      // Sequential: each message's batch gets the invocation's whole remaining time.
      return await processPartialResponse(event, handle, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
    } finally {
      flushMetrics();
    }
  };
}

export function createFailureHandler(provide: DepsProvider = containerDepsReady) {
  return async (_event: unknown, context: Context): Promise<FailureHandlerResult> => {
    logger.addContext(context);
    const deps = await provide();
    useFlowDimension(deps.flow.name);
    try {
      return await runFailureHandler(deps);
    } finally {
      flushMetrics();
    }
  };
}

/**
 * A body that is no split message can never succeed: retrying it only delays the alert (SQS
 * would deliver it maxReceiveCount times over hours, silently). It goes to the DLQ at once, as
 * it is, with one error log line; the record counts as handled. If that send fails, the record
 * fails and SQS delivers it again.
 */
async function parseOrDeadLetter(deps: ServerlessDeps, record: SQSRecord): Promise<SplitMessage | undefined> {
  try {
    return parseSplitMessage(record.body);
  } catch (error) {
    const reason = (error as Error).message;
    if (!deps.queue.deadLetterUnreadable) throw error;
    await deps.queue.deadLetterUnreadable(record.body, reason);
    logger.error('malformed split message moved to the dead-letter queue', { messageId: record.messageId, reason });
    metrics.addMetric('malformedMessages', MetricUnit.Count, 1);
    return undefined;
  }
}
