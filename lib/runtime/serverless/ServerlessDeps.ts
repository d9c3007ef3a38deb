import type { ServerlessSplitStore } from '../../coordination/ServerlessSplitStore';
import type { SplitQueue } from '../../coordination/SplitQueue';
import type { Flow } from '../../flow/Flow';
import type { SinkWriter } from '../../sinks/Sink';
import type { ServerlessConfig } from './ServerlessConfig';

/** What the three functions work with; built once per container (see containerDeps.ts). */
export interface ServerlessDeps {
  readonly flow: Flow;
  readonly store: ServerlessSplitStore;
  readonly queue: SplitQueue;
  readonly config: ServerlessConfig;
  /** The flow's sink and the dead-letter sink, opened once per container. */
  readonly sink: () => Promise<SinkWriter<unknown>>;
  readonly deadLetter: () => Promise<SinkWriter<unknown>>;
}
