import type { Flow } from '../../flow/Flow';
import type { CoordinatorMessage, Port, ReaderMessage } from './messages';
import type { ReaderHost } from './ReaderHost';
import { ReaderLoop } from './ReaderLoop';
import type { ReaderLoopOptions } from './ReaderLoop';

/**
 * Runs a reader loop on this thread. For flows given as objects (their functions cannot
 * cross to a worker) and for tests. Messages are delivered on a later tick, as a port would.
 */
export class InProcessReaderHost implements ReaderHost {
  private toCoordinator: (m: ReaderMessage) => void = () => undefined;
  private toReader: (m: CoordinatorMessage) => void = () => undefined;
  private exitHandler: (error?: Error) => void = () => undefined;
  private readonly loop: ReaderLoop;

  constructor(flow: Flow, private readonly options: ReaderLoopOptions) {
    const port: Port<CoordinatorMessage, ReaderMessage> = {
      send: (m) => setImmediate(() => this.toCoordinator(m)),
      onMessage: (h) => (this.toReader = h),
    };
    this.loop = new ReaderLoop(flow, port, options);
  }

  get readerId(): number {
    return this.options.readerId;
  }

  start(): void {
    this.loop.run().then(
      () => setImmediate(() => this.exitHandler()),
      (e: Error) => setImmediate(() => this.exitHandler(e)),
    );
  }

  send(message: CoordinatorMessage): void {
    setImmediate(() => this.toReader(message));
  }

  onMessage(handler: (message: ReaderMessage) => void): void {
    this.toCoordinator = handler;
  }

  onExit(handler: (error?: Error) => void): void {
    this.exitHandler = handler;
  }

  async terminate(): Promise<void> {
    this.toReader({ type: 'stop' });
  }

  async kill(): Promise<void> {
    this.exitHandler = () => undefined;
    this.toReader({ type: 'stop' });
  }
}
