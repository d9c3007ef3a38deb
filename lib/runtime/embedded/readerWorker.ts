import { parentPort, workerData } from 'node:worker_threads';
import { loadFlow } from '../../flow/loadFlow';
import type { CoordinatorMessage, Port, ReaderMessage } from './messages';
import { ReaderLoop } from './ReaderLoop';
import type { ReaderWorkerData } from './WorkerReaderHost';
import { quietNodeVersionWarning } from '../../util/nodeVersion';

// A worker thread's environment is a copy taken at its start: an embedder (or a test runner's
// sandbox) that set the variable on its own copy did not set it here.
quietNodeVersionWarning();

const data = workerData as ReaderWorkerData;
const port: Port<CoordinatorMessage, ReaderMessage> = {
  send: (m) => parentPort!.postMessage(m),
  onMessage: (h) => parentPort!.on('message', h),
};

void (async () => {
  try {
    const flow = await loadFlow(data.flowRef);
    await new ReaderLoop(flow, port, data.options).run();
    // Let pending messages ('done') drain, then leave; an open handle must not keep the thread alive.
    setImmediate(() => process.exit(0));
  } catch (e) {
    const error = e as Error;
    port.send({ type: 'fatal', error: error.message, stack: error.stack });
    setImmediate(() => process.exit(1));
  }
})();
