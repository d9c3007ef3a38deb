import { ConfigError } from '../../../lib/errors/AdfError';
import type { SplitEnumeratorContext } from '../../../lib/source-support/SplitEnumerator';
import { fileSource, type FileSplit } from '../../../lib/sources/file';
import { makeFixtureDir, type FixtureDir } from '../../helpers/files';

function makeContext() {
  const assigned: [string, number][] = [];
  const noMore: number[] = [];
  const ctx: SplitEnumeratorContext<FileSplit> = {
    assignSplit: (split, readerId) => void assigned.push([split.splitId, readerId]),
    signalNoMoreSplits: (readerId) => void noMore.push(readerId),
    registerSplits: async (splits) => splits,
    currentParallelism: () => 1,
    registeredReaders: () => [0],
    reportError: jest.fn(),
  };
  return { ctx, assigned, noMore };
}

describe('FileSplitEnumerator', () => {
  let fx: FixtureDir;
  beforeEach(() => {
    fx = makeFixtureDir({ 'b.csv': 'x\n', 'a.jsonl': '{}\n' });
  });
  afterEach(() => fx.cleanup());

  it('hands out files in discovery order, then no-more-splits', async () => {
    const { ctx, assigned, noMore } = makeContext();
    const enumerator = fileSource({ path: fx.root }).createEnumerator(ctx);
    await enumerator.start();
    await enumerator.awaitDiscovery();

    for (let i = 0; i < 3; i++) await enumerator.handleSplitRequest(0);

    expect(assigned).toEqual([
      ['a.jsonl', 0],
      ['b.csv', 0],
    ]);
    expect(noMore).toEqual([0]);
    expect(enumerator.snapshotState()).toEqual({ cursor: 'b.csv', discoveryDone: true });
    await enumerator.close();
  });

  it('rejects start() with a ConfigError naming a missing path', async () => {
    const missing = fx.path('missing');
    const enumerator = fileSource({ path: missing }).createEnumerator(makeContext().ctx);

    await expect(enumerator.start()).rejects.toThrow(ConfigError);
    await expect(enumerator.start()).rejects.toThrow(missing);
  });

});
