import type { Server } from 'node:http';
import { ConfigError } from '../../errors';
import type { LocalServer } from './LocalServer';

/** dynalite ships no typings; this is the part we use. */
type CreateDynalite = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

export interface DynaliteOptions {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
}

/**
 * Starts dynalite (pure-JS DynamoDB, in memory) in this process. Fast to start, but no
 * transactions and no UpdateTimeToLive; DynamoDB Local is the faithful choice.
 */
export async function startDynalite(options: DynaliteOptions = {}): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  const started = Date.now();
  const server = loadDynalite()({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const startupMs = Date.now() - started;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      // SDK clients keep sockets alive; without this close() would wait for them to idle out.
      server.closeAllConnections();
    }));

  return { endpoint: `http://${host}:${port}`, port, startupMs, stop };
}

/** Loaded on demand: a dev dependency, kept out of Lambda bundles. */
function loadDynalite(): CreateDynalite {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('dynalite') as CreateDynalite;
  } catch (error) {
    throw new ConfigError('dynalite is not installed (npm i -D dynalite@4)', { cause: error });
  }
}
