import type { Sink, SinkWriter } from './Sink';

/** Drops every record: for benchmarks and dry runs. */
export class NullSink implements Sink {
  readonly type = 'null';
  async open(): Promise<SinkWriter<unknown>> {
    return { write: async () => undefined, close: async () => undefined };
  }
}

export function nullSink(): NullSink {
  return new NullSink();
}
