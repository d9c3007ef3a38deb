import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADF_BIN, readJsonlDir, runAdf, startAdf } from '../helpers/adfCli';
import { readAll, waitFor } from '../helpers/redisTopic';
import { tempDir } from '../helpers/tmp';
import { useRedisServer } from '../helpers/useRedisServer';

/**
 * Rafka's console tools and sink as a user runs them: adf topic create, adf produce, adf run
 * --source rafka / --sink rafka, each a child process against a real redis-server; crashes are
 * SIGKILLs in the middle of writing.
 */
const redis = useRedisServer();

type Order = { oid: string; customer: string; seq: number };

function ordersJsonl(customers: number, perCustomer: number): string {
  const lines: string[] = [];
  for (let i = 0; i < perCustomer; i++) for (let c = 0; c < customers; c++) lines.push(JSON.stringify({ oid: `o-${c}-${i}`, customer: `c${c}`, seq: i }));
  return `${lines.join('\n')}\n`;
}

/** Every entry of every partition of a topic, each partition in stream order. */
async function topicEntries(topic: string, partitions: number): Promise<{ partition: number; fields: Record<string, string> }[]> {
  const out: { partition: number; fields: Record<string, string> }[] = [];
  for (let p = 0; p < partitions; p++) for (const e of await readAll(redis.client, `${topic}:${p}`)) out.push({ partition: p, fields: e.fields });
  return out;
}

/** Each customer's seqs in read order must be exactly 0..perCustomer-1, and each order id there once. */
function expectEachOnceInOrder(values: Order[], customers: number, perCustomer: number): void {
  expect(values).toHaveLength(customers * perCustomer);
  expect(new Set(values.map((v) => v.oid)).size).toBe(customers * perCustomer);
  const byCustomer = new Map<string, number[]>();
  for (const v of values) byCustomer.set(v.customer, [...(byCustomer.get(v.customer) ?? []), v.seq]);
  expect(byCustomer.size).toBe(customers);
  for (const seqs of byCustomer.values()) expect(seqs).toEqual(Array.from({ length: perCustomer }, (_, i) => i));
}

const adf = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [ADF_BIN, ...args, '--redis-url', redis.url], { input, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

async function killWhen(args: string[], condition: () => Promise<boolean>): Promise<number | null> {
  const child = startAdf([...args, '--redis-url', redis.url]);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  await waitFor(async () => child.exitCode !== null || (await condition()), 60_000, 'the child to get going');
  child.kill('SIGKILL');
  return exited;
}

async function totalLength(topic: string, partitions: number): Promise<number> {
  let n = 0;
  for (let p = 0; p < partitions; p++) n += await redis.client.xlen(`${topic}:${p}`);
  return n;
}

describe('adf topic / produce / run with rafka', () => {
  it('done when: topic create, produce by key from stdin, run --source rafka --until latest: every record once, each customer in order, no --partitions', async () => {
    const dir = tempDir();
    expect(adf(['topic', 'create', 'orders', '--partitions', '8'])).toMatchObject({ code: 0 });
    const produced = adf(['produce', 'orders', '--key-field', 'customer'], ordersJsonl(40, 50));
    expect(produced.code).toBe(0);
    expect(JSON.parse(produced.stdout)).toMatchObject({ topic: 'orders', records: 2_000, badLines: 0 });
    const out = join(dir.dir, 'out');
    const run = runAdf(['run', '--source', 'rafka', '--redis-url', redis.url, '--topic', 'orders', '--until', 'latest', '--sink', 'jsonl', '--out', out, '--state-dir', join(dir.dir, 'state'), '--quiet']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed', records: 2_000, splits: { total: 8, finished: 8 } });
    // One part file per partition, in entry order: the value is the entry's fields, `value` the JSON of the order.
    const values = readJsonlDir(out).map((r) => JSON.parse((r.value as { value: string }).value) as Order);
    expectEachOnceInOrder(values, 40, 50);
    dir.cleanup();
  });

  it('adf produce --id-field: killed with SIGKILL mid-produce and rerun, every record exactly once, each key in order', async () => {
    const dir = tempDir();
    const file = join(dir.dir, 'orders.jsonl');
    writeFileSync(file, ordersJsonl(100, 1_500));
    expect(adf(['topic', 'create', 'killprod', '--partitions', '6'])).toMatchObject({ code: 0 });
    const args = ['produce', 'killprod', '--key-field', 'customer', '--id-field', 'oid', '--file', file, '--batch-size', '500'];
    const killed = await killWhen(args, async () => (await totalLength('killprod', 6)) >= 20_000);
    const before = await totalLength('killprod', 6);
    expect(killed).toBe(-1); // it was killed, not done
    expect(before).toBeLessThan(150_000);
    const rerun = adf(args);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ records: 150_000, duplicates: before });
    const entries = await topicEntries('killprod', 6);
    expectEachOnceInOrder(entries.map((e) => JSON.parse(e.fields.value!) as Order), 100, 1_500);
    dir.cleanup();
  });

  it('--sink rafka --key-field: a file flow killed with SIGKILL mid-run and rerun loads every record exactly once, each key in order', async () => {
    const dir = tempDir();
    const data = join(dir.dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'orders.jsonl'), ordersJsonl(50, 2_000));
    expect(adf(['topic', 'create', 'killsink', '--partitions', '4'])).toMatchObject({ code: 0 });
    const args = ['run', '--source', 'file', '--path', data, '--sink', 'rafka', '--topic', 'killsink', '--key-field', 'customer', '--state-dir', join(dir.dir, 'state'), '--parallelism', '1', '--batch-size', '500', '--quiet'];
    const killed = await killWhen(args, async () => (await totalLength('killsink', 4)) >= 15_000);
    expect(killed).toBe(-1);
    expect(await totalLength('killsink', 4)).toBeLessThan(100_000);
    const rerun = runAdf([...args, '--redis-url', redis.url]);
    expect(rerun.code).toBe(0);
    const entries = await topicEntries('killsink', 4);
    // The record id is the entry's `id`: each once, in the partition its key hashes to.
    expect(new Set(entries.map((e) => e.fields.id)).size).toBe(entries.length);
    expectEachOnceInOrder(entries.map((e) => JSON.parse(e.fields.value!) as Order), 50, 2_000);
    dir.cleanup();
  });
});
