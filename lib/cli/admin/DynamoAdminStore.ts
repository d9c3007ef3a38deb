import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { sharedDocumentClient } from '../../aws/dynamoDbClient';
import { sharedSqsClient } from '../../aws/sqsClient';
import { DynamoSplitStore } from '../../coordination/DynamoSplitStore';
import { parseDeadLetterMessage } from '../../coordination/SplitMessageCodec';
import { SqsSplitQueue } from '../../coordination/SqsSplitQueue';
import type { SplitRow } from '../../coordination/SplitStore';
import { ConfigError } from '../../errors';
import type { AdminStore, DeadLetter } from './AdminStore';

/** Seconds a received DLQ message stays hidden while `adf redrive` asks and acts. */
const REDRIVE_VISIBILITY_SECONDS = 120;

/**
 * The split table, for one flow. A changed split gets a message on the split queue when its
 * URL is known; without one, the failure handler re-sends it (the row is a stale PENDING one).
 */
export function openDynamoAdminStore(flow: string, table: string, queueUrl: string | undefined, dlqUrl: string | undefined): AdminStore {
  const store = new DynamoSplitStore({ client: sharedDocumentClient(), tableName: table, flow });
  const queue = queueUrl ? new SqsSplitQueue({ client: sharedSqsClient(), queueUrl, dlqUrl: dlqUrl ?? queueUrl }) : undefined;
  return {
    where: `table ${table}, flow ${flow}`,
    async list() {
      const rows: SplitRow[] = [];
      for await (const row of store.list()) rows.push(row);
      return rows;
    },
    retry: (splitId, audit) => store.retryFailed(splitId, audit),
    reset: (seen, split, force, audit) => store.resetSplit(seen, split, force, audit),
    forget: (splitId) => store.forgetFinished(splitId),
    async wake(row) {
      if (queue) await queue.enqueue([{ flow, splitId: row.splitId, token: row.leaseToken }]);
    },
    async deadLetters() {
      if (!dlqUrl) throw new ConfigError('adf redrive needs the dead-letter queue: --dlq-url URL or ADF_DLQ_URL', { context: { field: 'dlq-url' } });
      const sqs = sharedSqsClient();
      const letters: DeadLetter[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: REDRIVE_VISIBILITY_SECONDS }));
        if (Messages.length === 0) return letters;
        for (const m of Messages) {
          const handle = m.ReceiptHandle!;
          letters.push({
            letter: parseDeadLetterMessage(m.Body ?? ''),
            remove: async () => void (await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: handle }))),
            release: async () => void (await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: dlqUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }))),
          });
        }
      }
    },
    async close() {},
  };
}
