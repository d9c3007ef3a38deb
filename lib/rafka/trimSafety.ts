import type Redis from 'ioredis';

/**
 * Warns before `XADD MAXLEN ~ maxLen` may trim entries a known consumer group has not
 * acknowledged. A group still needs at least its `lag` (entries not yet delivered) plus its
 * `pending` entries (delivered, not acknowledged); when those plus the entries about to be
 * added exceed maxLen, the trim can drop some of them. This is a lower bound: pending entries
 * far older than the rest widen the range it needs. A group whose lag Redis cannot tell
 * (`lag` nil after a deletion or trim) is warned about too. It only warns: the trim goes on.
 */
export async function checkTrimSafety(client: Redis, topic: string, byPartition: ReadonlyMap<number, readonly number[]>, maxLen: number, warn: (message: string) => void): Promise<void> {
  const partitions = [...byPartition.keys()];
  const pipeline = client.pipeline();
  for (const p of partitions) pipeline.call('XINFO', 'GROUPS', `${topic}:${p}`);
  const replies = (await pipeline.exec()) ?? [];
  replies.forEach(([error, reply], i) => {
    if (error) return; // no such stream yet: no group to protect
    const partition = partitions[i]!;
    const adding = byPartition.get(partition)!.length;
    for (const flat of reply as unknown[][]) {
      const group = fieldMap(flat);
      const lag = group.lag === null || group.lag === undefined ? undefined : Number(group.lag);
      const pending = Number(group.pending ?? 0);
      if (lag === undefined) warn(`${topic}:${partition}: trimming to ~${maxLen} entries; group ${String(group.name)} has an unknown lag, so the trim may drop entries it has not acknowledged`);
      else if (lag + pending + adding > maxLen) warn(`${topic}:${partition}: trimming to ~${maxLen} entries may drop entries group ${String(group.name)} has not acknowledged (${lag} unread, ${pending} pending, ${adding} being added)`);
    }
  });
}

function fieldMap(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}
