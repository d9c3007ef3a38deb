/**
 * adf retry | reset | forget | redrive, the same commands on both stores: an embedded state dir
 * and the DynamoDB split table (DynamoDB Local, SQS on fauxqs). The rows are made by the
 * stores themselves; the commands run as the CLI, in a child process.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { ensureResources } from '../../../lib/aws/resources';
import { DynamoSplitStore } from '../../../lib/coordination/DynamoSplitStore';
import { LocalSplitStore } from '../../../lib/coordination/LocalSplitStore';
import { formatFailedSplitMessage } from '../../../lib/coordination/SplitMessageCodec';
import type { SplitRow, SplitStore } from '../../../lib/coordination/SplitStore';
import { serializeSplit } from '../../../lib/source-support/SourceSplit';
import { FileSplit } from '../../../lib/sources/file/FileSplit';
import { FileSplitSerializer } from '../../../lib/sources/file/FileSplitSerializer';
import { RafkaSplit, RafkaSplitSerializer } from '../../../lib/sources/rafka/RafkaSplit';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { ADF_BIN, readJsonlDir } from '../../helpers/adfCli';
import { tempDir } from '../../helpers/tmp';
import { safeName } from '../../../lib/util/safeName';

const makeTmpDir = (prefix: string) => tempDir(prefix).dir;

const FLOW = 'orders';
const RAFKA_ID = 't:0';
const CSV = 'id,qty\n1,2\n3,4\n';

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

function adf(args: string[], env: Record<string, string> = {}): Promise<Cli> {
  return new Promise((resolve) => {
    execFile(process.execPath, [ADF_BIN, ...args], { env: { ...process.env, NODE_NO_WARNINGS: '1', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Two FAILED file splits, one FINISHED, and a Rafka partition held by a live lease at 5-0. */
async function seed(store: SplitStore, inputDir: string): Promise<void> {
  const file = (name: string) => {
    writeFileSync(join(inputDir, name), CSV);
    return serializeSplit(FileSplitSerializer, FileSplit.create({ splitId: name, path: join(inputDir, name), fileId: name, format: 'csv', compression: 'none', size: CSV.length }));
  };
  const rafka = serializeSplit(RafkaSplitSerializer, new RafkaSplit({ topic: 't', partition: 0, streamKey: 't:0' }));
  await store.createSplits([file('a.csv'), file('b.csv'), file('c.csv'), rafka].map((s) => s));
  for (const id of ['a.csv', 'b.csv']) {
    const { lease } = (await store.claim(id, 'reader-1', 60_000))!;
    await store.release(lease, `boom in ${id}`, 1);
  }
  const c = (await store.claim('c.csv', 'reader-1', 60_000))!;
  await store.commit(c.lease, { split: c.row.split, finished: true, records: 2, badRecords: 0 });
  const r = (await store.claim(rafka.splitId, 'reader-2', 3_600_000))!;
  await store.commit(r.lease, { split: { ...r.row.split, data: { ...r.row.split.data, lastId: '5-0' } }, finished: false, records: 5, badRecords: 0 });
}

interface Harness {
  /** The flags that name the store. */
  args(): string[];
  env(): Record<string, string>;
  row(splitId: string): Promise<SplitRow | undefined>;
  store(): Promise<SplitStore & { close?(): void }>;
}

function embedded(): Harness & { dir: () => string; input: () => string } {
  let dir = '';
  let input = '';
  beforeAll(async () => {
    const root = makeTmpDir('adf-admin');
    dir = join(root, 'state');
    input = join(root, 'in');
    mkdirSync(input);
    const store = LocalSplitStore.open(dir);
    await seed(store, input);
    store.close();
  });
  return {
    dir: () => dir,
    input: () => input,
    args: () => [FLOW, '--state-dir', dir],
    env: () => ({}),
    async row(splitId) {
      const store = LocalSplitStore.open(dir);
      try {
        return await store.get(splitId);
      } finally {
        store.close();
      }
    },
    async store() {
      return LocalSplitStore.open(dir);
    },
  };
}

