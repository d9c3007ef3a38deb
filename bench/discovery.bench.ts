/**
 * Flat-memory discovery: the serverless enumerator (S3 listing page by page → split rows with
 * attribute_not_exists → messages) over 10k and then 100k objects, reporting the enumerator's
 * peak heap. Objects live in fauxqs (its own worker thread, so its heap is not counted) and
 * rows in DynamoDB Local (a Java process). Run: `npm run bench:discovery` (ADF_BENCH_OBJECTS=10000,100000).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createAwsClients } from '../lib/aws/clients';
import { startEmulators } from '../lib/aws/emulators';
import { ensureResources } from '../lib/aws/resources';
import { DynamoSplitStore } from '../lib/coordination/DynamoSplitStore';
import { SqsSplitQueue } from '../lib/coordination/SqsSplitQueue';
import { defineFlow } from '../lib/flow/Flow';
import { nullSink } from '../lib/sinks/NullSink';
import { fileSource } from '../lib/sources/file';
import { runEnumerator } from '../lib/runtime/serverless/EnumeratorRun';
import { SERVERLESS_DEFAULTS } from '../lib/runtime/serverless/ServerlessConfig';
import { writeResultSection } from './results';

const COUNTS = (process.env.ADF_BENCH_OBJECTS ?? '10000,100000').split(',').map(Number);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

async function putObjects(s3: ReturnType<typeof createAwsClients>['s3'], bucket: string, prefix: string, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/part-${String(i).padStart(7, '0')}.jsonl`, Body: `{"i":${i}}\n` }));
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

async function main(): Promise<void> {
  const emulators = await startEmulators({ dynamodb: 'dynamodb-local' });
  Object.assign(process.env, emulators.environment, { AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  const clients = createAwsClients({ region: emulators.region, endpoints: emulators.endpoints, credentials: emulators.credentials });
  const names = { tableName: 'bench-splits', queueName: 'bench-splits', dlqName: 'bench-splits-dlq', bucket: 'bench-data' };
  const { queueUrl, dlqUrl } = await ensureResources(clients, names);
  const rows: string[] = [];
  try {
    for (const n of COUNTS) {
      process.stderr.write(`putting ${n} objects…\n`);
      await putObjects(clients.s3, names.bucket, `n${n}`, n);
      const flow = defineFlow({ name: `discover-${n}`, source: fileSource({ path: `s3://${names.bucket}/n${n}/` }), sink: nullSink() });
      const deps = {
        flow,
        config: { ...SERVERLESS_DEFAULTS, flow: { name: flow.name, source: 'file', sink: 'null' }, tableName: names.tableName, queueUrl, dlqUrl, maxSplitsPerRun: 10_000_000 },
        store: new DynamoSplitStore({ client: clients.documents, tableName: names.tableName, flow: flow.name }),
        queue: new SqsSplitQueue({ client: clients.sqs, queueUrl, dlqUrl }),
        sink: async () => ({ write: async () => undefined, close: async () => undefined }),
        deadLetter: async () => ({ write: async () => undefined, close: async () => undefined }),
      };
      gc();
      const base = process.memoryUsage().heapUsed;
      let peak = base;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 10);
      const started = Date.now();
      const result = await runEnumerator(deps);
      clearInterval(timer);
      const seconds = (Date.now() - started) / 1000;
      if (result.created !== n) throw new Error(`expected ${n} splits, created ${result.created}`);
      const mb = (b: number) => (b / 1048576).toFixed(1);
      rows.push(`| ${n.toLocaleString('en-US')} | ${result.created.toLocaleString('en-US')} | ${seconds.toFixed(1)} | ${Math.round(n / seconds)} | ${mb(peak - base)} MB | ${mb(peak)} MB |`);
      process.stderr.write(`${n}: ${seconds.toFixed(1)} s, peak heap above baseline ${mb(peak - base)} MB\n`);
    }
  } finally {
    clients.destroy();
    await emulators.stop();
  }
  const report = `## Discovery memory (serverless enumerator over an S3 prefix)

Written by \`npm run bench:discovery\` on ${new Date().toISOString()}. The enumerator lists the prefix page by page,
writes a split row per object (DynamoDB Local) and a message per new split (fauxqs SQS). Peak heap is the
enumerator's isolate, sampled every 10 ms, after a GC; it must not grow with the object count.

| objects | splits created | seconds | objects/s | peak heap above baseline | peak heap |
|---|---|---|---|---|---|
${rows.join('\n')}
`;
  writeResultSection('discovery', report);
  process.stdout.write(report);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
