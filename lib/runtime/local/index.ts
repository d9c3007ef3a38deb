export { LocalEventLoop, LOCAL_EVENT_LOOP_DEFAULTS } from './LocalEventLoop';
export type {
  LocalEventLoopOptions,
  LocalEventLoopStats,
  LocalHandlers,
  LocalFunctionName,
  EnumeratorHandler,
  ReaderHandler,
  FailureHandler,
  InvocationRecord,
  InvocationOutcome,
  SqsLike,
} from './LocalEventLoop';
export { createLambdaContext, LOCAL_ACCOUNT_ID } from './LambdaContextFactory';
export type { LambdaContextOptions } from './LambdaContextFactory';
export { toSqsEvent, scheduledEvent, failedMessageIds, queueArnFromUrl } from './SqsEventFactory';
export { ensureFlowQueues, flowQueueNames } from './LocalFlowQueues';
