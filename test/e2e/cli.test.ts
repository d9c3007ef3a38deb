import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonlDir, runAdf } from '../helpers/adfCli';
import { tempDir } from '../helpers/tmp';

describe('adf CLI', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('documents every run flag in --help', () => {
    const r = runAdf(['run', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--source', '--path', '--format', '--sink', '--out', '--parallelism', '--state-dir', '--dead-letter', '--fresh', '--batch-size']) expect(r.stdout).toContain(flag);
  });

  it('names a missing path in one line and exits 2', () => {
    const r = runAdf(['run', '--source', 'file', '--path', join(tmp.dir, 'nope'), '--sink', 'null', '--state-dir', join(tmp.dir, 's')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(join(tmp.dir, 'nope'));
    expect(r.stdout).toBe('');
  });

  it('names a bad option and exits 2', () => {
    const r = runAdf(['run', '--source', 'file', '--path', tmp.dir, '--sink', 'kafka']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--sink must be one of');
  });

  it('dead-letters bad records with file, line and reason, keeps every good one, and exits 1', () => {
    const data = join(tmp.dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'a.csv'), 'id,v\n1,a\n2\n3,c\n');
    writeFileSync(join(data, 'b.jsonl'), '{"id":4}\n{oops\n{"id":6}\n');
    const out = join(tmp.dir, 'out');
    const r = runAdf(['run', '--source', 'file', '--path', data, '--sink', 'jsonl', '--out', out, '--state-dir', join(tmp.dir, 's'), '--quiet']);
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ status: 'completed', records: 4, badRecords: 2 });
    expect(readJsonlDir(out).map((l) => l.value)).toEqual(expect.arrayContaining([{ id: '1', v: 'a' }, { id: '3', v: 'c' }, { id: 4 }, { id: 6 }]));
    const dead = readdirSync(summary.deadLetterDir).flatMap((f) => readFileSync(join(summary.deadLetterDir, f), 'utf8').split('\n').filter(Boolean)).map((l) => JSON.parse(l));
    expect(dead).toEqual(expect.arrayContaining([
      expect.objectContaining({ file: join(data, 'a.csv'), line: 3, offset: 9, reason: 'expected 2 fields, got 1' }),
      expect.objectContaining({ file: join(data, 'b.jsonl'), line: 2, offset: 9, reason: expect.stringContaining('invalid JSON') }),
    ]));
  });
});
