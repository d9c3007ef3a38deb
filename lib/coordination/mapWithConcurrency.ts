/**
 * Maps `items` with at most `concurrency` calls of `fn` in flight; results keep the input
 * order. The first rejection rejects the whole map; no new calls start after it (calls
 * already in flight still finish).
 *
 * @example
 * const rows = await mapWithConcurrency(ids, 16, (id) => store.get(id));
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, worker));
  return results;
}
