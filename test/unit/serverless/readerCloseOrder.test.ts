import type { SplitMessage } from '../../../lib/coordination/SplitQueue';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import type { Lease, SplitCommit, SplitRow } from '../../../lib/coordination/SplitStore';
import { processSplitMessage } from '../../../lib/runtime/serverless/ReaderInvocation';
import { SERVERLESS_DEFAULTS } from '../../../lib/runtime/serverless/ServerlessConfig';
import type { ServerlessDeps } from '../../../lib/runtime/serverless/ServerlessDeps';
import { InputStatus } from '../../../lib/source-support/RecordBatch';
import type { PollResult } from '../../../lib/source-support/RecordBatch';
import type { SourceSplit } from '../../../lib/source-support/SourceSplit';

/**
 * The order of a reader invocation's last steps, with fakes: the reader is closed before any
 * message hands the split on, because closing after it could undo the next holder's takeover
 * (a Rafka reader's close resets and releases the entries it read).
 */
interface Split extends SourceSplit {
  readonly offset: number;
}

function invocation(poll: () => PollResult<unknown, Split>, config: Partial<ServerlessDeps['config']> = {}, options: { pollsDuringCommit?: boolean; failCommit?: number } = {}) {
  let commits = 0;
  const events: string[] = [];
  const row: SplitRow = { splitId: 's', split: { splitId: 's', version: 1, data: { offset: 0 } }, status: SplitStatus.PENDING, leaseToken: 0, attempts: 0, records: 0, badRecords: 0, updatedAt: 0 };
  const store = {
    async claim(splitId: string, owner: string, leaseMs: number): Promise<{ lease: Lease; row: SplitRow }> {
      events.push('claim');
      return { lease: { splitId, owner, token: 1, expiresAt: Date.now() + leaseMs }, row };
    },
    async commit(_lease: Lease, commit: SplitCommit): Promise<SplitRow> {
      events.push(commit.release ? 'commit, release' : 'commit');
      await new Promise((resolve) => setTimeout(resolve, 5)); // a round trip, during which a read ahead may run
      if (++commits === options.failCommit) throw new Error('store unavailable');
      events.push('committed');
      return { ...row, status: commit.finished ? SplitStatus.FINISHED : commit.release ? SplitStatus.PENDING : SplitStatus.ASSIGNED, leaseToken: 1 };
    },
    async release(): Promise<SplitRow> {
      events.push('release');
      return { ...row, status: SplitStatus.PENDING, leaseToken: 1, attempts: 1 };
    },
    async get(): Promise<SplitRow> {
      return row;
    },
  };
  const reader = {
    pollsDuringCommit: options.pollsDuringCommit,
    async start() {},
    addSplits() {},
    notifyNoMoreSplits() {},
    async poll() {
      events.push('poll');
      if (options.pollsDuringCommit) await new Promise((resolve) => setTimeout(resolve, 20)); // parsing takes longer than a commit
      const result = poll();
      if (options.pollsDuringCommit) events.push('polled');
      return result;
    },
    async isAvailable() {},
    async notifyBatchCommitted() {
      events.push('acknowledge');
    },
    snapshotState: () => [],
    async close() {
      await new Promise((resolve) => setTimeout(resolve, 5)); // a close that takes a moment, like a Redis round trip
      events.push('close');
    },
  };
  const deps = {
    flow: {
      name: 'f',
      source: {
        splitSerializer: { version: 1, serialize: (s: Split) => ({ offset: s.offset }), deserialize: (_v: number, d: { offset: number }) => ({ splitId: 's', offset: d.offset }) },
        createReader: () => reader,
      },
    },
    store,
    queue: {
      async enqueue(messages: SplitMessage[]) {
        events.push(`enqueue token ${messages[0]!.token}`);
      },
      async deadLetter() {
        events.push('dead-letter');
      },
    },
    config: { ...SERVERLESS_DEFAULTS, timeMarginMs: 10, leaseGraceMs: 10, ...config },
    sink: async () => ({ write: async () => events.push('write') }),
    deadLetter: async () => ({ write: async () => undefined }),
  } as unknown as ServerlessDeps;
  const run = () => processSplitMessage(deps, { flow: 'f', splitId: 's', token: 0 }, { owner: 'me', remainingMs: () => 60_000, firstMessage: true });
  return { events, run };
}

