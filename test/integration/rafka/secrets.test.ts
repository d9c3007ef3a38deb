import Redis from 'ioredis';
import { logger } from '../../../lib/runtime/serverless/observability';
import { wrapRedisError } from '../../../lib/redis';
import { runAdf } from '../../helpers/adfCli';
import { tempDir } from '../../helpers/tmp';
import { useRedisServer } from '../../helpers/useRedisServer';

const redis = useRedisServer();
const PASSWORD = 'wrong-Secret-4711';

/** What `fn` writes to stdout and stderr (Powertools writes its JSON lines there). */
async function captured(fn: () => void | Promise<void>): Promise<string> {
  const out: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) => jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true)));
  try {
    await fn();
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
  return out.join('');
}

describe('a failed Redis AUTH (ACL user, wrong password)', () => {
  beforeAll(async () => {
    await redis.client.call('ACL', 'SETUSER', 'app', 'on', '>right-password', '~*', '+@all');
  });

  it('is logged by the Lambda logger without the password, with the error and its command', async () => {
    const url = new URL(redis.url);
    // ioredis reports the failed AUTH as an 'error' event carrying the command, arguments and all.
    const client = new Redis({ host: url.hostname, port: Number(url.port), username: 'app', password: PASSWORD, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const error = await new Promise<Error>((resolve) => client.once('error', resolve));
    client.disconnect();
    expect(String(error)).toMatch(/WRONGPASS/);
    expect(JSON.stringify((error as { command?: unknown }).command ?? {})).toContain(PASSWORD); // what ioredis hands us

    logger.setLogLevel('ERROR'); // tests run the Lambda logger SILENT (test/setupEnv.ts)
    const lines = await captured(() => {
      logger.error('batch failed', { error: wrapRedisError(error, 'read of orders:0'), url: `redis://app:${PASSWORD}@${url.host}` });
    });
    expect(lines).toContain('WRONGPASS');
    expect(lines).toContain(`redis://app:***@${url.host}`);
    expect(lines).not.toContain(PASSWORD);
    logger.setLogLevel('SILENT');
  });

  it('is one line from adf run that names the server but not the password', () => {
    const url = new URL(redis.url);
    const state = tempDir();
    const r = runAdf(['run', '--source', 'rafka', '--redis-url', `redis://app:${PASSWORD}@${url.host}`, '--topic', 't', '--until', 'latest', '--sink', 'null', '--state-dir', state.dir, '--quiet']);
    state.cleanup();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/WRONGPASS|NOAUTH/);
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
  });
});
