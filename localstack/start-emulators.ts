/**
 * Local AWS without Docker (`npm run -s local:aws`): starts DynamoDB (dynalite by default,
 * `ADF_DYNAMODB=dynamodb-local` for AWS's own emulator) and fauxqs (SQS + S3) on 127.0.0.1,
 * creates the split table, queues and a bucket, prints `export …` lines on stdout and stays
 * up until Ctrl-C / SIGTERM. Logs go to stderr.
 *
 * Ports: free ones, or ADF_DYNAMODB_PORT / ADF_FAUXQS_PORT. Names: ADF_SPLIT_TABLE,
 * ADF_SPLIT_QUEUE_NAME, ADF_DLQ_NAME, ADF_BUCKET (defaults below).
 *
 * @example
 * npm run -s local:aws > .adf-aws.env &   # then, once the file has ADF_DLQ_URL:
 * . ./.adf-aws.env
 */
import { createAwsClients } from '../lib/aws/clients';
import { DYNAMODB_BACKENDS, startEmulators, type DynamoDbBackend } from '../lib/aws/emulators';
import { ensureResources, type ResourceNames } from '../lib/aws/resources';
import { ConfigError } from '../lib/errors';

const DEFAULT_NAMES: Required<ResourceNames> = {
  tableName: 'adf-splits',
  queueName: 'adf-splits',
  dlqName: 'adf-splits-dlq',
  bucket: 'adf-local',
};

const log = (line: string): void => void process.stderr.write(`[local:aws] ${line}\n`);

async function main(): Promise<void> {
  const backend = readBackend(process.env.ADF_DYNAMODB);
  const names: Required<ResourceNames> = {
    tableName: process.env.ADF_SPLIT_TABLE || DEFAULT_NAMES.tableName,
    queueName: process.env.ADF_SPLIT_QUEUE_NAME || DEFAULT_NAMES.queueName,
    dlqName: process.env.ADF_DLQ_NAME || DEFAULT_NAMES.dlqName,
    bucket: process.env.ADF_BUCKET || DEFAULT_NAMES.bucket,
  };

  const emulators = await startEmulators({
    dynamodb: backend,
    dynamodbPort: readPort('ADF_DYNAMODB_PORT'),
    fauxqsPort: readPort('ADF_FAUXQS_PORT'),
  });
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) process.exit(1); // a second Ctrl-C: do not wait
    stopping = true;
    log(`${reason}: stopping`);
    emulators.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // `kill <npm's pid>` ends npm without passing the signal on, which would leave us running
  // with no parent: stop when the parent changes.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && !stopping && shutdown('parent process exited'), 1000).unref();
  log(`${backend} on ${emulators.endpoints.dynamodb} (${emulators.startupMs.dynamodb} ms)`);
  log(`fauxqs (SQS + S3) on ${emulators.endpoints.sqs} (${emulators.startupMs.fauxqs} ms)`);

  const aws = createAwsClients({ region: emulators.region, endpoints: emulators.endpoints, credentials: emulators.credentials });
  try {
    const created = await ensureResources(aws, names);
    log(`table ${created.tableName} (TTL ${created.ttl}), queue ${created.queueUrl}, DLQ ${created.dlqUrl}, bucket ${created.bucket}`);
    const variables: Record<string, string> = {
      ...emulators.environment,
      ADF_SPLIT_TABLE: created.tableName,
      ADF_SPLIT_QUEUE_URL: created.queueUrl,
      ADF_DLQ_URL: created.dlqUrl,
      ADF_BUCKET: names.bucket,
    };
    const lines = [`# ActiveDataFlow local AWS: ${backend} + fauxqs, pid ${process.pid}`];
    for (const [name, value] of Object.entries(variables)) lines.push(`export ${name}='${value.replace(/'/g, `'\\''`)}'`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (error) {
    await emulators.stop();
    throw error;
  } finally {
    aws.destroy();
  }
  log('ready; Ctrl-C to stop');
}

function readBackend(value: string | undefined): DynamoDbBackend {
  const backend = value || 'dynalite';
  if (!(DYNAMODB_BACKENDS as readonly string[]).includes(backend)) {
    throw new ConfigError(`ADF_DYNAMODB must be one of ${DYNAMODB_BACKENDS.join(', ')} (got '${backend}')`);
  }
  return backend as DynamoDbBackend;
}

function readPort(variable: string): number | undefined {
  const value = process.env[variable];
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`${variable} must be a port between 0 and 65535 (got '${value}')`);
  }
  return port;
}

main().catch((error: unknown) => {
  // Users get one line for what they can fix; anything else keeps its stack.
  log(error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(error instanceof ConfigError ? 2 : 1);
});
