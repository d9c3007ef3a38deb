import { toJsonLines } from './jsonLines';
import type { Sink, SinkBatch, SinkWriter } from './Sink';

/**
 * One JSON line per record on stdout. A terminal cannot take lines back, so after a crash
 * the last uncommitted batch may appear again (at-least-once); the ids tell repeats apart.
 */
export class StdoutSink implements Sink {
  readonly type = 'stdout';
  async open(): Promise<SinkWriter<unknown>> {
    return {
      write: async (batch: SinkBatch<unknown>) => {
        const text = toJsonLines(batch.records);
        if (text) await new Promise<void>((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
        return undefined;
      },
      close: async () => undefined,
    };
  }
}

export function stdoutSink(): StdoutSink {
  return new StdoutSink();
}