describe('admin commands on an embedded state dir', () => {
  const h = embedded();
  runCommonCases(h);

  it('refuses while a run holds the state dir', async () => {
    const held = LocalSplitStore.open(h.dir());
    try {
      const r = await adf(['retry', ...h.args(), '--split', 'a.csv']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('is in use by process');
    } finally {
      held.close();
    }
  });

  it('the next run picks a retried split up (even with --no-retry-failed) and a forgotten file is ingested again', async () => {
    const out = join(h.dir(), '..', 'out');
    // The earlier cases left a.csv and b.csv PENDING (retried) and c.csv forgotten. The Rafka
    // row is not this file flow's: take it out of the state dir by hand.
    rmSync(join(h.dir(), 'splits', `${safeName(RAFKA_ID)}.json`));
    const r = await adf(['run', '--source', 'file', '--path', h.input(), '--sink', 'jsonl', '--out', out, '--state-dir', h.dir(), '--name', FLOW, '--no-retry-failed', '--quiet']);
    expect(r.code).toBe(0);
    const ids = readJsonlDir(out).map((rec) => rec.id.split('@')[0]);
    expect(new Set(ids)).toEqual(new Set(['a.csv', 'b.csv', 'c.csv']));
    expect((await h.row('a.csv'))!.status).toBe('FINISHED');
  }, 60_000);

  it('redrive retries every FAILED split (the embedded dead letters)', async () => {
    const store = LocalSplitStore.open(h.dir());
    const a = (await store.get('a.csv'))!;
    await store.createSplits([{ ...a.split, splitId: 'd.csv', data: { ...a.split.data, splitId: 'd.csv' } }]);
    const { lease } = (await store.claim('d.csv', 'x', 1000))!;
    await store.release(lease, 'again', 1);
    store.close();
    const r = await adf(['redrive', ...h.args()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('d.csv: FAILED → PENDING');
    expect((await h.row('d.csv'))!.status).toBe('PENDING');
  });
});

describe('admin commands on the DynamoDB split table', () => {
  const aws = useAwsTestEnv();
  let queueUrl = '';
  let dlqUrl = '';
  let table = '';
  const store = () => new DynamoSplitStore({ client: aws().clients.documents, tableName: table, flow: FLOW });
  beforeAll(async () => {
    ({ queueUrl, dlqUrl, tableName: table } = await ensureResources(aws().clients, aws().names));
    await seed(store(), makeTmpDir('adf-admin-in'));
  }, 60_000);
  const h: Harness = {
    args: () => [FLOW, '--table', table, '--queue-url', queueUrl, '--dlq-url', dlqUrl],
    env: () => ({ ...aws().environment }),
    row: (splitId) => store().get(splitId),
    store: async () => store(),
  };

  async function drain(url: string): Promise<string[]> {
    const bodies: string[] = [];
    for (;;) {
      const { Messages = [] } = await aws().clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      if (Messages.length === 0) return bodies;
      for (const m of Messages) {
        bodies.push(m.Body!);
        await aws().clients.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  }

  it('reset refuses a split a live lease holds, unless --force (which fences the holder off)', async () => {
    const before = (await h.row('t:0'))!;
    expect(before.status).toBe('ASSIGNED');
    const refused = await adf(['reset', ...h.args(), '--split', 't:0', '--to', 'earliest'], h.env());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--force');
    const forced = await adf(['reset', ...h.args(), '--split', 't:0', '--to', 'earliest', '--force'], h.env());
    expect(forced.code).toBe(0);
    const after = (await h.row('t:0'))!;
    expect(after).toMatchObject({ status: 'PENDING', leaseToken: before.leaseToken + 1 });
    expect((after.split.data as { lastId: string }).lastId).toBe('0-0');
    expect(after.audit!.at(-1)).toContain('(forced)');
  });

  runCommonCases(h, async (splitId, token) => {
    const bodies = (await drain(queueUrl)).map((b) => JSON.parse(b) as { splitId: string; token: number });
    expect(bodies).toContainEqual({ flow: FLOW, splitId, token });
  });

  it('redrive takes failed dead letters of the flow back to work and leaves unreadable ones', async () => {
    const s = store();
    const { lease } = (await s.claim('a.csv', 'x', 1000))!;
    const failed = await s.release(lease, 'again', 1);
    expect(failed.status).toBe('FAILED');
    await drain(queueUrl);
    const sqs = aws().clients.sqs;
    await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: formatFailedSplitMessage({ flow: FLOW, splitId: 'a.csv', token: failed.leaseToken, error: 'again', attempts: 1 }) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: 'not json' }));
    const r = await adf(['redrive', ...h.args()], h.env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('a.csv: FAILED → PENDING');
    expect(r.stdout).toContain('left on the DLQ');
    expect((await h.row('a.csv'))!.status).toBe('PENDING');
    expect(await drain(dlqUrl)).toEqual(['not json']);
    expect((await drain(queueUrl)).map((b) => JSON.parse(b).splitId)).toEqual(['a.csv']);
  }, 60_000);
});

function runCommonCases(h: Harness, expectMessage?: (splitId: string, token: number) => Promise<void>): void {
  it('retry --split turns one FAILED split PENDING, attempts reset, with an audit line', async () => {
    const r = await adf(['retry', ...h.args(), '--split', 'a.csv'], h.env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('a.csv: FAILED → PENDING (attempts 1 → 0)');
    const row = (await h.row('a.csv'))!;
    expect(row).toMatchObject({ status: 'PENDING', attempts: 0, lastError: 'boom in a.csv' });
    expect(row.audit).toHaveLength(1);
    expect(row.audit![0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z \S+@\S+ adf retry: FAILED → PENDING/);
    await expectMessage?.('a.csv', row.leaseToken);
  });

  it('retry of a split that is not FAILED is refused and changes nothing', async () => {
    const r = await adf(['retry', ...h.args(), '--split', 'c.csv'], h.env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('c.csv is FINISHED, not FAILED');
  });

  it('retry --failed of more than one split asks; without a terminal it needs --yes', async () => {
    const s = await h.store();
    const { lease } = (await s.claim('a.csv', 'x', 1000))!;
    await s.release(lease, 'boom again', 1);
    s.close?.();
    const refused = await adf(['retry', ...h.args(), '--failed'], h.env());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await h.row('b.csv'))!.status).toBe('FAILED');
    const r = await adf(['retry', ...h.args(), '--failed', '--yes'], h.env());
    expect(r.code).toBe(0);
    expect((await h.row('a.csv'))!.status).toBe('PENDING');
    expect((await h.row('b.csv'))!.status).toBe('PENDING');
  });

  it('reset moves a Rafka partition to an entry id, and a FINISHED file split back to its start', async () => {
    const r = await adf(['reset', ...h.args(), '--split', 't:0', '--to', '3-0', '--force'], h.env());
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('t:0: ');
    expect(((await h.row('t:0'))!.split.data as { lastId: string }).lastId).toBe('3-0');
    const bad = await adf(['reset', ...h.args(), '--split', 't:0', '--to', 'yesterday'], h.env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('entry id');
    const b = (await h.row('b.csv'))!;
    const back = await adf(['reset', ...h.args(), '--split', 'b.csv', '--to', 'earliest'], h.env());
    expect(back.stderr).toBe('');
    expect(back.stdout).toContain('b.csv: PENDING at {"offset":0,"line":1,"records":0} → PENDING at {"offset":0,"line":1,"records":0}');
    const reset = (await h.row('b.csv'))!;
    expect(reset).toMatchObject({ status: 'PENDING', leaseToken: b.leaseToken + 1 });
    expect(reset.audit!.at(-1)).toContain('adf reset --to earliest');
    const file = await adf(['reset', ...h.args(), '--split', 'c.csv', '--to', 'latest'], h.env());
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('--to earliest');
  });

  it('forget drops only FINISHED rows, by id or by date', async () => {
    const pending = await adf(['forget', ...h.args(), '--split', 'a.csv'], h.env());
    expect(pending.code).toBe(2);
    expect(pending.stderr).toContain('only FINISHED');
    const none = await adf(['forget', ...h.args(), '--finished-before', '2000-01-01'], h.env());
    expect(none.stdout).toContain('no FINISHED splits');
    expect(await h.row('c.csv')).toBeDefined();
    const r = await adf(['forget', ...h.args(), '--split', 'c.csv'], h.env());
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('c.csv: FINISHED (2 records) → forgotten');
    expect(await h.row('c.csv')).toBeUndefined();
  });
}
