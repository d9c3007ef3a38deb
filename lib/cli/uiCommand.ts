import { ConfigError } from '../errors';
import { UI_HELP } from './help';
import { parseCommandArgs } from './parseCommandArgs';
import { startUiServer } from './ui/UiServer';

const OPTIONS = {
  'state-dir': { type: 'string' },
  flow: { type: 'string' },
  table: { type: 'string' },
  'queue-url': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'redis-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `adf ui`: serves the split page until Ctrl-C; prints its URL on stdout. */
export async function uiCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs('ui', { args, options: OPTIONS, allowPositionals: true });
  if (v.help) {
    process.stdout.write(UI_HELP);
    return 0;
  }
  const flow = v.flow ?? positionals[0];
  if ((v['state-dir'] === undefined) === (flow === undefined)) throw new ConfigError('adf ui needs --state-dir DIR (embedded) or --flow NAME (the split table)', { context: { field: 'state-dir' } });
  const port = Number(v.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be a port number 0-65535 (got "${v.port}")`, { context: { field: 'port' } });
  const server = await startUiServer({ stateDir: v['state-dir'], flow, table: v.table, queueUrl: v['queue-url'], port, host: v.host ?? '127.0.0.1', redisUrl: v['redis-url'] ?? process.env.ADF_REDIS_URL });
  process.stdout.write(`${server.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
