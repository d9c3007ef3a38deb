import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../../errors';
import type { LocalServer } from './LocalServer';

/**
 * fauxqs (SQS + S3) runs in a worker thread. It is ESM-only, and a real dynamic `import()`
 * is not available inside jest's module sandbox without --experimental-vm-modules (even via
 * `new Function`); a worker is a plain Node context where `import()` always works, under jest
 * and tsx alike, and it dies with this process, so it can never be orphaned.
 *
 * We call `buildApp` + `listen` rather than `startFauxqs`, which binds 0.0.0.0 whatever `host`
 * says (its `host` option only renames queue-URL hosts).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.entry).then(async ({ buildApp }) => {
  const app = buildApp({ logger: false, defaultRegion: workerData.region });
  await app.listen({ port: workerData.port, host: workerData.host });
  parentPort.on('message', (message) => {
    if (message === 'stop') app.close().finally(() => process.exit(0));
  });
  parentPort.postMessage({ port: app.server.address().port });
}).catch((error) => {
  parentPort.postMessage({ error: String((error && error.stack) || error) });
  process.exit(1);
});
`;

const STOP_TIMEOUT_MS = 5000;

export interface FauxqsOptions {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly region?: string;
}

/** Starts fauxqs on loopback; SQS and S3 share its one endpoint. */
export async function startFauxqs(options: FauxqsOptions = {}): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  const started = Date.now();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { entry: fauxqsEntry(), host, port: options.port ?? 0, region: options.region ?? 'us-east-1' },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (message: { port?: number; error?: string }) =>
      message.port !== undefined ? resolve(message.port) : reject(new Error(`fauxqs did not start: ${message.error}`)),
    );
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`fauxqs worker exited with code ${code} before it was ready`)));
  });
  const startupMs = Date.now() - started;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage('stop');
    }));

  return { endpoint: `http://${host}:${port}`, port, startupMs, stop };
}

/** The package's ESM entry file: its exports have no "require" condition, so require.resolve fails. */
function fauxqsEntry(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', 'fauxqs', 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { main?: string; exports?: { '.'?: { import?: string | { default?: string } } } };
      const entry = pkg.exports?.['.']?.import;
      const file = (typeof entry === 'string' ? entry : entry?.default) ?? pkg.main ?? 'index.js';
      return pathToFileURL(join(dirname(manifest), file)).href;
    }
    if (dirname(dir) === dir) throw new ConfigError('fauxqs is not installed (npm i -D fauxqs@~1.9)');
  }
}
