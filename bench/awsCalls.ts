/**
 * AWS calls counted per command with an SDK middleware on every client lib/aws builds
 * (onAwsClientCreated), and what they would cost at AWS list prices. DynamoDB calls ask for
 * ReturnConsumedCapacity=TOTAL, so the units are the emulator's own count (indexes included).
 */
import { onAwsClientCreated, type HookableClient } from '../lib/aws/clientHooks';
import type { AwsService } from '../lib/aws/config';

/** us-east-1 list prices (USD), as of the issue: Lambda arm64, SQS standard, DynamoDB on-demand, S3 Standard. */
export const PRICES = {
  lambdaPerRequest: 0.2 / 1e6,
  lambdaArmPerGbSecond: 0.0000133334,
  sqsPerRequest: 0.4 / 1e6,
  dynamoPerWriteUnit: 0.625 / 1e6,
  dynamoPerReadUnit: 0.125 / 1e6,
  s3PerPut: 0.005 / 1000,
  s3PerGet: 0.0004 / 1000,
} as const;

const DYNAMO_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const DYNAMO_READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
/** S3's PUT, COPY, POST, LIST tier; everything else but DELETE is billed as a GET. */
const S3_PUT_TIER = new Set(['PutObject', 'CopyObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'ListObjectsV2', 'ListObjects']);
/** SQS calls only the local event loop makes (its drain check, the queue ARN): Lambda's event source mapping makes none of them. */
export const LOCAL_LOOP_ONLY = new Set(['sqs:GetQueueAttributes']);

export interface CallCounts {
  /** `service:Command` (without the `Command` suffix) → calls. */
  readonly calls: Map<string, number>;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** DynamoDB calls that reported no consumed capacity (failed conditions, or an emulator that does not say): 1 unit each. */
  readonly estimatedUnits: number;
}

type Capacity = { CapacityUnits?: number };

/** Counts every call of every client built from now on; `take()` returns the counts so far and starts again. */
export function countAwsCalls(): { take(): CallCounts; stop(): void } {
  let calls = new Map<string, number>();
  let units = { readUnits: 0, writeUnits: 0, estimatedUnits: 0 };
  const stop = onAwsClientCreated((client: HookableClient, service: AwsService) => {
    const add = client.middlewareStack.add as unknown as (mw: unknown, options: unknown) => void;
    const middleware = (next: (args: { input: Record<string, unknown> }) => Promise<{ output: { ConsumedCapacity?: Capacity | Capacity[] } }>, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
      const name = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      calls.set(`${service}:${name}`, (calls.get(`${service}:${name}`) ?? 0) + 1);
      const dynamo = service === 'dynamodb' && (DYNAMO_READS.has(name) || DYNAMO_WRITES.has(name));
      if (dynamo) args.input.ReturnConsumedCapacity = 'TOTAL';
      let consumed: number | undefined;
      try {
        const result = await next(args);
        const c = result.output.ConsumedCapacity;
        if (c !== undefined) consumed = (Array.isArray(c) ? c : [c]).reduce((sum, x) => sum + (x.CapacityUnits ?? 0), 0);
        return result;
      } finally {
        if (dynamo) {
          if (consumed === undefined) units.estimatedUnits++;
          const n = consumed ?? 1;
          if (DYNAMO_WRITES.has(name)) units.writeUnits += n;
          else units.readUnits += n;
        }
      }
    };
    add.call(client.middlewareStack, middleware, { step: 'initialize', priority: 'low', name: 'benchAwsCallCounter' });
  });
  return {
    take() {
      const taken = { calls, ...units };
      calls = new Map();
      units = { readUnits: 0, writeUnits: 0, estimatedUnits: 0 };
      return taken;
    },
    stop,
  };
}

export interface Invocations {
  readonly count: number;
  readonly durationMs: number;
}

export interface CostBreakdown {
  readonly lambda: number;
  readonly sqs: number;
  readonly dynamodb: number;
  readonly s3: number;
  readonly total: number;
}

/** What the counted calls and invocations would cost on AWS at list prices, scaled to 1M records. */
export function costPerMillion(counts: CallCounts, invocations: Invocations, memoryMb: number, records: number): CostBreakdown {
  let sqs = 0;
  let s3 = 0;
  for (const [key, n] of counts.calls) {
    if (LOCAL_LOOP_ONLY.has(key)) continue;
    const [service, name] = key.split(':') as [string, string];
    if (service === 'sqs') sqs += n * PRICES.sqsPerRequest;
    if (service === 's3' && name !== 'DeleteObject' && name !== 'DeleteObjects') s3 += n * (S3_PUT_TIER.has(name) ? PRICES.s3PerPut : PRICES.s3PerGet);
  }
  const lambda = invocations.count * PRICES.lambdaPerRequest + (invocations.durationMs / 1000) * (memoryMb / 1024) * PRICES.lambdaArmPerGbSecond;
  const dynamodb = counts.writeUnits * PRICES.dynamoPerWriteUnit + counts.readUnits * PRICES.dynamoPerReadUnit;
  const scale = 1e6 / records;
  return { lambda: lambda * scale, sqs: sqs * scale, dynamodb: dynamodb * scale, s3: s3 * scale, total: (lambda + sqs + dynamodb + s3) * scale };
}
