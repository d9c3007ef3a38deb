import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineFlow } from '../../../lib/flow';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { jsonlSink } from '../../../lib/sinks';
import { holdingSource } from '../../helpers/holdingSource';
import { tempDir } from '../../helpers/tmp';

const lines = (dir: string) => readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean)).map((l) => JSON.parse(l) as { id: string });

/** A flow module for reader worker threads (they load the flow from a ref, not from this test). */
function writeCrashFlow(dir: string, splits: number): string {
  const path = join(dir, 'holding-crash.flow.ts');
  const lib = join(__dirname, '../../../lib');
  writeFileSync(
    path,
    `import { defineFlow } from ${JSON.stringify(join(lib, 'flow'))};
import { jsonlSink } from ${JSON.stringify(join(lib, 'sinks'))};
import { holdingSource } from ${JSON.stringify(join(__dirname, '../../helpers/holdingSource'))};
export default defineFlow({
  name: 'holding-crash',
  source: holdingSource({ splits: ${splits}, discoveryLingersMs: 1000, crashWhenHolding: { splits: ${splits}, marker: ${JSON.stringify(join(dir, 'crashed'))} } }),
  sink: jsonlSink({ dir: ${JSON.stringify(join(dir, 'out'))} }),
});
`,
  );
  return path;
}

describe('embedded runtime, a reader thread dies holding several splits with a split request open', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('gives its splits to the restarted reader and loses none', async () => {
    // Arrange
    const path = writeCrashFlow(tmp.dir, 3);
    const logs: string[] = [];

    // Act
    const summary = await runEmbedded({ kind: 'module', path }, { parallelism: 1, stateDir: join(tmp.dir, 'state'), progress: false, log: (l) => void logs.push(l) });

    // Assert
    expect(logs.filter((l) => l.includes('reader 0 stopped'))).toHaveLength(1);
    expect(summary).toMatchObject({ status: 'completed', records: 3, splits: { total: 3, finished: 3, pending: 0, failed: 0 } });
    expect(lines(join(tmp.dir, 'out')).map((l) => l.id).sort()).toEqual(['s0@0', 's1@0', 's2@0']);
  });
});

describe('embedded runtime, a split assigned while a failed reader is being replaced', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('goes to the new reader, not the closed one', async () => {
    // Arrange: the reader fails holding both splits with a request open; they come back to it
    // (it is the only one asking) while its replacement is still starting.
    const flow = defineFlow({
      name: 'holding-replace',
      source: holdingSource({ splits: 2, discoveryLingersMs: 1000, failOnceWhenHolding: 2, startDelayMs: 100 }),
      sink: jsonlSink({ dir: join(tmp.dir, 'out') }),
    });
    const logs: string[] = [];

    // Act
    const summary = await runEmbedded(flow, { parallelism: 1, stateDir: join(tmp.dir, 'state'), progress: false, log: (l) => void logs.push(l) });

    // Assert
    expect(logs.filter((l) => l.includes('simulated read failure'))).toHaveLength(1);
    expect(summary).toMatchObject({ status: 'completed', records: 2, splits: { total: 2, finished: 2, pending: 0, failed: 0 } });
    expect(lines(join(tmp.dir, 'out')).map((l) => l.id).sort()).toEqual(['s0@0', 's1@0']);
  });
});
