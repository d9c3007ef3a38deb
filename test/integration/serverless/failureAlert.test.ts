/**
 * A FAILED split's dead-letter alert is durable: the row stays "unreported" until the send
 * succeeded, and the failure handler sends what a reader (or an earlier run of its own) could
 * not. The DLQ outage is fault-injected by a middleware on a real SQS client against fauxqs.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createSqsClient } from '../../../lib/aws/clients';
import { SqsSplitQueue } from '../../../lib/coordination/SqsSplitQueue';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import { defineFlow } from '../../../lib/flow/Flow';
import type { Sink } from '../../../lib/sinks/Sink';
import { fileSource } from '../../../lib/sources/file';
import { runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
import { runFailureHandler } from '../../../lib/runtime/serverless/FailureHandlerRun';
import { processSplitMessage } from '../../../lib/runtime/serverless/ReaderInvocation';
import type { ServerlessDeps } from '../../../lib/runtime/serverless/ServerlessDeps';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { refuseRequests, type RequestRefusal } from '../../helpers/lostResponses';
import { serverlessHarness, type ServerlessHarness } from '../../helpers/serverlessHarness';
import { tempDir } from '../../helpers/tmp';

const broken: Sink = { type: 'broken', open: async () => ({ write: async () => { throw new Error('disk full'); }, close: async () => undefined }) };

describe('serverless runtime: dead-letter alerts survive a failed DLQ send', () => {
  const aws = useAwsTestEnv();
  let tmp: ReturnType<typeof tempDir>;
  let flows = 0;
  beforeAll(() => {
    tmp = tempDir();
    writeFileSync(join(tmp.dir, 'a.csv'), 'id\n1\n2\n');
  });
  afterAll(() => tmp.cleanup());

  /** The harness, with its queue on an SQS client of its own whose DLQ sends are refused. */
  async function withDlqDown(): Promise<{ h: ServerlessHarness; deps: ServerlessDeps; dlqDown: RequestRefusal; destroy: () => void }> {
    const name = `alert-${++flows}`;
    const flow = defineFlow({ name, source: fileSource({ path: join(tmp.dir, 'a.csv') }), sink: broken, deadLetterDir: join(tmp.dir, `dl-${name}`) });
    const h = await serverlessHarness(aws(), flow, { maxAttempts: 1 });
    const sqs = createSqsClient({ region: aws().region, endpoints: aws().endpoints, credentials: aws().credentials });
    const dlqDown = refuseRequests(sqs, (command, input) => command === 'SendMessageCommand' && (input as { QueueUrl?: string }).QueueUrl === h.dlqUrl);
    const deps = { ...h.deps, queue: new SqsSplitQueue({ client: sqs, queueUrl: h.queueUrl, dlqUrl: h.dlqUrl }) };
    return { h, deps, dlqDown, destroy: () => sqs.destroy() };
  }

  it('reader path: the split FAILED while the DLQ was down still ends with exactly one alert after the failure handler runs', async () => {
    const { h, deps, dlqDown, destroy } = await withDlqDown();
    try {
      // Arrange: the reader fails the split at its only attempt; its alert cannot be sent
      await runEnumerator(deps);
      const [message] = await h.takeMessages();
      expect(await processSplitMessage(deps, message!, { owner: 'r0', remainingMs: () => 60_000 })).toBe('failed');
      expect(dlqDown.refused).toBe(1);
      expect(await h.deps.store.get('a.csv')).toMatchObject({ status: SplitStatus.FAILED, lastError: 'disk full' });
      expect(await h.receiveDlq()).toEqual([]);

      // Act: the DLQ is back; the failure handler runs once the failure is older than orphanAfterMs
      dlqDown.stop();
      const later = Date.now() + deps.config.orphanAfterMs + 1;
      await runFailureHandler(deps, Date.now()); // too early: a reader may still be sending it
      await runFailureHandler(deps, later);
      await runFailureHandler(deps, later + 1);

      // Assert
      expect(await h.receiveDlq()).toEqual([expect.objectContaining({ flow: deps.flow.name, splitId: 'a.csv', error: 'disk full', attempts: 1 })]);
      expect(await h.receiveDlq()).toEqual([]);
    } finally {
      destroy();
    }
  });

  it('failure-handler path: an expired lease FAILED while the DLQ was down is alerted by a later run, once', async () => {
    const { h, deps, dlqDown, destroy } = await withDlqDown();
    try {
      // Arrange: a reader claimed and vanished; the failure handler fails it but cannot alert
      await runEnumerator(deps);
      await h.takeMessages();
      await deps.store.claim('a.csv', 'crashed', 1_000, 0);
      const expired = Date.now() + 5_000;
      await runFailureHandler(deps, expired);
      expect(dlqDown.refused).toBe(1);
      expect(await h.deps.store.get('a.csv')).toMatchObject({ status: SplitStatus.FAILED });

      // Act
      dlqDown.stop();
      await runFailureHandler(deps, expired + deps.config.orphanAfterMs + 1);
      await runFailureHandler(deps, expired + deps.config.orphanAfterMs + 2);

      // Assert
      expect(await h.receiveDlq()).toEqual([expect.objectContaining({ splitId: 'a.csv', attempts: 1, error: expect.stringMatching(/lease expired/) })]);
      expect(await h.receiveDlq()).toEqual([]);
    } finally {
      destroy();
    }
  });
});
