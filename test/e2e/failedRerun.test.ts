import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readJsonlDir, runAdf } from '../helpers/adfCli';
import { tempDir } from '../helpers/tmp';

const LIB = resolve(__dirname, '..', '..', 'lib');
const ROWS = 2000;

describe('a rerun after a sink failure (adf run)', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('retries the FAILED split from its last commit, cuts the torn line back, and never says "nothing new" over a FAILED split', () => {
    mkdirSync(join(tmp.dir, 'data'));
    writeFileSync(join(tmp.dir, 'data', 'rows.csv'), `id,v\n${Array.from({ length: ROWS }, (_, i) => `${i},v${i}`).join('\n')}\n`);
    const out = join(tmp.dir, 'out');
    // While FULL is set, the disk "fills up" after the first batch: half a line lands in the part
    // file, then the write fails the way a full disk does.
    writeFileSync(
      join(tmp.dir, 'disk.flow.ts'),
      `import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineFlow, fileSource, jsonlSink } from ${JSON.stringify(LIB)};
import { safeName } from ${JSON.stringify(join(LIB, 'util', 'safeName'))};
const inner = jsonlSink({ dir: ${JSON.stringify(out)} });
const sink = {
  type: 'jsonl',
  async open(ctx: any) {
    const writer = await inner.open(ctx);
    let batches = 0;
    return {
      async write(batch: any) {
        if (process.env.FULL && batches++ > 0) {
          appendFileSync(join(${JSON.stringify(out)}, 'part-' + safeName(batch.splitId) + '.jsonl'), '{"id":"rows.csv@9999","val');
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        return writer.write(batch);
      },
      close: () => writer.close(),
    };
  },
};
export default defineFlow({ name: 'disk', source: fileSource({ path: ${JSON.stringify(join(tmp.dir, 'data'))} }), sink });
`,
    );
    const args = ['run', join(tmp.dir, 'disk.flow.ts'), '--state-dir', join(tmp.dir, 'state'), '--batch-size', '500', '--parallelism', '1', '--quiet'];

    const full = runAdf(args, { env: { FULL: '1' } });
    expect(full.code).toBe(1);
    expect(JSON.parse(full.stdout)).toMatchObject({ splits: { failed: 1 }, failures: [{ splitId: 'rows.csv', error: expect.stringContaining('ENOSPC') }] });

    const noRetry = runAdf([...args, '--no-retry-failed'], { env: { FULL: '' } });
    expect(noRetry.code).toBe(1);
    expect(noRetry.stderr).not.toContain('nothing new');
    expect(noRetry.stderr).toContain('1 of 1 split(s) FAILED');
    expect(JSON.parse(noRetry.stdout)).toMatchObject({ records: 0, splits: { failed: 1 }, failures: [{ splitId: 'rows.csv' }] });

    const rerun = runAdf(args, { env: { FULL: '' } });
    expect(rerun.stderr).toContain('retrying 1 split(s) that FAILED in an earlier run: rows.csv (ENOSPC');
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ status: 'completed', records: ROWS - 500, splits: { finished: 1, failed: 0 } });
    const ids = readJsonlDir(out).map((l) => (l.value as { id: string }).id); // every line parses: no torn line left
    expect(ids.sort()).toEqual(Array.from({ length: ROWS }, (_, i) => String(i)).sort());
  });

  it('says no splits were found instead of "all 0 split(s) were finished"', () => {
    mkdirSync(join(tmp.dir, 'empty'));
    const r = runAdf(['run', '--source', 'file', '--path', join(tmp.dir, 'empty'), '--sink', 'null', '--state-dir', join(tmp.dir, 's')]);
    expect(r.stderr).toContain('nothing to read: no file under the path matched');
    expect(r.stderr).not.toContain('all 0 split(s)');
  });
});
