import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FlowRef } from '../../flow/FlowRef';
import type { CoordinatorMessage, ReaderMessage } from './messages';
import type { ReaderHost } from './ReaderHost';
import type { ReaderLoopOptions } from './ReaderLoop';

export interface ReaderWorkerData {
  readonly entry: string;
  readonly flowRef: FlowRef;
  readonly options: ReaderLoopOptions;
}

/**
 * Runs a reader loop on its own worker thread, so N readers parse on N cores. The worker
 * loads the flow itself from its ref (module path or CLI options).
 */
export class WorkerReaderHost implements ReaderHost {
  private readonly worker: Worker;
  private exited = false;
  private exitHandler: (error?: Error) => void = () => undefined;

  constructor(flowRef: FlowRef, private readonly options: ReaderLoopOptions) {
    // Built (dist/), the entry is JavaScript; run from source (tests, tsx), a plain-JS shim
    // registers the TypeScript loader inside the worker before loading the .ts entry.
    const ext = extname(__filename);
    const workerData: ReaderWorkerData = { entry: join(__dirname, `readerWorker${ext}`), flowRef, options };
    this.worker = new Worker(ext === '.js' ? workerData.entry : join(__dirname, 'workerShim.js'), { workerData });
    this.worker.on('error', (e) => this.exit(e));
    this.worker.on('exit', (code) => this.exit(code === 0 ? undefined : new Error(`reader ${options.readerId} exited with code ${code}`)));
  }

  get readerId(): number {
    return this.options.readerId;
  }

  send(message: CoordinatorMessage): void {
    if (!this.exited) this.worker.postMessage(message);
  }

  onMessage(handler: (message: ReaderMessage) => void): void {
    this.worker.on('message', handler);
  }

  onExit(handler: (error?: Error) => void): void {
    this.exitHandler = handler;
  }

  async terminate(): Promise<void> {
    this.send({ type: 'stop' });
  }

  async kill(): Promise<void> {
    this.exited = true;
    await this.worker.terminate();
  }

  private exit(error?: Error): void {
    if (this.exited) return;
    this.exited = true;
    this.exitHandler(error);
  }
}
