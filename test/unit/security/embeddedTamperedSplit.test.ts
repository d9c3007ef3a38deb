import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineFlow } from '../../../lib/flow/Flow';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { functionSink } from '../../../lib/sinks';
import { FileSource } from '../../../lib/sources/file';
import { tempDir } from '../../helpers/tmp';

/**
 * The embedded runtime's split rows live in the state dir, writable by whoever can write that
 * directory. A row edited to name a file outside the source (a FAILED row is retried by a
 * rerun) must be refused before any reader opens it: FAILED with the reason, nothing emitted.
 */
describe('embedded runtime, a tampered split row in the state dir', () => {
  it('is FAILED with the reason and never read', async () => {
    const tmp = tempDir();
    try {
      const data = join(tmp.dir, 'data');
      mkdirSync(data);
      writeFileSync(join(data, 'a.jsonl'), '{"n":1}\n');
      writeFileSync(join(tmp.dir, 'secret.jsonl'), '{"secret":"s3cr3t"}\n');
      const stateDir = join(tmp.dir, 'state');
      const emitted: unknown[] = [];
      const lines: string[] = [];
      const flow = () => defineFlow({ name: 'tamper', source: new FileSource({ path: data }, () => undefined), sink: functionSink(async (records) => void emitted.push(...records.map((r) => r.value))) });
      const options = { inProcess: true, parallelism: 1, progress: false, stateDir, log: (line: string) => lines.push(line) };
      expect(await runEmbedded(flow(), options)).toMatchObject({ status: 'completed', records: 1 });
      emitted.length = 0;
      // Arrange: the finished row rewritten to name the secret, and FAILED so that a rerun retries it
      const splitsDir = join(stateDir, 'splits');
      const [file] = readdirSync(splitsDir).filter((f) => f.endsWith('.json'));
      const row = JSON.parse(readFileSync(join(splitsDir, file!), 'utf8'));
      row.status = 'FAILED';
      row.split.data = { ...row.split.data, path: join(tmp.dir, 'secret.jsonl'), offset: 0, line: 1, records: 0 };
      writeFileSync(join(splitsDir, file!), JSON.stringify(row));

      // Act
      const summary = await runEmbedded(flow(), options);

      // Assert
      expect(emitted).toEqual([]);
      expect(summary.failures).toEqual([{ splitId: 'a.jsonl', error: expect.stringMatching(/refused, never read: .*secret.jsonl lies outside the source/) }]);
      expect(lines.join('\n')).toMatch(/a.jsonl refused, never read/);
    } finally {
      tmp.cleanup();
    }
  });
});
