import { DiscoveringSplitEnumerator, FifoSplitAssigner } from '../../../lib/source-support';
import type { SourceSplit, SplitDiscoverer, SplitEnumeratorContext } from '../../../lib/source-support';

const pages = (...ids: string[][]): SplitDiscoverer<SourceSplit, number> => ({
  async *discover(cursor) {
    for (let i = (cursor ?? -1) + 1; i < ids.length; i++) yield { splits: ids[i]!.map((splitId) => ({ splitId })), cursor: i };
  },
});

function context(known = new Set<string>()) {
  const events: string[] = [];
  const ctx: SplitEnumeratorContext<SourceSplit> = {
    assignSplit: (s, r) => events.push(`${r}:${s.splitId}`),
    signalNoMoreSplits: (r) => events.push(`${r}:end`),
    registerSplits: async (splits) => splits.filter((s) => !known.has(s.splitId) && known.add(s.splitId)),
    currentParallelism: () => 2,
    registeredReaders: () => [0, 1],
    reportError: (e) => events.push(`error:${e.message}`),
  };
  return { ctx, events };
}

describe('DiscoveringSplitEnumerator', () => {
  it('assigns discovered splits in order, then signals no more splits to a bounded source', async () => {
    const { ctx, events } = context();
    const e = new DiscoveringSplitEnumerator(ctx, pages(['a', 'b'], ['c']), new FifoSplitAssigner(), { bounded: true, discoveryIntervalMs: 0 });
    await e.start();
    await e.awaitDiscovery();
    for (const r of [0, 1, 0, 1]) await e.handleSplitRequest(r);
    expect(events).toEqual(['0:a', '1:b', '0:c', '1:end']);
    expect(e.snapshotState()).toEqual({ cursor: 1, discoveryDone: true });
  });

  it('skips splits the store already knows and hands back returned ones first-come', async () => {
    const { ctx, events } = context(new Set(['a']));
    const e = new DiscoveringSplitEnumerator(ctx, pages(['a', 'b']), new FifoSplitAssigner(), { bounded: true, discoveryIntervalMs: 0 });
    e.addSplitsBack([{ splitId: 'a' }], 0);
    await e.start();
    await e.awaitDiscovery();
    for (const r of [0, 0, 0]) await e.handleSplitRequest(r);
    expect(events).toEqual(['0:a', '0:b', '0:end']);
  });

  it('makes a reader that asks during discovery wait for the next split', async () => {
    const { ctx, events } = context();
    const e = new DiscoveringSplitEnumerator(ctx, pages(['a']), new FifoSplitAssigner(), { bounded: true, discoveryIntervalMs: 0 });
    await e.handleSplitRequest(0);
    expect(events).toEqual([]);
    await e.start();
    await e.awaitDiscovery();
    expect(events).toEqual(['0:a']);
  });

  it('resumes an interrupted discovery from its cursor, and starts a finished one over', async () => {
    const interrupted = context();
    const e1 = new DiscoveringSplitEnumerator(interrupted.ctx, pages(['a'], ['b']), new FifoSplitAssigner(), { bounded: true, discoveryIntervalMs: 0 }, { cursor: 0, discoveryDone: false });
    await e1.start();
    await e1.awaitDiscovery();
    await e1.handleSplitRequest(0);
    expect(interrupted.events).toEqual(['0:b']);

    const finished = context();
    const e2 = new DiscoveringSplitEnumerator(finished.ctx, pages(['a'], ['b']), new FifoSplitAssigner(), { bounded: true, discoveryIntervalMs: 0 }, { cursor: 1, discoveryDone: true });
    await e2.start();
    await e2.awaitDiscovery();
    await e2.handleSplitRequest(0);
    expect(finished.events).toEqual(['0:a']);
  });

  it('reports a failed bounded discovery to the runtime instead of leaving readers waiting', async () => {
    const { ctx, events } = context();
    const failing: SplitDiscoverer<SourceSplit, number> = {
      // eslint-disable-next-line require-yield
      async *discover() {
        throw new Error('path does not exist: /nope');
      },
    };
    const e = new DiscoveringSplitEnumerator(ctx, failing, new FifoSplitAssigner(), { bounded: true, discoveryIntervalMs: 0 });
    await e.start();
    await e.awaitDiscovery();
    expect(events).toEqual(['error:path does not exist: /nope']);
  });
});
