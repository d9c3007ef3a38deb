/**
 * The chaos run's own reading of the results, through nothing of the project's: the sink's
 * output parsed line by line (local files or S3 objects), the split table by a raw Scan, the
 * dead-letter queue by raw receives.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface OutputReading {
  /** rid → how many lines carry it. */
  readonly counts: Map<string, number>;
  readonly lines: number;
  /** Lines that are not JSON (torn writes, NUL padding) or carry no rid. */
  readonly corruptLines: number;
  readonly files: number;
  /** Files next to the output that are not `.jsonl` (e.g. temporary parts), not read. */
  readonly ignoredFiles: number;
}

/** Where the output lives: a local directory, or an S3 prefix. */
export type OutputPlace = { readonly dir: string } | { readonly s3: S3Client; readonly bucket: string; readonly prefix: string };

/** The rid of a line: `value.rid` for sink lines, else the first `bad-<n>` or `r<n>` the line names (dead letters). */
export type RidOf = (line: string) => string | undefined;

export const sinkRid: RidOf = (line) => {
  const parsed = JSON.parse(line) as { value?: { rid?: unknown }; rid?: unknown };
  const rid = parsed.value?.rid ?? parsed.rid;
  return typeof rid === 'string' ? rid : undefined;
};

export const deadLetterRid: RidOf = (line) => {
  JSON.parse(line); // a dead letter must be a JSON line too
  return /bad-\d+/.exec(line)?.[0];
};

export async function readOutput(place: OutputPlace, ridOf: RidOf): Promise<OutputReading> {
  const counts = new Map<string, number>();
  let lines = 0;
  let corruptLines = 0;
  let files = 0;
  let ignoredFiles = 0;
  const take = (text: string) => {
    files++;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      lines++;
      let rid: string | undefined;
      try {
        rid = ridOf(line);
      } catch {
        rid = undefined;
      }
      if (rid === undefined) corruptLines++;
      else counts.set(rid, (counts.get(rid) ?? 0) + 1);
    }
  };
  if ('dir' in place) {
    // The documented output: part files; `.adf-pending/` holds staged batches, published (copied
    // into the part files) only after their commit, and is never part of the output.
    for (const file of walk(place.dir)) {
      if (file.endsWith('.jsonl') && !file.includes('/.adf-pending/')) take(readFileSync(file, 'utf8'));
      else ignoredFiles++;
    }
  } else {
    let token: string | undefined;
    do {
      const page = await place.s3.send(new ListObjectsV2Command({ Bucket: place.bucket, Prefix: place.prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (!object.Key!.endsWith('.jsonl') || object.Key!.includes('.adf-pending/')) {
          ignoredFiles++;
          continue;
        }
        const got = await place.s3.send(new GetObjectCommand({ Bucket: place.bucket, Key: object.Key! }));
        take(await got.Body!.transformToString('utf8'));
      }
      token = page.NextContinuationToken;
    } while (token);
  }
  return { counts, lines, corruptLines, files, ignoredFiles };
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

export interface CountCheck {
  readonly expected: number;
  readonly found: number;
  readonly lost: number;
  /** Extra copies of expected records, plus records that were never in the input. */
  readonly duplicated: number;
  readonly unexpected: number;
  /** A few of the lost and duplicated ids, to start looking. */
  readonly lostSample: readonly string[];
  readonly duplicatedSample: readonly string[];
}

export function checkCounts(expected: readonly string[], reading: OutputReading): CountCheck {
  let lost = 0;
  let duplicated = 0;
  const lostSample: string[] = [];
  const duplicatedSample: string[] = [];
  for (const rid of expected) {
    const n = reading.counts.get(rid) ?? 0;
    if (n === 0) {
      lost++;
      if (lostSample.length < 5) lostSample.push(rid);
    } else if (n > 1) {
      duplicated += n - 1;
      if (duplicatedSample.length < 5) duplicatedSample.push(rid);
    }
  }
  const known = new Set(expected);
  let unexpected = 0;
  for (const [rid, n] of reading.counts) if (!known.has(rid)) unexpected += n;
  return { expected: expected.length, found: reading.counts.size, lost, duplicated: duplicated + unexpected, unexpected, lostSample, duplicatedSample };
}

export interface RawSplit {
  readonly splitId: string;
  readonly status: string;
  readonly lastError?: string;
  readonly records: number;
  readonly leaseToken: number;
  readonly attempts: number;
}

export interface TableReading {
  readonly splits: RawSplit[];
  readonly enumerator?: { readonly noMoreSplits?: boolean; readonly complete?: boolean };
}

/** A raw Scan of the flow's rows: attribute values read by hand, not through the store's codec. */
export async function scanTable(client: DynamoDBClient, tableName: string, flow: string): Promise<TableReading> {
  const splits: RawSplit[] = [];
  let enumerator: TableReading['enumerator'];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, FilterExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `FLOW#${flow}` } }, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      const sk = item.sk?.S ?? '';
      if (sk === 'ENUMERATOR') enumerator = { noMoreSplits: item.noMoreSplits?.BOOL, complete: item.complete?.BOOL };
      else if (sk.startsWith('SPLIT#')) {
        splits.push({
          splitId: item.splitId?.S ?? sk,
          status: item.status?.S ?? '?',
          lastError: item.lastError?.S,
          records: Number(item.records?.N ?? 0),
          leaseToken: Number(item.leaseToken?.N ?? 0),
          attempts: Number(item.attempts?.N ?? 0),
        });
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { splits, enumerator };
}

export interface DlqReading {
  /** Split ids named by failed-split alerts (bodies with an `error`). */
  readonly alerted: Set<string>;
  /** Bodies without an `error`: split messages the queue's redrive policy moved there. */
  readonly redriven: number;
  readonly unreadable: number;
}

/** Everything on the dead-letter queue (received and deleted). */
export async function drainDlq(sqs: SQSClient, dlqUrl: string): Promise<DlqReading> {
  const alerted = new Set<string>();
  let redriven = 0;
  let unreadable = 0;
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }));
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    for (const m of Messages) {
      try {
        const body = JSON.parse(m.Body ?? '') as { splitId?: string; error?: string };
        if (typeof body.error === 'string' && body.splitId) alerted.add(body.splitId);
        else redriven++;
      } catch {
        unreadable++;
      }
    }
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: dlqUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
  return { alerted, redriven, unreadable };
}
