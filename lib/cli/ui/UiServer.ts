import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AdfError, ConfigError } from '../../errors';
import { redactText } from '../../util/redact';
import { openAdminStore, type AdminStoreOptions } from '../admin/AdminStore';
import { retrySplits } from '../adminCommands';
import { readStateDir } from '../status/readStateDir';
import { withRafkaLag } from '../status/rafkaLag';
import { collectStatus, type StatusReport } from '../statusCommand';

export interface UiServerOptions extends AdminStoreOptions {
  readonly port: number;
  readonly host: string;
  /** A Rafka flow's Redis, for entries behind. */
  readonly redisUrl?: string;
}

export interface UiServer {
  readonly url: string;
  close(): Promise<void>;
}

/** The page: plain HTML, CSS and JS (the chart is inline SVG), so there is nothing to build. */
const PAGE = join(__dirname, 'index.html');

/**
 * `adf ui`'s HTTP server: `/` the page, `GET /api/status` the same report as `adf status --json`,
 * `POST /api/retry` `{ "splitId": … }` the same code as `adf retry --split`. Binds to localhost
 * by default: it can change splits and has no login.
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const page = readFileSync(PAGE);
  const server = createServer((req, res) => {
    handle(req, res, options, page).catch((e: unknown) => send(res, e instanceof AdfError ? (e instanceof ConfigError ? 400 : 409) : 500, { error: redactText((e as Error).message) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: UiServerOptions, page: Buffer): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (req.method === 'GET' && (path === '/' || path === '/index.html')) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page);
    return;
  }
  if (req.method === 'GET' && path === '/api/status') return send(res, 200, await withRafkaLag(await loadStatus(options), options.redisUrl));
  if (req.method === 'POST' && path === '/api/retry') {
    const body = JSON.parse(await readBody(req)) as { splitId?: unknown };
    if (typeof body.splitId !== 'string') throw new ConfigError('POST /api/retry needs {"splitId": "…"}');
    const store = await openAdminStore(options, 'retry');
    try {
      const changed = await retrySplits(store, [body.splitId], true);
      return send(res, 200, { retried: changed.map((r) => r.splitId) });
    } finally {
      await store.close();
    }
  }
  send(res, 404, { error: `no ${req.method} ${path}` });
}

/** The report `adf status --json` prints, from the same store. */
export async function loadStatus(options: AdminStoreOptions): Promise<StatusReport> {
  if (options.stateDir !== undefined) return readStateDir(options.stateDir, options.flow);
  const table = options.table ?? process.env.ADF_SPLIT_TABLE;
  if (!table) throw new ConfigError('adf ui --flow needs the split table: --table NAME or ADF_SPLIT_TABLE', { context: { field: 'table' } });
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { DynamoSplitStore } = require('../../coordination/DynamoSplitStore') as typeof import('../../coordination/DynamoSplitStore');
  const { sharedDocumentClient } = require('../../aws/dynamoDbClient') as typeof import('../../aws/dynamoDbClient');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return collectStatus(new DynamoSplitStore({ client: sharedDocumentClient(), tableName: table, flow: options.flow! }), options.flow!, table);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 65_536) reject(new ConfigError('request body too large'));
    });
    req.on('end', () => resolve(text || '{}'));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
