import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runAdf } from '../helpers/adfCli';
import { tempDir } from '../helpers/tmp';

/** The rough edges a new user met (issue 12 item 3): each one a line, the right stream and exit code. */
describe('adf usage', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('--version prints the package version on stdout', () => {
    const r = runAdf(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('no command: usage on stderr, nothing on stdout, exit 2; --help: stdout, exit 0', () => {
    const bare = runAdf([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage:');
    const help = runAdf(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage:');
  });

  it('an unknown flag is one line naming it, with the flag meant', () => {
    const r = runAdf(['run', '--source', 'file', '--pth', tmp.dir]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['adf: unknown flag --pth (did you mean --path?) (see adf run --help)']);
  });

  it('run --help lists every sink the registry knows', () => {
    const r = runAdf(['run', '--source', 'file', '--path', tmp.dir, '--sink', 'nosuch']);
    const known = /--sink must be one of: (.+) \(got/.exec(r.stderr)![1]!.split(', ');
    expect(known).toContain('s3');
    const help = runAdf(['run', '--help']).stdout;
    const sinkLine = help.split('\n').find((line) => line.trimStart().startsWith('--sink'))!;
    for (const sink of known) expect(sinkLine).toContain(sink);
  });

  it('--sink stdout: only records on stdout (one JSON object a line), the summary on stderr', () => {
    mkdirSync(join(tmp.dir, 'data'));
    writeFileSync(join(tmp.dir, 'data', 'a.csv'), 'id\n1\n2\n3\n');
    const r = runAdf(['run', '--source', 'file', '--path', join(tmp.dir, 'data'), '--sink', 'stdout', '--state-dir', join(tmp.dir, 's'), '--quiet']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { value: unknown });
    expect(lines.map((l) => l.value)).toEqual(expect.arrayContaining([{ id: '1' }, { id: '2' }, { id: '3' }]));
    expect(lines).toHaveLength(3);
    expect(r.stderr).toContain('"status": "completed"');
  });

  it('--out without --sink writes JSONL there instead of printing the records', () => {
    mkdirSync(join(tmp.dir, 'data'));
    writeFileSync(join(tmp.dir, 'data', 'a.csv'), 'id\n1\n');
    const r = runAdf(['run', '--source', 'file', '--path', join(tmp.dir, 'data'), '--out', join(tmp.dir, 'out'), '--state-dir', join(tmp.dir, 's'), '--quiet']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ records: 1 });
    expect(readFileSync(join(tmp.dir, 'out', readdirSync(join(tmp.dir, 'out')).find((f) => f.endsWith('.jsonl'))!), 'utf8')).toContain('"id":"1"');
  });

  it.each([
    ['a syntax error', 'broken.flow.ts', 'export default {\n  name: "x",,\n};\n', ':2:13: Expected identifier but found ","'], // esbuild compiles flow files (lib/flow/compileFlowModule.ts)
    ['a throw at the top level', 'throws.flow.ts', 'const a = 1;\nthrow new Error("no config");\nexport default a;\n', ':2:7: Error: no config'],
    ['a missing import', 'imports.flow.ts', 'import { x } from "./nowhere";\nexport default x;\n', ':1:19: Could not resolve "./nowhere"'],
  ])('a flow file with %s: one line with file:line:col, exit 2; the stack with --verbose', (_what, name, text, expected) => {
    const file = join(tmp.dir, name);
    writeFileSync(file, text);
    const r = runAdf(['run', file, '--state-dir', join(tmp.dir, 's')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`adf: ${file}${expected}`);
    const verbose = runAdf(['run', file, '--state-dir', join(tmp.dir, 's'), '--verbose']);
    expect(verbose.stderr.trim().split('\n').length).toBeGreaterThan(1);
  });

  it('counts the records the transform dropped, in the summary and the progress line; a file source shows its share done', () => {
    mkdirSync(join(tmp.dir, 'data'));
    writeFileSync(join(tmp.dir, 'data', 'a.csv'), 'id\n1\n2\n3\n4\n');
    const lib = resolve(__dirname, '..', '..', 'lib');
    const flow = join(tmp.dir, 'odd.flow.ts');
    writeFileSync(flow, `import { defineFlow, fileSource, nullSink } from ${JSON.stringify(lib)};
export default defineFlow({ name: 'odd', source: fileSource({ path: ${JSON.stringify(join(tmp.dir, 'data'))} }), sink: nullSink(), transform: (v: { id: string }) => (Number(v.id) % 2 ? v : null) });
`);
    const r = runAdf(['run', flow, '--state-dir', join(tmp.dir, 's')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ records: 2, badRecords: 0, droppedRecords: 2 });
    expect(r.stderr).toMatch(/\[odd\] splits 1\/1 · 100% · 2 records · .* · 2 dropped by the transform/);
  });
});
