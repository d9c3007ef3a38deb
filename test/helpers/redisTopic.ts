import Redis from 'ioredis';

/** A plain client for a test's own producing and checking (not the cached one the code under test uses). */
export function testClient(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 20, retryStrategy: (times) => Math.min(times * 50, 500) });
  client.on('error', () => undefined);
  return client;
}

/** Appends `count` entries `{ n: <index> }` to a stream, pipelined; returns their ids. */
export async function produce(client: Redis, key: string, count: number, from = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 1_000) {
    const pipeline = client.pipeline();
    for (let i = start; i < Math.min(count, start + 1_000); i++) pipeline.xadd(key, '*', 'n', String(from + i));
    for (const [error, id] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      ids.push(id as string);
    }
  }
  return ids;
}

/** Every entry of a stream as `{ id, fields }`. */
export async function readAll(client: Redis, key: string): Promise<{ id: string; fields: Record<string, string> }[]> {
  const out: { id: string; fields: Record<string, string> }[] = [];
  let start = '-';
  for (;;) {
    const page = await client.xrange(key, start, '+', 'COUNT', 5_000);
    for (const [id, flat] of page) {
      const fields: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      out.push({ id, fields });
    }
    if (page.length < 5_000) return out;
    start = `(${page[page.length - 1]![0]}`;
  }
}

/** Counts occurrences; returns the ids seen more than once. */
export function duplicates(ids: Iterable<string>): string[] {
  const seen = new Map<string, number>();
  for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
