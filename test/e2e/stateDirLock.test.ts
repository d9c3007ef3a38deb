import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startAdf } from '../helpers/adfCli';
import { tempDir } from '../helpers/tmp';

const CHILD = resolve(__dirname, '..', 'helpers', 'stateDirLockChild.ts');

function exitOf(child: ReturnType<typeof spawn>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((done) => child.on('exit', (code) => done({ code, stdout, stderr })));
}

describe('one run per embedded state directory', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('refuses the second of two `adf run`s on one state directory with one line naming the directory and the holder (exit 2)', async () => {
    const data = join(tmp.dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'a.csv'), ['id,v', ...Array.from({ length: 200_000 }, (_, i) => `${i},value ${i}`)].join('\n') + '\n');
    const state = join(tmp.dir, 'state');
    const args = (out: string) => ['run', '--source', 'file', '--path', data, '--sink', 'jsonl', '--out', join(tmp.dir, out), '--state-dir', state, '--batch-size', '100', '--quiet'];
    const first = startAdf(args('out-1'));
    const firstExit = exitOf(first);
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(state, 'lock')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));

    const second = await exitOf(startAdf(args('out-2')));

    expect(second.code).toBe(2);
    expect(second.stdout).toBe('');
    expect(second.stderr.trim().split('\n')).toEqual([`adf: state directory ${state} is in use by process ${first.pid}; stop it or pass another --state-dir`]);
    const done = await firstExit;
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ status: 'completed', records: 200_000 });
    expect(existsSync(join(state, 'lock'))).toBe(false);
  });

  it('refuses `adf run --fresh` on a state directory a live run holds, wiping neither its state nor its output', async () => {
    const data = join(tmp.dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'a.csv'), ['id,v', ...Array.from({ length: 200_000 }, (_, i) => `${i},value ${i}`)].join('\n') + '\n');
    const state = join(tmp.dir, 'state');
    const args = ['run', '--source', 'file', '--path', data, '--sink', 'jsonl', '--out', join(tmp.dir, 'out'), '--state-dir', state, '--batch-size', '100', '--quiet'];
    const first = startAdf(args);
    const firstExit = exitOf(first);
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(state, 'run.json')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));

    const fresh = await exitOf(startAdf([...args, '--fresh']));

    expect(fresh.code).toBe(2);
    expect(fresh.stderr).toContain(`state directory ${state} is in use by process ${first.pid}`);
    const done = await firstExit;
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ status: 'completed', records: 200_000 });
    const lines = readdirSync(join(tmp.dir, 'out')).filter((f) => f.endsWith('.jsonl')).flatMap((f) => readFileSync(join(tmp.dir, 'out', f), 'utf8').split('\n').filter(Boolean));
    expect(lines).toHaveLength(200_000);
  });

  it('lets exactly one of many processes racing for a directory hold it at any time, while some die holding it', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(join(tmp.dir, 'lock'), `${dead}\nstale\n`);
    const startAt = Date.now() + 3_000; // the first children are all up by then, and start at once
    const stopAt = startAt + 6_000;
    // Each process dies holding the lock after a few holds; a new one takes its place.
    const runChild = async (): Promise<{ code: number | null; stdout: string; stderr: string }[]> => {
      const dieAfter = 1 + Math.floor(Math.random() * 40);
      const r = await exitOf(spawn(process.execPath, ['--import', 'tsx', CHILD, tmp.dir, String(startAt), String(stopAt), String(dieAfter)], { stdio: ['ignore', 'pipe', 'pipe'] }));
      return Date.now() < stopAt - 1_000 ? [r, ...(await runChild())] : [r];
    };
    const results = (await Promise.all(Array.from({ length: 5 }, runChild))).flat();

    for (const r of results) expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(results.length).toBeGreaterThan(5); // some died holding the lock, and others took it over
    expect(results.reduce((sum, r) => sum + Number(r.stdout.trim()), 0)).toBeGreaterThan(results.length);
    expect(existsSync(join(tmp.dir, 'violations')) ? readFileSync(join(tmp.dir, 'violations'), 'utf8') : '').toBe('');
  });
});
