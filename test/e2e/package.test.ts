/**
 * The package as a user gets it: `npm pack` (which builds dist/ through `prepare`), the tarball
 * installed into an empty project with `--omit=dev` (no tsx, no TypeScript), then the `adf` bin,
 * flow files outside that project importing `activedataflow`, and require/import of the package.
 */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readJsonlDir } from '../helpers/adfCli';
import { tempDir } from '../helpers/tmp';

const ROOT = resolve(__dirname, '..', '..');

function sh(cmd: string, args: string[], options: SpawnSyncOptions & { cwd: string }): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...options });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function ok(r: { code: number | null; stdout: string; stderr: string }, what: string): string {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

describe('the packed tarball, installed with --omit=dev into an empty project', () => {
  let tmp: ReturnType<typeof tempDir>;
  let project: string;
  let flows: string;
  const npx = (args: string[]) => sh('npx', ['--no', '--', ...args], { cwd: project }); // '--': else npx takes --version itself

  beforeAll(() => {
    tmp = tempDir('adf-package-');
    const packed = JSON.parse(ok(sh('npm', ['pack', '--json', '--pack-destination', tmp.dir], { cwd: ROOT }), 'npm pack')) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/adf.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'package.json', 'README.md']));
    expect(files.filter((f) => f.startsWith('lib/') || f.startsWith('test/'))).toEqual([]);

    project = join(tmp.dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    ok(sh('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', join(tmp.dir, packed[0]!.filename)], { cwd: project }), 'npm install');

    // Flow files in a directory of their own, with no node_modules anywhere above it but /tmp's.
    flows = join(tmp.dir, 'flows');
    mkdirSync(join(flows, 'data'), { recursive: true });
    writeFileSync(join(flows, 'data', 'orders.csv'), 'id,qty,price\n1,2,3.5\n2,1,10\n');
  }, 180_000);
  afterAll(() => tmp?.cleanup());

  it('has no dev dependency installed (tsx, typescript)', () => {
    expect(existsSync(join(project, 'node_modules', 'activedataflow', 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(project, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(project, 'node_modules', 'typescript'))).toBe(false);
  });

  it('npx adf --version prints the package version', () => {
    const { version } = require(join(ROOT, 'package.json')) as { version: string }; // eslint-disable-line @typescript-eslint/no-require-imports
    expect(ok(npx(['adf', '--version']), 'adf --version').trim()).toBe(version);
  });

  it('runs a TypeScript flow file from elsewhere that imports activedataflow and a helper beside it', () => {
    writeFileSync(join(flows, 'total.ts'), 'export const total = (qty: string, price: string): number => Number(qty) * Number(price);\n');
    writeFileSync(
      join(flows, 'my.flow.ts'),
      `import { defineFlow, fileSource, jsonlSink } from 'activedataflow';
import { total } from './total';
interface Order { id: string; qty: string; price: string }
export default defineFlow({
  name: 'ts-orders',
  source: fileSource({ path: new URL('./data', import.meta.url).pathname }),
  transform: (o: Order) => ({ ...o, total: total(o.qty, o.price) }),
  sink: jsonlSink({ dir: 'out/ts' }),
});
`,
    );
    ok(npx(['adf', 'run', join(flows, 'my.flow.ts'), '--state-dir', join(tmp.dir, 'state-ts'), '--quiet']), 'adf run my.flow.ts');
    // Relative paths in the flow's options resolve against the working directory (the project).
    expect(readJsonlDir(join(project, 'out', 'ts'))).toEqual([
      { id: 'orders.csv@13', value: { id: '1', qty: '2', price: '3.5', total: 7 } },
      { id: 'orders.csv@21', value: { id: '2', qty: '1', price: '10', total: 10 } },
    ]);
  });

  it('runs an ESM .mjs flow file on two reader threads, importing a subpath entry too', () => {
    writeFileSync(
      join(flows, 'my.flow.mjs'),
      `import { defineFlow, fileSource, jsonlSink } from 'activedataflow';
import { rafkaSource } from 'activedataflow/rafka';
if (typeof rafkaSource !== 'function') throw new Error('no rafkaSource');
export default defineFlow({
  name: 'mjs-orders',
  source: fileSource({ path: new URL('./data', import.meta.url).pathname }),
  sink: jsonlSink({ dir: 'out/mjs' }),
});
`,
    );
    ok(npx(['adf', 'run', join(flows, 'my.flow.mjs'), '--state-dir', join(tmp.dir, 'state-mjs'), '--parallelism', '2', '--quiet']), 'adf run my.flow.mjs');
    expect(readJsonlDir(join(project, 'out', 'mjs')).map((r) => r.id)).toEqual(['orders.csv@13', 'orders.csv@21']);
  });

  it('is usable with require() and with import, main entry and subpaths', () => {
    const cjs = `const adf = require('activedataflow'); const { s3JsonlSink } = require('activedataflow/s3');
console.log(typeof adf.defineFlow, typeof adf.runEmbedded, typeof s3JsonlSink, typeof require('activedataflow/coordination').parseDeadLetterMessage);`;
    expect(ok(sh(process.execPath, ['-e', cjs], { cwd: project }), 'require').trim()).toBe('function function function function');
    const esm = `import { defineFlow, ConfigError } from 'activedataflow'; import { redisStreamSink } from 'activedataflow/redis';
console.log(typeof defineFlow, typeof ConfigError, typeof redisStreamSink);`;
    expect(ok(sh(process.execPath, ['--input-type=module', '-e', esm], { cwd: project }), 'import').trim()).toBe('function function function');
  });
});
