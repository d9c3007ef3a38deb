import type Redis from 'ioredis';
import { closeRedisClients } from '../../lib/redis';
import { startRedis } from './redisServer';
import type { RedisServer } from './redisServer';
import { testClient } from './redisTopic';

/** The suite's Redis: read its fields inside tests and hooks (they exist once `beforeAll` ran). */
export interface RedisFixture {
  readonly url: string;
  /** The test's own client, for producing and checking (not the cached one the code under test uses). */
  readonly client: Redis;
  /** See RedisServer.restart (keeps the data only with `persistent: true`). */
  restart(options?: { downMs?: number }): Promise<void>;
}

/**
 * Registers `beforeAll`/`afterAll` that start a real redis-server on a free port with a test
 * client, and stop both. `afterAll` also closes the cached clients the code under test opened,
 * before the server goes, so no reconnect loop outlives the suite.
 *
 * @example
 * const redis = useRedisServer();
 * it('appends', async () => { await produce(redis.client, 'orders:0', 10); });
 */
export function useRedisServer(options: { persistent?: boolean } = {}): RedisFixture {
  let server: RedisServer | undefined;
  let client: Redis | undefined;

  beforeAll(async () => {
    server = await startRedis(options);
    client = testClient(server.url);
  });

  afterAll(async () => {
    await client?.quit();
    await closeRedisClients();
    await server?.stop();
  });

  const started = (): RedisServer => {
    if (server === undefined) throw new Error('useRedisServer: the server is not started yet (use it inside tests and hooks)');
    return server;
  };
  return {
    get url() {
      return started().url;
    },
    get client() {
      started();
      return client!;
    },
    restart: (restartOptions) => started().restart(restartOptions),
  };
}
