import { defineFlow } from '../../../lib/flow';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { functionSink } from '../../../lib/sinks';
import { rafkaSource } from '../../../lib/sources/rafka';
import type { RafkaSourceOptions } from '../../../lib/sources/rafka/RafkaOptions';
import { duplicates, produce, waitFor } from '../../helpers/redisTopic';
import { tempDir } from '../../helpers/tmp';
import { useRedisServer } from '../../helpers/useRedisServer';

const redis = useRedisServer();
const log = () => undefined;

/** Runs the flow on `stateDir` until it ends by itself, or aborts it after `maxMs` (a run that never ends). */
async function runOnState(stateDir: string, until: RafkaSourceOptions['until'], seen: string[], stopWhen?: () => boolean, maxMs = 15_000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), maxMs);
  const run = runEmbedded(
    defineFlow({
      name: 'resume-bounds',
      source: rafkaSource({ url: redis.url, topic: 'rb', partitions: 2, blockMs: 100, ...(until === undefined ? {} : { until }) }),
      sink: functionSink((records) => void seen.push(...records.map((r) => r.id))),
    }),
    { inProcess: true, stateDir, progress: false, parallelism: 2, signal: controller.signal, log },
  );
  if (stopWhen) {
    await waitFor(stopWhen, maxMs, 'the live run to read the backlog');
    controller.abort();
  }
  try {
    return await run;
  } finally {
    clearTimeout(timer);
  }
}

describe('rafka: bounds given to a resumed run apply', () => {
  it('a state left by a live run, resumed with until latest, reads to the last entry and ends', async () => {
    // Arrange: a live run reads the backlog and is stopped (its splits are stored with no stop id).
    const expected = new Set<string>();
    for (const p of [0, 1]) for (const id of await produce(redis.client, `rb:${p}`, 200)) expected.add(`rb:${p}@${id}`);
    const state = tempDir();
    const first: string[] = [];
    const live = await runOnState(state.dir, undefined, first, () => first.length >= 400);
    expect(live.status).toBe('interrupted');
    for (const p of [0, 1]) for (const id of await produce(redis.client, `rb:${p}`, 30, 1_000)) expected.add(`rb:${p}@${id}`);

    // Act: resume with --until latest
    const second: string[] = [];
    const bounded = await runOnState(state.dir, 'latest', second);

    // Assert: it ended by itself, with exactly the entries the live run had not read
    expect(bounded.status).toBe('completed');
    expect(bounded.splits).toMatchObject({ total: 2, finished: 2, pending: 0 });
    expect(duplicates([...first, ...second])).toEqual([]);
    expect(new Set([...first, ...second])).toEqual(expected);
    state.cleanup();
  });
});
