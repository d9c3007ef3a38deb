import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runAdf } from '../helpers/adfCli';
import { tempDir } from '../helpers/tmp';

/** A loopback port nothing listens on (bound once, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('mistakes a user can fix are one line before any reader starts (adf run)', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
    mkdirSync(join(tmp.dir, 'data'));
    writeFileSync(join(tmp.dir, 'data', 'a.csv'), 'id\n1\n2\n');
    writeFileSync(join(tmp.dir, 'a-file'), 'not a directory');
  });
  afterEach(() => tmp.cleanup());
  const base = () => ['run', '--source', 'file', '--path', join(tmp.dir, 'data'), '--quiet'];

  it.each([
    ['--out', 'output directory (--out)'],
    ['--dead-letter', 'dead-letter directory (--dead-letter)'],
    ['--state-dir', 'state directory (--state-dir)'],
  ])('%s naming a file (or a path below one): exit 2, one line naming the flag', (flag, what) => {
    const extra = flag === '--out' ? [] : ['--out', join(tmp.dir, 'out')];
    const state = flag === '--state-dir' ? [] : ['--state-dir', join(tmp.dir, 'state')];
    const r = runAdf([...base(), '--sink', 'jsonl', ...extra, ...state, flag, join(tmp.dir, 'a-file', 'below')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`adf: ${what} ${join(tmp.dir, 'a-file', 'below')} is not a writable directory: it (or a parent) is a file, not a directory`]);
    expect(r.stdout).toBe('');
  });

  const asRoot = process.getuid?.() === 0;
  (asRoot ? it.skip : it)('a read-only --out: exit 2, permission denied', () => {
    mkdirSync(join(tmp.dir, 'ro'));
    chmodSync(join(tmp.dir, 'ro'), 0o500);
    const r = runAdf([...base(), '--sink', 'jsonl', '--out', join(tmp.dir, 'ro'), '--state-dir', join(tmp.dir, 'state')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a writable directory: permission denied');
  });

  it('an unreachable Redis is named with host:port and the socket error', async () => {
    const port = await closedPort();
    const r = runAdf(['run', '--source', 'rafka', '--redis-url', `redis://127.0.0.1:${port}`, '--topic', 't', '--sink', 'null', '--state-dir', join(tmp.dir, 'state'), '--quiet']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`cannot reach Redis at 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(r.stderr).not.toContain('max retries per request');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
