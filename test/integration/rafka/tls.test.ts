import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { readFileSync } from 'node:fs';
import { freePort } from '../../../lib/aws/local/freePort';
import { runAdf } from '../../helpers/adfCli';
import { tempDir } from '../../helpers/tmp';

/**
 * `rediss://` with an ACL user, end to end: a redis-server of our own with TLS only (a
 * self-signed certificate made with openssl), and `adf run` trusting it through
 * NODE_EXTRA_CA_CERTS, as a deployment trusts its CA.
 */
describe('rafka over TLS with an ACL user (rediss://user:password@host)', () => {
  const dir = tempDir('adf-tls-');
  let port = 0;
  let client: Redis;

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir.dir, 'key.pem'), '-out', join(dir.dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    port = await freePort();
    execFileSync('redis-server', ['--port', '0', '--tls-port', String(port), '--tls-cert-file', join(dir.dir, 'cert.pem'), '--tls-key-file', join(dir.dir, 'key.pem'), '--tls-ca-cert-file', join(dir.dir, 'cert.pem'), '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--pidfile', join(dir.dir, 'redis.pid'), '--logfile', join(dir.dir, 'redis.log')]);
    client = new Redis({ host: 'localhost', port, tls: { ca: readFileSync(join(dir.dir, 'cert.pem')) }, lazyConnect: true, maxRetriesPerRequest: 20, retryStrategy: (n) => (n > 50 ? null : 100) });
    await client.connect();
    await client.call('ACL', 'SETUSER', 'app', 'on', '>Tls-Secret-99', '~*', '+@all');
    for (let p = 0; p < 2; p++) for (let i = 0; i < 25; i++) await client.xadd(`tls:${p}`, '*', 'n', String(i));
  });

  afterAll(async () => {
    await client?.shutdown('NOSAVE').catch(() => undefined);
    client?.disconnect();
    spawnSync('sleep', ['0.2']);
    dir.cleanup();
  });

  it('reads every entry once, and logs no password', () => {
    const state = join(dir.dir, 'state');
    const r = runAdf(['run', '--source', 'rafka', '--redis-url', `rediss://app:Tls-Secret-99@localhost:${port}`, '--topic', 'tls', '--until', 'latest', '--sink', 'jsonl', '--out', join(dir.dir, 'out'), '--state-dir', state, '--quiet'], {
      env: { NODE_EXTRA_CA_CERTS: join(dir.dir, 'cert.pem') },
    });
    expect(r.stderr).not.toContain('Tls-Secret-99');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'completed', records: 50, splits: { total: 2, finished: 2 } });
  });

});
