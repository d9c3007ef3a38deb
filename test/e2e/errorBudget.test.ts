import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readJsonlDir, runAdf } from '../helpers/adfCli';
import { tempDir } from '../helpers/tmp';

const LIB = resolve(__dirname, '..', '..', 'lib');
const ROWS = 3000;

/** A flow file over `data/` into `out/` whose transform is the given expression of `row` (a CSV row). */
function writeFlow(dir: string, name: string, transformBody: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `import { defineFlow, fileSource, jsonlSink } from ${JSON.stringify(LIB)};
export default defineFlow({
  name: 'budget',
  source: fileSource({ path: ${JSON.stringify(join(dir, 'data'))} }),
  transform: (row: { id: string; v: string }) => { ${transformBody} },
  sink: jsonlSink({ dir: ${JSON.stringify(join(dir, 'out'))} }),
});
`,
  );
  return file;
}

describe('error budget and dead-letter replay (adf run, adf replay-dead-letters)', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
    mkdirSync(join(tmp.dir, 'data'));
    const rows = Array.from({ length: ROWS }, (_, i) => `${i},v${i}`).join('\n');
    writeFileSync(join(tmp.dir, 'data', 'rows.csv'), `id,v\n${rows}\n`);
  });
  afterEach(() => tmp.cleanup());
  const run = (...args: string[]) => runAdf([...args, '--state-dir', join(tmp.dir, 'state'), '--batch-size', '500', '--parallelism', '1', '--quiet'], { cwd: tmp.dir });
  const ids = () => readJsonlDir(join(tmp.dir, 'out')).map((l) => (l.value as { id: string }).id).sort();
  const deadLetters = () => {
    const dir = join(tmp.dir, 'state', 'dead-letter');
    return existsSync(dir) ? readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean)) : [];
  };
  const all = Array.from({ length: ROWS }, (_, i) => String(i)).sort();

  it('stops a run whose transform fails on every record at the budget, and the fixed rerun plus a replay deliver every record once', () => {
    const broken = writeFlow(tmp.dir, 'broken.flow.ts', 'return { ...row, n: (row as any).missing.length };');
    const r = run('run', broken);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error budget exceeded: 1000 of 1000 records failed the transform/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(ids()).toEqual([]);
    // The budget is judged after 1,000 records: the first two batches of 500 were dead-lettered
    // and committed, the one that broke the budget was neither.
    expect(deadLetters()).toHaveLength(500);

    const fixed = writeFlow(tmp.dir, 'fixed.flow.ts', 'return { ...row, n: row.v.length };');
    const again = run('run', fixed);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'completed', records: ROWS - 500, badRecords: 0 });
    expect(JSON.parse(run('replay-dead-letters', fixed).stdout)).toMatchObject({ replayed: 500, records: 500 });
    expect(ids()).toEqual(all);
  });

  it('replays the records that failed the transform through the fixed flow, each exactly once', () => {
    // Every 10th record fails: under the budget, so the run completes with them dead-lettered.
    const buggy = writeFlow(tmp.dir, 'buggy.flow.ts', "if (Number(row.id) % 10 === 0) throw new Error('bug ' + row.id); return row;");
    const first = run('run', buggy);
    expect(first.code).toBe(1);
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'completed', records: ROWS * 0.9, badRecords: ROWS / 10 });

    const fixed = writeFlow(tmp.dir, 'fixed.flow.ts', 'return row;');
    const replay = run('replay-dead-letters', fixed);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ status: 'completed', replayed: ROWS / 10, notReplayable: 0, records: ROWS / 10 });
    expect(ids()).toEqual(all);

    const twice = run('replay-dead-letters', fixed);
    expect(twice.code).toBe(0);
    expect(JSON.parse(twice.stdout)).toMatchObject({ replayed: 0, records: 0 });
    expect(ids()).toEqual(all);
  });

  it('a replay through a still-broken transform dead-letters again, and the next replay takes those', () => {
    const buggy = writeFlow(tmp.dir, 'buggy.flow.ts', "if (Number(row.id) % 100 === 0) throw new Error('bug ' + row.id); return row;");
    expect(run('run', buggy).code).toBe(1);
    const stillBuggy = writeFlow(tmp.dir, 'still.flow.ts', "if (Number(row.id) % 200 === 0) throw new Error('still ' + row.id); return row;");
    const partly = run('replay-dead-letters', stillBuggy);
    expect(JSON.parse(partly.stdout)).toMatchObject({ replayed: ROWS / 100, records: ROWS / 200, badRecords: ROWS / 200 });
    const fixed = writeFlow(tmp.dir, 'fixed.flow.ts', 'return row;');
    expect(JSON.parse(run('replay-dead-letters', fixed).stdout)).toMatchObject({ replayed: ROWS / 200, records: ROWS / 200, badRecords: 0 });
    expect(ids()).toEqual(all);
  });

  it('refuses a bad --error-budget in one line', () => {
    const r = runAdf(['run', '--source', 'file', '--path', join(tmp.dir, 'data'), '--sink', 'null', '--error-budget', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--error-budget must be a share between 0 and 1, or off (got "2")');
  });
});
