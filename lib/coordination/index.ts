export { SplitStatus } from './SplitStore';
export type { SplitStore, SplitRow, Lease, SplitCommit, ClaimResult } from './SplitStore';
export { LocalSplitStore } from './LocalSplitStore';
export type { SplitQueue, SplitMessage, FailedSplitMessage } from './SplitQueue';
export type { ServerlessSplitStore, SplitCounts, EnumeratorRow } from './ServerlessSplitStore';
// Message bodies need no SDK; the DynamoDB store and SQS queue are in './aws' (keeps the SDK out of embedded bundles).
export { parseSplitMessage, parseFailedSplitMessage, parseDeadLetterMessage, formatSplitMessage, formatFailedSplitMessage } from './SplitMessageCodec';
export type { DeadLetterMessage } from './SplitMessageCodec';
