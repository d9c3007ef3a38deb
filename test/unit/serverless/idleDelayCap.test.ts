import fc from 'fast-check';
import type { SplitMessage } from '../../../lib/coordination/SplitQueue';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import type { Lease, SplitCommit, SplitRow } from '../../../lib/coordination/SplitStore';
import { processSplitMessage } from '../../../lib/runtime/serverless/ReaderInvocation';
import { SERVERLESS_DEFAULTS, serverlessConfigFromEnv } from '../../../lib/runtime/serverless/ServerlessConfig';
import type { ServerlessConfig } from '../../../lib/runtime/serverless/ServerlessConfig';
import type { ServerlessDeps } from '../../../lib/runtime/serverless/ServerlessDeps';
import { InputStatus } from '../../../lib/source-support/RecordBatch';

/**
 * The idle backoff of a caught-up unbounded split (issue 11 item 2): each empty round hands the
 * split on with a delay of 1, 2, 4 … s, capped by maxIdleDelay (default 10 s, once 300 s). The
 * cap is the worst-case latency of an entry that arrives after a quiet spell, so it must hold
 * for every round count. Fakes only: a reader that never has anything, a store that grants
 * every claim, a queue that records the delay of each continuation.
 */
function idleInvocation(config: Partial<ServerlessConfig>) {
  const delays: { message: SplitMessage; delay: number | undefined }[] = [];
  const row: SplitRow = { splitId: 's', split: { splitId: 's', version: 1, data: {} }, status: SplitStatus.PENDING, leaseToken: 0, attempts: 0, records: 0, badRecords: 0, updatedAt: 0 };
  const deps = {
    flow: {
      name: 'f',
      source: {
        splitSerializer: { version: 1, serialize: () => ({}), deserialize: () => ({ splitId: 's' }) },
        createReader: () => ({
          async start() {},
          addSplits() {},
          notifyNoMoreSplits() {},
          poll: async () => ({ status: InputStatus.NOTHING_AVAILABLE }),
          async isAvailable() {},
          async notifyBatchCommitted() {},
          snapshotState: () => [],
          async close() {},
        }),
      },
    },
    store: {
      claim: async (splitId: string, owner: string, leaseMs: number): Promise<{ lease: Lease; row: SplitRow }> => ({ lease: { splitId, owner, token: 1, expiresAt: Date.now() + leaseMs }, row }),
      commit: async (_lease: Lease, commit: SplitCommit): Promise<SplitRow> => ({ ...row, status: commit.finished ? SplitStatus.FINISHED : SplitStatus.PENDING, leaseToken: 1 }),
      release: async (): Promise<SplitRow> => ({ ...row, leaseToken: 1 }),
      get: async () => row,
    },
    queue: {
      enqueue: async (messages: SplitMessage[], delay?: number) => {
        for (const message of messages) delays.push({ message, delay });
      },
      deadLetter: async () => undefined,
    },
    // No waiting inside the invocation: the fake reader returns at once, and the delay is what is tested.
    config: { ...SERVERLESS_DEFAULTS, timeMarginMs: 10, leaseGraceMs: 10, idleWaitMs: 0, ...config },
    sink: async () => ({ write: async () => undefined }),
    deadLetter: async () => ({ write: async () => undefined }),
  } as unknown as ServerlessDeps;
  const run = (idleRounds?: number) => processSplitMessage(deps, { flow: 'f', splitId: 's', token: 0, ...(idleRounds ? { idleRounds } : {}) }, { owner: 'me', remainingMs: () => 60_000, firstMessage: true });
  return { delays, run };
}

describe('idle delay of a caught-up split', () => {
  it('grows 1, 2, 4, 8 s and stays at the default cap of 10 s, however long the split has been idle', async () => {
    const { delays, run } = idleInvocation({});
    for (const rounds of [undefined, 1, 2, 3, 4, 5, 12, 40]) expect(await run(rounds)).toBe('idle');
    expect(delays.map((d) => d.delay)).toEqual([1, 2, 4, 8, 10, 10, 10, 10]);
    expect(delays.map((d) => d.message.idleRounds)).toEqual([1, 2, 3, 4, 5, 6, 13, 41]);
  });

  it('is min(maxIdleDelaySeconds, 2^(rounds-1)) for any round count and any allowed cap', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 900 }), async (previousRounds, cap) => {
        const { delays, run } = idleInvocation({ maxIdleDelaySeconds: cap });
        await run(previousRounds);
        const rounds = previousRounds + 1;
        expect(delays).toHaveLength(1);
        expect(delays[0]!.delay ?? 0).toBe(Math.min(cap, 2 ** (rounds - 1)));
      }),
      { numRuns: 200 },
    );
  });

  it('is 10 s by default, read from ADF_MAX_IDLE_DELAY_S, and refused past SQS\'s 900 s naming the variable', () => {
    const env = { ADF_FLOW: '{"name":"f"}', ADF_SPLIT_TABLE: 'splits', ADF_SPLIT_QUEUE_URL: 'http://q/1', ADF_DLQ_URL: 'http://q/2' };
    expect(serverlessConfigFromEnv(env).maxIdleDelaySeconds).toBe(10);
    expect(serverlessConfigFromEnv({ ...env, ADF_MAX_IDLE_DELAY_S: '2' }).maxIdleDelaySeconds).toBe(2);
    expect(() => serverlessConfigFromEnv({ ...env, ADF_MAX_IDLE_DELAY_S: '901' })).toThrow(/ADF_MAX_IDLE_DELAY_S must be between 0 and 900/);
  });
});
