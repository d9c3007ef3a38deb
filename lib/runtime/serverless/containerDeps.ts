import { sharedDocumentClient } from '../../aws/dynamoDbClient';
import { sharedSqsClient } from '../../aws/sqsClient';
import { DynamoSplitStore } from '../../coordination/DynamoSplitStore';
import { SqsSplitQueue } from '../../coordination/SqsSplitQueue';
import { flowFromOptions } from '../../flow/flowFromOptions';
import { finishedTtlDaysFor, serverlessConfigFromEnv } from './ServerlessConfig';
import type { ServerlessDeps } from './ServerlessDeps';
import { assertDurableSinks, serverlessSinks } from './serverlessSinks';

let deps: ServerlessDeps | undefined;

/**
 * The container's dependencies, built on first use and kept for every later invocation of
 * this container: SDK clients, the flow, the opened sinks. A bad environment fails the first
 * invocation with a ConfigError naming the variable.
 */
export function containerDeps(): ServerlessDeps {
  if (deps) return deps;
  const config = serverlessConfigFromEnv();
  const flow = flowFromOptions(config.flow);
  assertDurableSinks(flow, config);
  deps = {
    config,
    flow,
    store: new DynamoSplitStore({ client: sharedDocumentClient(), tableName: config.tableName, flow: flow.name, finishedTtlDays: finishedTtlDaysFor(flow.source, config.finishedTtlDays) }),
    queue: new SqsSplitQueue({ client: sharedSqsClient(), queueUrl: config.queueUrl, dlqUrl: config.dlqUrl }),
    ...serverlessSinks(flow, config),
  };
  return deps;
}

/** For tests and the local event loop: forget the container (as a cold start would). */
export function resetContainerDeps(): void {
  deps = undefined;
}
