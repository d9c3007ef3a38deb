import fc from 'fast-check';
import type Redis from 'ioredis';
import { acquireRedisClient } from '../../../lib/redis';
import { InputStatus } from '../../../lib/source-support';
import { RafkaSplit, rafkaSource } from '../../../lib/sources/rafka';
import { useRedisServer } from '../../helpers/useRedisServer';

const redis = useRedisServer();

/**
 * Runs `inject` before every command the reader sends on its shared connection, one at a time,
 * so a producer's XADDs land between any two of the reader's Redis calls. Returns the restore.
 */
function interleave(client: Redis, inject: () => Promise<void>): () => void {
  type Send = (command: { promise: Promise<unknown> }, ...rest: unknown[]) => Promise<unknown>;
  const target = client as unknown as { sendCommand: Send };
  const original = target.sendCommand;
  let chain = Promise.resolve();
  target.sendCommand = function (command, ...rest) {
    // Serialised, so the commands of a pipeline still go out in order.
    chain = chain.then(inject).then(() => void original.call(this, command, ...rest));
    return command.promise;
  };
  return () => {
    target.sendCommand = original;
  };
}

let run = 0;

describe('bounded Rafka split: finished only when every entry up to the stop id was read', () => {
  it('holds whatever the producer appends between any two of the reader\'s Redis calls', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }), // stop at entry 1-stop
        fc.integer({ min: 0, max: 3 }), // entries past the stop id the producer writes too
        fc.integer({ min: 0, max: 6 }), // entries there before the reader starts
        // Entries appended before the reader's n-th command: mostly none, so reads come back empty.
        fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }), // maxRecords
        async (stop, past, before, plan, maxRecords) => {
          const schedule = [...plan];
          const total = stop + past;
          const key = `interleave-${++run}:0`;
          let next = 1;
          const append = async (n: number) => {
            for (; n > 0 && next <= total; n--, next++) await redis.client.xadd(key, `1-${next}`, 'n', String(next));
          };
          await append(before);
          const source = rafkaSource({ url: redis.url, topic: `interleave-${run}`, partitions: 1, blockMs: 0 });
          const reader = source.createReader({ readerId: 0, sendSplitRequest: () => undefined });
          const shared = acquireRedisClient(source.config.connection);
          const restore = interleave(shared.client, () => append(schedule.shift() ?? 0));
          const emitted: string[] = [];
          try {
            await reader.start();
            reader.addSplits([new RafkaSplit({ topic: `interleave-${run}`, partition: 0, streamKey: key, stopId: `1-${stop}` })]);
            reader.notifyNoMoreSplits();
            for (let polls = 0; ; polls++) {
              if (polls > 200) throw new Error('the split never finished');
              const { status, batch } = await reader.poll({ maxRecords });
              if (status === InputStatus.END_OF_INPUT) break;
              // The schedule ran out: the producer writes the rest, as it would in time.
              if (schedule.length === 0) await append(total);
              if (!batch) continue;
              emitted.push(...batch.records.map((r) => r.id.split('@')[1]!));
              await reader.notifyBatchCommitted(batch);
            }
          } finally {
            restore();
            shared.release();
            await reader.close();
          }
          const upToStop = (await redis.client.xrange(key, '-', `1-${stop}`)).map(([id]) => id);
          expect(emitted).toEqual(upToStop);
        },
      ),
      { numRuns: 500 },
    );
  });
});
