import { UntrustedSplitError } from '../../../lib/errors';
import { rafkaSource } from '../../../lib/sources/rafka';
import { RafkaSplit } from '../../../lib/sources/rafka/RafkaSplit';

describe('Rafka split guard: only the topic\'s partition streams, as keyPattern names them', () => {
  const source = () => rafkaSource({ topic: 'orders', url: 'redis://127.0.0.1:1', partitions: 4, keyPattern: 'app:{topic}:{partition}' });

  it('accepts a partition stream of the topic', async () => {
    await expect(source().validateSplit(new RafkaSplit({ topic: 'orders', partition: 3, streamKey: 'app:orders:3' }))).resolves.toBeUndefined();
  });

  it.each([
    ['a foreign stream key', { topic: 'orders', partition: 1, streamKey: 'sessions:1' }, /does not match keyPattern/],
    ['another topic', { topic: 'payments', partition: 1, streamKey: 'app:payments:1' }, /not the source's topic/],
    ['a partition past partitions', { topic: 'orders', partition: 4, streamKey: 'app:orders:4' }, /not below partitions/],
    ['the key of another partition', { topic: 'orders', partition: 1, streamKey: 'app:orders:2' }, /does not match keyPattern/],
  ])('refuses %s', async (_what, init, reason) => {
    const error = await source().validateSplit(new RafkaSplit(init)).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UntrustedSplitError);
    expect((error as Error).message).toMatch(reason);
  });
});
