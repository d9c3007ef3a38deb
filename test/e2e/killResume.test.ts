import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { committedRecords, readJsonlDir, runAdf, startAdf } from '../helpers/adfCli';
import { tempDir } from '../helpers/tmp';

/**
 * The embedded runtime's promise: a run killed at any moment (SIGKILL, no chance to clean up)
 * resumes where it stopped, and the sink ends up holding exactly the records of a run that
 * was never interrupted.
 */
const ROWS_PER_FILE = 60_000;

function makeData(dir: string): number {
  mkdirSync(dir, { recursive: true });
  const csv = (f: number) => ['id,name,amount,note', ...Array.from({ length: ROWS_PER_FILE }, (_, i) => `${f}-${i},name ${i},${(i * 7) % 1000},"line one\nline ""two"""`)].join('\n') + '\n';
  writeFileSync(join(dir, 'a.csv'), csv(1));
  writeFileSync(join(dir, 'b.csv'), csv(2));
  writeFileSync(join(dir, 'c.csv.gz'), gzipSync(csv(3)));
  writeFileSync(join(dir, 'd.jsonl'), Array.from({ length: ROWS_PER_FILE }, (_, i) => JSON.stringify({ id: `4-${i}`, amount: i })).join('\n') + '\n');
  return 4 * ROWS_PER_FILE;
}

const runArgs = (data: string, out: string, state: string) => ['run', '--source', 'file', '--path', data, '--sink', 'jsonl', '--out', out, '--state-dir', state, '--parallelism', '2', '--batch-size', '500', '--quiet'];

function sortedLines(dir: string): string[] {
  return readJsonlDir(dir).map((r) => JSON.stringify(r)).sort();
}

async function killWhenCommitted(args: string[], stateDir: string, atLeast: number, signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string }> {
  const child = startAdf(args);
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (committedRecords(stateDir) < atLeast && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
  child.kill(signal);
  return { code: await exited, stdout };
}

describe('adf run killed mid-way', () => {
  let tmp: ReturnType<typeof tempDir>;
  let data: string;
  let expected: string[];
  let total: number;

  beforeAll(() => {
    tmp = tempDir();
    data = join(tmp.dir, 'data');
    total = makeData(data);
    const clean = runAdf(runArgs(data, join(tmp.dir, 'out-clean'), join(tmp.dir, 'state-clean')));
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ status: 'completed', records: total, splits: { total: 4, finished: 4 } });
    expected = sortedLines(join(tmp.dir, 'out-clean'));
  });
  afterAll(() => tmp.cleanup());

  it('produced every input record exactly once when uninterrupted', () => {
    expect(expected).toHaveLength(total);
    expect(new Set(readJsonlDir(join(tmp.dir, 'out-clean')).map((r) => r.id)).size).toBe(total);
  });

  it('resumes after SIGKILL (twice) with exactly the records of an uninterrupted run', async () => {
    const out = join(tmp.dir, 'out-killed');
    const state = join(tmp.dir, 'state-killed');
    const first = await killWhenCommitted(runArgs(data, out, state), state, total / 4, 'SIGKILL');
    expect(first.code).toBeNull(); // killed, not finished
    expect(JSON.parse(readFileSync(join(state, 'enumerator.json'), 'utf8'))).toMatchObject({ cursor: expect.any(String) }); // saved with the commits, not only at exit
    const second = await killWhenCommitted(runArgs(data, out, state), state, (total * 3) / 4, 'SIGKILL');
    expect(second.code).toBeNull();
    expect(committedRecords(state)).toBeLessThan(total);

    const resumed = runAdf(runArgs(data, out, state));
    expect(resumed.code).toBe(0);
    expect(resumed.stderr + resumed.stdout).not.toContain('Error');
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'completed', splits: { finished: 4 } });
    expect(sortedLines(out)).toEqual(expected);
  });

  it('stops gracefully on SIGINT (exit 130) and resumes to the same result', async () => {
    const out = join(tmp.dir, 'out-int');
    const state = join(tmp.dir, 'state-int');
    const interrupted = await killWhenCommitted(runArgs(data, out, state), state, total / 3, 'SIGINT');
    expect(interrupted.code).toBe(130);
    expect(JSON.parse(interrupted.stdout)).toMatchObject({ status: 'interrupted' });

    const resumed = runAdf(runArgs(data, out, state));
    expect(resumed.code).toBe(0);
    expect(sortedLines(out)).toEqual(expected);
  });

  it('has nothing left to do when run again after completing', () => {
    const again = runAdf(runArgs(data, join(tmp.dir, 'out-clean'), join(tmp.dir, 'state-clean')));
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'completed', records: 0, splits: { total: 4, finished: 4 } });
    expect(sortedLines(join(tmp.dir, 'out-clean'))).toEqual(expected);
  });
});
