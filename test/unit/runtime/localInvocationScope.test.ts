/**
 * `adf dev` runs the enumerator, reader and failure handler in one process with the one
 * Powertools logger. Each log line must carry its own function's name and request id, even
 * when the invocations interleave (the enumerator's line used to carry the reader's).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { LocalInvoker } from '../../../lib/runtime/local/LocalInvoker';
import { logger } from '../../../lib/runtime/serverless/observability';

it('keeps each interleaved invocation\'s function name, request id and keys on its own log lines', async () => {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown) => (lines.push(String(chunk)), true)) as typeof process.stdout.write);
  const level = logger.getLevelName();
  logger.setLogLevel('INFO');
  try {
    const invoker = new LocalInvoker({ prefix: 'local', region: 'us-east-1', log: () => undefined });
    const handler = (name: string, pauseMs: number) => async (context: Context) => {
      logger.addContext(context);
      logger.appendKeys({ splitId: `${name}-split` });
      await sleep(pauseMs); // the other invocation calls addContext meanwhile
      logger.info(`${name} done`);
      return context.awsRequestId;
    };
    const [enumerator, reader] = await Promise.all([invoker.invoke('enumerator', 5_000, handler('enumerator', 50)), invoker.invoke('reader', 5_000, handler('reader', 10))]);

    const logs = lines.flatMap((l) => l.split('\n')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.find((l) => l.message === 'enumerator done')).toMatchObject({ function_name: 'local-enumerator', function_request_id: enumerator.result, splitId: 'enumerator-split' });
    expect(logs.find((l) => l.message === 'reader done')).toMatchObject({ function_name: 'local-reader', function_request_id: reader.result, splitId: 'reader-split' });
  } finally {
    spy.mockRestore();
    logger.setLogLevel(level);
  }
});
