import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineFlow } from '../../../lib/flow/Flow';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { nullSink } from '../../../lib/sinks';
import { FileSource } from '../../../lib/sources/file';
import type { FileSplit } from '../../../lib/sources/file';
import { tempDir } from '../../helpers/tmp';

/** A file source whose after-finish action is slow, recording when it completes. */
class SlowFinishSource extends FileSource {
  readonly finished: string[] = [];
  override async onSplitFinished(split: FileSplit): Promise<boolean> {
    await new Promise((r) => setTimeout(r, 300));
    this.finished.push(split.splitId);
    return true;
  }
}

describe('embedded runtime, after-finish actions', () => {
  it('does not end the run before the last action has completed', async () => {
    const tmp = tempDir();
    try {
      const data = join(tmp.dir, 'data');
      require('node:fs').mkdirSync(data);
      writeFileSync(join(data, 'a.jsonl'), '{"n":1}\n');
      writeFileSync(join(data, 'b.jsonl'), '{"n":2}\n');
      const source = new SlowFinishSource({ path: data });
      const summary = await runEmbedded(defineFlow({ name: 'slow-finish', source, sink: nullSink() }), { inProcess: true, parallelism: 1, progress: false, stateDir: join(tmp.dir, 'state') });
      expect(summary).toMatchObject({ status: 'completed', records: 2 });
      expect(source.finished.sort()).toEqual(['a.jsonl', 'b.jsonl']);
    } finally {
      tmp.cleanup();
    }
  });
});
