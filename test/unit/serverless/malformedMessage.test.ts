/**
 * A body that is no split message can never succeed: the reader dead-letters it at once, with a
 * log line, instead of failing it so SQS redelivers it for hours without a word.
 */
import type { ServerlessDeps } from '../../../lib/runtime/serverless/ServerlessDeps';
import { createReaderHandler } from '../../../lib/runtime/serverless/handlers';
import { SERVERLESS_DEFAULTS } from '../../../lib/runtime/serverless/ServerlessConfig';
import { createLambdaContext, toSqsEvent } from '../../../lib/runtime/local';

function depsWith(deadLetterUnreadable: (body: string, reason: string) => Promise<void>) {
  const claims: string[] = [];
  const deps = {
    flow: { name: 'orders', source: { createReader: () => { throw new Error('no reader expected'); } } },
    store: { claim: async (splitId: string) => (claims.push(splitId), undefined) },
    queue: { enqueue: async () => undefined, deadLetter: async () => undefined, deadLetterUnreadable },
    config: { ...SERVERLESS_DEFAULTS, flow: { name: 'orders' }, tableName: 't', queueUrl: 'http://q', dlqUrl: 'http://d' },
    sink: async () => { throw new Error('no sink expected'); },
    deadLetter: async () => { throw new Error('no dead letter expected'); },
  } as unknown as ServerlessDeps;
  return { deps, claims };
}

const event = () =>
  toSqsEvent(
    [
      { MessageId: 'garbage', ReceiptHandle: 'r1', Body: '{"flow":"orders","splitId":' },
      { MessageId: 'ours', ReceiptHandle: 'r2', Body: JSON.stringify({ flow: 'orders', splitId: 'a.csv', token: 0 }) },
    ],
    { queueArn: 'arn:aws:sqs:us-east-1:000000000000:q', region: 'us-east-1' },
  );
const context = () => createLambdaContext({ functionName: 'reader', timeoutMs: 60_000, region: 'us-east-1' });

describe('a malformed split message', () => {
  it('goes to the dead-letter queue as it is, at once, and is not reported as a batch item failure', async () => {
    const sent: { body: string; reason: string }[] = [];
    const { deps, claims } = depsWith(async (body, reason) => void sent.push({ body, reason }));

    const response = await createReaderHandler(() => deps)(event(), context());

    expect(response.batchItemFailures).toEqual([]);
    expect(sent).toEqual([{ body: '{"flow":"orders","splitId":', reason: expect.stringMatching(/JSON|split message/) }]);
    expect(claims).toEqual(['a.csv']);
  });

  it('stays on the queue when the dead-letter send fails (nothing is dropped)', async () => {
    const { deps } = depsWith(async () => { throw new Error('DLQ unreachable'); });

    const response = await createReaderHandler(() => deps)(event(), context());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'garbage' }]);
  });
});
