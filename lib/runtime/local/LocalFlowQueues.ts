import { createHash } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_QUEUE_SETTINGS, ensureSplitQueues } from '../../aws/resources';
import { ConfigError } from '../../errors';

/** SQS: standard queue names are 1-80 letters, digits, '-' and '_'. */
const MAX_QUEUE_NAME = 80;
const HASH_CHARS = 8;

/**
 * The names of one flow's own split queue and DLQ, derived from the shared ones: `<queue>-<flow>`
 * and `<dlq>-<flow>`. A flow name with characters SQS does not allow, or too long, is cleaned
 * and gets a short hash of the real name, so two flows never share a queue.
 *
 * @example
 * flowQueueNames('http://sqs.us-east-1.localhost:4566/000000000000/adf-splits', 'http://…/adf-splits-dlq', 'orders');
 * // { queueName: 'adf-splits-orders', dlqName: 'adf-splits-dlq-orders' }
 */
export function flowQueueNames(queueUrl: string, dlqUrl: string, flow: string): { queueName: string; dlqName: string } {
  return { queueName: withFlow(queueNameOf(queueUrl, 'ADF_SPLIT_QUEUE_URL'), flow), dlqName: withFlow(queueNameOf(dlqUrl, 'ADF_DLQ_URL'), flow) };
}

/**
 * Creates (or finds) the flow's own split queue and DLQ next to the shared ones, with the same
 * settings as `npm run local:aws` gives those (the visibility timeout from the loop). Each
 * `adf dev` flow then polls only its own messages: none is refused for belonging to another
 * flow, and `--once` never waits for another flow's delayed messages.
 */
export async function ensureFlowQueues(
  sqs: SQSClient,
  shared: { readonly queueUrl: string; readonly dlqUrl: string },
  flow: string,
  visibilityTimeoutSeconds: number,
): Promise<{ queueUrl: string; dlqUrl: string }> {
  const names = flowQueueNames(shared.queueUrl, shared.dlqUrl, flow);
  const { queueUrl, dlqUrl } = await ensureSplitQueues(sqs, names, { ...DEFAULT_QUEUE_SETTINGS, visibilityTimeoutSeconds });
  return { queueUrl, dlqUrl };
}

function queueNameOf(url: string, variable: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    throw new ConfigError(`${variable} must be a queue URL (got ${JSON.stringify(url)})`, { context: { field: variable } });
  }
  const name = path.split('/').filter(Boolean).pop();
  if (!name) throw new ConfigError(`${variable} must end with the queue name (got ${JSON.stringify(url)})`, { context: { field: variable } });
  return name;
}

function withFlow(base: string, flow: string): string {
  const clean = flow.replace(/[^A-Za-z0-9_-]/g, '_');
  const plain = `${base}-${clean}`;
  if (clean === flow && plain.length <= MAX_QUEUE_NAME) return plain;
  const hash = createHash('sha256').update(flow, 'utf8').digest('hex').slice(0, HASH_CHARS);
  return `${base}-${clean}`.slice(0, MAX_QUEUE_NAME - HASH_CHARS - 1) + `-${hash}`;
}
