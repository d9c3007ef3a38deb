import { sharedDocumentClient } from '../../aws/dynamoDbClient';
import { sharedSqsClient } from '../../aws/sqsClient';
import { DynamoSplitStore } from '../../coordination/DynamoSplitStore';
import { SqsSplitQueue } from '../../coordination/SqsSplitQueue';
import { flowFromOptions } from '../../flow/flowFromOptions';
import { finishedTtlDaysFor, serverlessConfigFromEnv } from './ServerlessConfig';
import type { ServerlessDeps } from './ServerlessDeps';
import type { FlowOptions } from '../../flow/FlowRef';
import { resolveFlowSecrets } from './flowSecrets';
import { assertDurableSinks, serverlessSinks } from './serverlessSinks';

let deps: ServerlessDeps | undefined;
let secretsResolved: FlowOptions | undefined;

/**
 * The container's dependencies once the flow's secret references (`ssm:…`, `secretsmanager:…`)
 * are resolved: what each handler awaits. Resolved once per container, like the rest.
 */
export async function containerDepsReady(): Promise<ServerlessDeps> {
  if (!deps && !secretsResolved) secretsResolved = await resolveFlowSecrets(serverlessConfigFromEnv().flow);
  return containerDeps();
}

/**
 * The container's dependencies, built on first use and kept for every later invocation of
 * this container: SDK clients, the flow, the opened sinks. A bad environment fails the first
 * invocation with a ConfigError naming the variable.
 */
export function containerDeps(): ServerlessDeps {
  if (deps) return deps;
  const config = serverlessConfigFromEnv();
  const flow = flowFromOptions(secretsResolved ?? config.flow);
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
  secretsResolved = undefined;
}
