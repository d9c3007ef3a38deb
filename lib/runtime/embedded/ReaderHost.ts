import type { CoordinatorMessage, ReaderMessage } from './messages';

/** Where a reader loop runs (a worker thread, or this thread); the coordinator talks to it only through messages. */
export interface ReaderHost {
  readonly readerId: number;
  send(message: CoordinatorMessage): void;
  onMessage(handler: (message: ReaderMessage) => void): void;
  /** Called once when the reader ends: without an error after `done`, with one if it crashed. */
  onExit(handler: (error?: Error) => void): void;
  /** Asks the reader to stop after its current batch. */
  terminate(): Promise<void>;
  /** Stops it now, mid-batch (the run failed; uncommitted work is redone on resume). */
  kill(): Promise<void>;
}