const batch = (offset: number) => ({ splitId: 's', records: [{ id: `r${offset}`, value: offset }], badRecords: [], split: { splitId: 's', offset }, finished: false, bytes: 1 });

describe('reader invocation: the reader is closed before the split is handed on', () => {
  it('after its last committed batch, closes the reader, then sends the continuation', async () => {
    const { events, run } = invocation(() => ({ status: InputStatus.MORE_AVAILABLE, batch: batch(1) }), { maxBatchesPerInvocation: 1 });
    expect(await run()).toBe('committed');
    expect(events).toEqual(['claim', 'poll', 'write', 'commit, release', 'committed', 'acknowledge', 'close', 'enqueue token 1']);
  });

  it('reads batch after batch with the lease kept, releases with the last, then closes and hands on once', async () => {
    const { events, run } = invocation(() => ({ status: InputStatus.MORE_AVAILABLE, batch: batch(1) }), { maxBatchesPerInvocation: 3 });
    expect(await run()).toBe('committed');
    const batchSteps = (commit: string) => ['poll', 'write', commit, 'committed', 'acknowledge'];
    expect(events).toEqual(['claim', ...batchSteps('commit'), ...batchSteps('commit'), ...batchSteps('commit, release'), 'close', 'enqueue token 1']);
  });

  it('caught up after a batch: waits idleWaitMs for more, then releases as is, closes, and sends the continuation', async () => {
    let polls = 0;
    const { events, run } = invocation(() => (polls++ === 0 ? { status: InputStatus.MORE_AVAILABLE, batch: batch(1) } : { status: InputStatus.NOTHING_AVAILABLE }), { idleWaitMs: 250 });
    const started = Date.now();
    expect(await run()).toBe('committed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(events.slice(0, 6)).toEqual(['claim', 'poll', 'write', 'commit', 'committed', 'acknowledge']);
    expect(events.slice(6, -4).every((e) => e === 'poll')).toBe(true);
    expect(events.slice(-4)).toEqual(['commit, release', 'committed', 'close', 'enqueue token 1']);
  });

  it('after an idle poll, closes the reader, then sends the delayed continuation', async () => {
    const { events, run } = invocation(() => ({ status: InputStatus.NOTHING_AVAILABLE }), { idleWaitMs: 0 });
    expect(await run()).toBe('idle');
    expect(events).toEqual(['claim', 'poll', 'commit, release', 'committed', 'close', 'enqueue token 1']);
  });

  it('after a failed batch, closes the reader, then gives the split back for a retry', async () => {
    const { events, run } = invocation(() => {
      throw new Error('boom');
    });
    expect(await run()).toBe('retrying');
    expect(events).toEqual(['claim', 'poll', 'close', 'release', 'enqueue token 1']);
  });

  it('a reader that may poll during a commit parses the next batch while the commit runs, never past the last batch', async () => {
    const { events, run } = invocation(() => ({ status: InputStatus.MORE_AVAILABLE, batch: batch(1) }), { maxBatchesPerInvocation: 3 }, { pollsDuringCommit: true });
    expect(await run()).toBe('committed');
    expect(events).toEqual([
      'claim', 'poll', 'polled', 'write',
      'poll', 'commit', 'committed', 'acknowledge', 'polled', 'write',
      'poll', 'commit', 'committed', 'acknowledge', 'polled', 'write',
      'commit, release', 'committed', 'acknowledge', 'close', 'enqueue token 1',
    ]);
  });

  it('a commit that fails while the next batch is read ahead: the read settles before the reader is closed and the split given back', async () => {
    const { events, run } = invocation(() => ({ status: InputStatus.MORE_AVAILABLE, batch: batch(1) }), { maxBatchesPerInvocation: 3 }, { pollsDuringCommit: true, failCommit: 1 });
    expect(await run()).toBe('retrying');
    expect(events).toEqual(['claim', 'poll', 'polled', 'write', 'poll', 'commit', 'polled', 'close', 'release', 'enqueue token 1']);
  });
});
