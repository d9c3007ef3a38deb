/**
 * A Rafka flow: the topic `orders` (8 partition streams `orders:0` … `orders:7` on Redis),
 * read with the consumer group `billing` up to each partition's last entry at start, into
 * JSON Lines part files. Drop `until` for a live, unbounded run (Ctrl-C stops it cleanly).
 *
 *   ADF_REDIS_URL=redis://127.0.0.1:6379 npx adf run examples/rafka.flow.ts
 */
import { defineFlow, jsonlSink } from 'activedataflow';
import { rafkaSource } from 'activedataflow/rafka';

export default defineFlow({
  name: 'orders-from-redis',
  source: rafkaSource({
    url: process.env.ADF_REDIS_URL ?? 'redis://127.0.0.1:6379',
    topic: 'orders',
    partitions: 8,
    group: 'billing',
    start: 'earliest',
    until: 'latest',
    maxDeliveries: 5, // an entry that fails this often goes to orders:<n>:dead-letter
  }),
  sink: jsonlSink({ dir: 'out/orders-from-redis' }),
});
