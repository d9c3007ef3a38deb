export type { Sink, SinkBatch, SinkContext, SinkWriter } from './Sink';
export { JsonlFileSink, jsonlSink } from './JsonlFileSink';
export type { JsonlFileSinkOptions } from './JsonlFileSink';
export { NullSink, nullSink } from './NullSink';
export { StdoutSink, stdoutSink } from './StdoutSink';
export { FunctionSink, functionSink } from './FunctionSink';
export type { SinkFunction } from './FunctionSink';
