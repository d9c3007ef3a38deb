export type { Sink, SinkBatch, SinkCall, SinkContext, SinkPrepareContext, SinkWriter } from './Sink';
export { JsonlFileSink, jsonlSink } from './JsonlFileSink';
export type { JsonlFileSinkOptions } from './JsonlFileSink';
export { NullSink, nullSink } from './NullSink';
export { StdoutSink, stdoutSink } from './StdoutSink';
export { FunctionSink, functionSink } from './FunctionSink';
export type { SinkFunction } from './FunctionSink';
// Types only: the Redis sink itself is loaded from './redis' so that this entry point never loads ioredis.
export type { RedisStreamSink, RedisStreamSinkOptions } from './RedisStreamSink';
