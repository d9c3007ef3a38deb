import { sharedDocumentClient } from '../../aws/dynamoDbClient';
import { sharedSqsClient } from '../../aws/sqsClient';
import { DynamoSplitStore } from '../../coordination/DynamoSplitStore';
import { SqsSplitQueue } from '../../coordination/SqsSplitQueue';
import { flowFromOptions } from '../../flow/flowFromOptions';
import { JsonlFileSink } from '../../sinks/JsonlFileSink';
import { VALUE_LINE } from '../../sinks/jsonLines';
import { S3JsonlSink } from '../../sinks/S3JsonlSink';
import { isS3Uri } from '../../util/s3Uri';
import type { SinkWriter } from '../../sinks/Sink';
import { finishedTtlDaysFor, serverlessConfigFromEnv } from './ServerlessConfig';
import type { ServerlessDeps } from './ServerlessDeps';

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
  const once = (open: () => Promise<SinkWriter<unknown>>) => {
    let writer: Promise<SinkWriter<unknown>> | undefined;
    return () => (writer ??= open());
  };
  deps = {
    config,
    flow,
    store: new DynamoSplitStore({ client: sharedDocumentClient(), tableName: config.tableName, flow: flow.name, finishedTtlDays: finishedTtlDaysFor(flow.source, config.finishedTtlDays) }),
    queue: new SqsSplitQueue({ client: sharedSqsClient(), queueUrl: config.queueUrl, dlqUrl: config.dlqUrl }),
    sink: once(() => flow.sink.open({ readerId: 0 })),
    deadLetter: once(() => deadLetterSink(flow.deadLetterDir).open({ readerId: 0 })),
  };
  return deps;
}

/** For tests and the local event loop: forget the container (as a cold start would). */
export function resetContainerDeps(): void {
  deps = undefined;
}

/** Lambda's disk is not durable: deployments point dead letters at S3 (`"deadLetter": "s3://…"` in ADF_FLOW). */
function deadLetterSink(where: string | undefined) {
  if (where && isS3Uri(where)) return new S3JsonlSink({ uri: where, format: VALUE_LINE });
  return new JsonlFileSink({ dir: where ?? '/tmp/adf-dead-letter', format: VALUE_LINE });
}
