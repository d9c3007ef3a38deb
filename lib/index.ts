/**
 * ActiveDataFlow's public API.
 *
 * @example
 * import { defineFlow, fileSource, jsonlSink, runEmbedded } from 'activedataflow';
 */
export { defineFlow, loadFlow } from './flow';
export type { Flow, FlowRef, FlowOptions, Transform } from './flow';
export { fileSource } from './sources/file';
export { jsonlSink, nullSink, stdoutSink, functionSink } from './sinks';
export type { Sink, SinkWriter, SinkBatch } from './sinks';
export { runEmbedded } from './runtime/embedded';
export type { EmbeddedRunOptions } from './runtime/embedded';
export type { RunSummary } from './runtime/RunSummary';
export { AdfError, ConfigError, RetryableError, PoisonRecordError, SplitFailedError, UntrustedSplitError, FencedOffError, ErrorBudgetExceededError } from './errors';
export { Boundedness, InputStatus } from './source-support';
export type { Source, SourceSplit, SourceReader, SplitEnumerator, SplitEnumeratorContext, SourceReaderContext, RecordBatch, SourceRecord, BadRecord } from './source-support';
