/**
 * Every invocation of a warm container (and of the three handlers `adf dev` runs in one
 * process) named the flow dimension again, and Powertools warned each time that the dimension
 * "has already been added". The flow is the container's default dimension, set once.
 */
import type { ServerlessDeps } from '../../../lib/runtime/serverless/ServerlessDeps';
import { createReaderHandler } from '../../../lib/runtime/serverless/handlers';
import { SERVERLESS_DEFAULTS } from '../../../lib/runtime/serverless/ServerlessConfig';
import { createLambdaContext, toSqsEvent } from '../../../lib/runtime/local';

const deps = {
  flow: { name: 'orders', source: { createReader: () => { throw new Error('no reader expected'); } } },
  store: { claim: async () => undefined },
  queue: { enqueue: async () => undefined, deadLetter: async () => undefined },
  config: { ...SERVERLESS_DEFAULTS, flow: { name: 'orders' }, tableName: 't', queueUrl: 'http://q', dlqUrl: 'http://d' },
  sink: async () => { throw new Error('no sink expected'); },
  deadLetter: async () => { throw new Error('no dead letter expected'); },
} as unknown as ServerlessDeps;

it('names the flow dimension without a warning on every invocation', async () => {
  const written: string[] = [];
  const spies = [process.stderr, process.stdout].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown) => (written.push(String(chunk)), true)) as typeof stream.write),
  );
  try {
    const handler = createReaderHandler(() => deps);
    for (let i = 0; i < 3; i++) {
      const event = toSqsEvent([{ MessageId: `m${i}`, ReceiptHandle: `r${i}`, Body: JSON.stringify({ flow: 'orders', splitId: 'gone.csv', token: 0 }) }], {
        queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
        region: 'us-east-1',
      });
      await handler(event, createLambdaContext({ functionName: 'reader', timeoutMs: 60_000, region: 'us-east-1' }));
    }
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  expect(written.join('')).not.toContain('has already been added');
});
