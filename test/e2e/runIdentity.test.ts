import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonlDir, runAdf } from '../helpers/adfCli';
import { tempDir } from '../helpers/tmp';

/**
 * A run's identity is what it reads and where it writes: progress made reading one input is
 * never taken for progress on another that merely has files of the same names, and an output
 * directory is never silently shared, doubled or read back as input.
 */
describe('adf run: run identity, --fresh and own directories', () => {
  let tmp: ReturnType<typeof tempDir>;
  let cwd: string;
  beforeEach(() => {
    tmp = tempDir();
    cwd = join(tmp.dir, 'work');
    mkdirSync(cwd);
    for (const [day, rows] of [['dayX', ['1,a', '2,b']], ['dayY', ['3,c', '4,d', '5,e']]] as const) {
      mkdirSync(join(cwd, day));
      writeFileSync(join(cwd, day, 'data.csv'), ['id,v', ...rows].join('\n') + '\n');
    }
  });
  afterEach(() => tmp.cleanup());

  const run = (...args: string[]) => runAdf(['run', '--source', 'file', '--sink', 'jsonl', '--quiet', ...args], { cwd });
  const values = (dir: string) => readJsonlDir(join(cwd, dir)).map((r) => (r.value as { id: string }).id).sort();

  it('keeps separate default state for --path dayX and --path dayY (same file names)', () => {
    expect(run('--path', 'dayX', '--out', 'outX').code).toBe(0);
    const second = run('--path', 'dayY', '--out', 'outY');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ status: 'completed', records: 3 });
    expect(values('outY')).toEqual(['3', '4', '5']);
    expect(readdirSync(join(cwd, '.adf'))).toHaveLength(2);
  });

  it('keeps separate default state for one --path into a new --out', () => {
    expect(run('--path', 'dayX', '--out', 'out1').code).toBe(0);
    const second = run('--path', 'dayX', '--out', 'out2');
    expect(JSON.parse(second.stdout)).toMatchObject({ records: 2 });
    expect(values('out2')).toEqual(['1', '2']);
  });

  it('refuses, in one line with exit 2, a --state-dir made by a run reading another --path', () => {
    expect(run('--path', 'dayX', '--out', 'outX', '--state-dir', 'st').code).toBe(0);
    const second = run('--path', 'dayY', '--out', 'outY', '--state-dir', 'st');
    expect(second.code).toBe(2);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toContain('belongs to another run');
    expect(second.stderr).toContain(join(cwd, 'dayY'));
    // --fresh is the documented way out
    expect(JSON.parse(run('--path', 'dayY', '--out', 'outY', '--state-dir', 'st', '--fresh').stdout)).toMatchObject({ records: 3 });
  });

  it('refuses a second input into an --out another run owns (part files would collide)', () => {
    expect(run('--path', 'dayX', '--out', 'out').code).toBe(0);
    const second = run('--path', 'dayY', '--out', 'out');
    expect(second.code).toBe(2);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toContain('holds the output of another run');
    expect(values('out')).toEqual(['1', '2']);
    // --fresh does not take it over either, and a refused --fresh run keeps its state
    expect(run('--path', 'dayY', '--out', 'outY', '--state-dir', 'st').code).toBe(0);
    const fresh = run('--path', 'dayY', '--out', 'out', '--state-dir', 'st', '--fresh');
    expect(fresh.code).toBe(2);
    expect(fresh.stderr).toContain('holds the output of another run');
    expect(readdirSync(join(cwd, 'st', 'splits'))).toHaveLength(1);
  });

  it('refuses a state resumed with another --split-size (new split ids would read everything again)', () => {
    expect(run('--path', 'dayY', '--out', 'out', '--state-dir', 'st').code).toBe(0);
    const second = run('--path', 'dayY', '--out', 'out', '--state-dir', 'st', '--split-size', '8');
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('split size');
    expect(values('out')).toEqual(['3', '4', '5']);
  });

  it('--fresh with another --split-size starts the output over: every record once', () => {
    expect(run('--path', 'dayY', '--out', 'out').code).toBe(0);
    const again = run('--path', 'dayY', '--out', 'out', '--fresh', '--split-size', '8');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ records: 3 });
    expect(values('out')).toEqual(['3', '4', '5']);
  });

  it('--fresh refuses, in one line, an --out holding part files it did not write', () => {
    mkdirSync(join(cwd, 'out'));
    writeFileSync(join(cwd, 'out', 'part-data.csv.jsonl'), '{"id":"x","value":{"id":"9"}}\n');
    const r = run('--path', 'dayY', '--out', 'out', '--fresh');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('did not write');
    expect(values('out')).toEqual(['9']);
  });

  it.each([
    ['--out', ['--out', 'dayX/out']],
    ['--state-dir', ['--out', 'out', '--state-dir', 'dayX/state']],
    ['--dead-letter', ['--out', 'out', '--dead-letter', 'dayX/bad']],
  ])('refuses %s inside --path with exit 2 (the next run would ingest it)', (flag, args) => {
    const r = run('--path', 'dayX', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${flag} ${join(cwd, 'dayX')}`);
    expect(r.stderr).toContain('inside the input');
  });

  it('allows its own directories beside the input and hidden ones inside it', () => {
    const r = run('--path', '.', '--include', '*.csv', '--out', '../out');
    expect(r.code).toBe(0); // the default state .adf/... is hidden: never listed
    expect(JSON.parse(r.stdout)).toMatchObject({ records: 5 });
  });
});
