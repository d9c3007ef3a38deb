import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineFlow } from '../../../lib/flow/Flow';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { jsonlSink } from '../../../lib/sinks/JsonlFileSink';
import { FileSource, type FileSourceOptions, type FileSplit } from '../../../lib/sources/file';
import { readJsonlDir } from '../../helpers/adfCli';
import { makeFixtureDir, type FixtureDir } from '../../helpers/files';

async function splitsOf(source: FileSource): Promise<FileSplit[]> {
  const out: FileSplit[] = [];
  for await (const page of source.createDiscoverer().discover(undefined)) out.push(...page.splits);
  return out;
}

const finishedAmong = (ids: string[]) => async (splitId: string) => ids.includes(splitId);

/**
 * The embedded runtime acknowledges a FINISHED commit before it runs the after-finish action,
 * so runEmbedded can resolve while the last action is still under way: wait for it.
 */
async function eventually(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe('afterFinish (local files)', () => {
  let fx: FixtureDir;
  const text = 'id\n' + Array.from({ length: 40 }, (_, i) => `${i}`).join('\n') + '\n';
  beforeEach(() => {
    fx = makeFixtureDir();
    fx.write('in/sub/big.csv', text);
    fx.write('in/small.csv', 'id\n1\n');
  });
  afterEach(() => fx.cleanup());

  const source = (options: Partial<FileSourceOptions>) => new FileSource({ path: fx.path('in'), splitSize: 32, ...options }, () => undefined);

  it('leaves files by default', async () => {
    const s = source({});
    const [split] = await splitsOf(s);

    await s.onSplitFinished(split!, async () => true);

    expect(existsSync(fx.path('in/small.csv'))).toBe(true);
  });

  it('deletes a file only once all of its ranges are finished, and again without error', async () => {
    const s = source({ afterFinish: 'delete' });
    const ranges = (await splitsOf(s)).filter((x) => x.fileId === 'sub/big.csv');
    expect(ranges.length).toBeGreaterThan(2);
    const ids = ranges.map((r) => r.splitId);

    await s.onSplitFinished(ranges[0]!, finishedAmong(ids.slice(0, 1)));
    await s.onSplitFinished(ranges[1]!, finishedAmong(ids.slice(0, -1)));
    expect(existsSync(fx.path('in/sub/big.csv'))).toBe(true);

    // The last two ranges finish at once: both see every sibling finished.
    await Promise.all([s.onSplitFinished(ranges.at(-1)!, finishedAmong(ids)), s.onSplitFinished(ranges.at(-2)!, finishedAmong(ids))]);
    expect(existsSync(fx.path('in/sub/big.csv'))).toBe(false);
    await s.onSplitFinished(ranges.at(-1)!, finishedAmong(ids));
  });

  it('moves a finished file under moveTo, keeping its relative path; a repeat finds it gone and is fine', async () => {
    const s = source({ afterFinish: { moveTo: fx.path('archive') } });
    const ranges = (await splitsOf(s)).filter((x) => x.fileId === 'sub/big.csv');
    const ids = ranges.map((r) => r.splitId);

    await s.onSplitFinished(ranges[0]!, finishedAmong(ids));
    await s.onSplitFinished(ranges[0]!, finishedAmong(ids));

    expect(existsSync(fx.path('in/sub/big.csv'))).toBe(false);
    expect(readFileSync(fx.path('archive/sub/big.csv'), 'utf8')).toBe(text);
  });

  it('runs in the embedded runtime after the FINISHED commits: every record read once, then the files moved', async () => {
    const out = fx.path('out');
    const flow = defineFlow({ name: 'archive-local', source: source({ afterFinish: { moveTo: fx.path('archive') }, maxRecordsPerBatch: 4 }), sink: jsonlSink({ dir: out }) });

    const summary = await runEmbedded(flow, { inProcess: true, parallelism: 2, stateDir: join(fx.root, 'state'), progress: false });

    expect(summary).toMatchObject({ status: 'completed', records: 41 });
    expect(new Set(readJsonlDir(out).map((r) => r.id)).size).toBe(41);
    await eventually(() => !existsSync(fx.path('in/sub/big.csv')) && !existsSync(fx.path('in/small.csv')));
    expect(existsSync(fx.path('in/sub/big.csv'))).toBe(false);
    expect(existsSync(fx.path('in/small.csv'))).toBe(false);
    expect(readFileSync(fx.path('archive/sub/big.csv'), 'utf8')).toBe(text);
    expect(existsSync(fx.path('archive/small.csv'))).toBe(true);
  });
});
