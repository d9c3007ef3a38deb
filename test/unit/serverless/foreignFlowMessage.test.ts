/**
 * A split message of another flow (two flows on one queue): the reader must not claim-and-drop
 * it silently. It refuses it loudly, failing just that record so SQS delivers it again (to the
 * right reader, if one polls the queue, else to the DLQ after maxReceiveCount).
 */
import type { ServerlessDeps } from '../../../lib/runtime/serverless/ServerlessDeps';
import { createReaderHandler } from '../../../lib/runtime/serverless/handlers';
import { processSplitMessage } from '../../../lib/runtime/serverless/ReaderInvocation';
import { SERVERLESS_DEFAULTS } from '../../../lib/runtime/serverless/ServerlessConfig';
import { createLambdaContext, toSqsEvent } from '../../../lib/runtime/local';
import { ConfigError } from '../../../lib/errors';

function depsOf(flow: string) {
  const claims: string[] = [];
  const deps = {
    flow: { name: flow, source: { createReader: () => { throw new Error('no reader expected'); } } },
    store: {
      claim: async (splitId: string) => {
        claims.push(splitId);
        return undefined; // this flow has no such split: the old reader dropped the message here
      },
    },
    queue: { enqueue: async () => undefined, deadLetter: async () => undefined },
    config: { ...SERVERLESS_DEFAULTS, flow: { name: flow }, tableName: 't', queueUrl: 'http://q', dlqUrl: 'http://d' },
    sink: async () => { throw new Error('no sink expected'); },
    deadLetter: async () => { throw new Error('no dead letter expected'); },
  } as unknown as ServerlessDeps;
  return { deps, claims };
}

const clock = { owner: 'r', remainingMs: () => 60_000, firstMessage: true };

describe('a split message of another flow', () => {
  it('is refused with a ConfigError naming both flows, before any claim', async () => {
    const { deps, claims } = depsOf('orders');

    const error = await processSplitMessage(deps, { flow: 'invoices', splitId: 'a.csv', token: 0 }, clock).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/flow "invoices" reached the reader of flow "orders"/);
    expect(claims).toEqual([]);
  });

  it('is reported in batchItemFailures by the reader handler (left on the queue), while the batch\'s own messages are processed', async () => {
    const { deps, claims } = depsOf('orders');
    const handler = createReaderHandler(() => deps);
    const event = toSqsEvent(
      [
        { MessageId: 'theirs', ReceiptHandle: 'r1', Body: JSON.stringify({ flow: 'invoices', splitId: 'x.csv', token: 0 }) },
        { MessageId: 'ours', ReceiptHandle: 'r2', Body: JSON.stringify({ flow: 'orders', splitId: 'a.csv', token: 0 }) },
      ],
      { queueArn: 'arn:aws:sqs:us-east-1:000000000000:shared', region: 'us-east-1' },
    );

    const response = await handler(event, createLambdaContext({ functionName: 'reader', timeoutMs: 60_000, region: 'us-east-1' }));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'theirs' }]);
    expect(claims).toEqual(['a.csv']);
  });
});
