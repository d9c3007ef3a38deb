/**
 * The one switch between local AWS backends for integration tests.
 *
 * - `ADF_TEST_AWS=localstack`: an already running LocalStack at `LOCALSTACK_ENDPOINT`
 *   (default http://127.0.0.1:4566) serves DynamoDB, SQS and S3.
 * - otherwise: emulators started for this describe block and stopped after it; DynamoDB Local
 *   by default (fidelity), `ADF_TEST_DYNAMODB=dynalite` for speed.
 *
 * @example
 * describe('split queue', () => {
 *   const aws = useAwsTestEnv();
 *   it('creates the queues', async () => {
 *     const { queueUrl } = await ensureResources(aws().clients, aws().names);
 *     expect(queueUrl).toContain(aws().names.queueName);
 *   });
 * });
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { createAwsClients, type AwsClients } from '../../lib/aws/clients';
import type { AwsEndpoints, AwsStaticCredentials } from '../../lib/aws/config';
import { DYNAMODB_BACKENDS, EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmulators, type DynamoDbBackend, type RunningEmulators } from '../../lib/aws/emulators';
import { deleteResources, type ResourceNames } from '../../lib/aws/resources';
import { ConfigError } from '../../lib/errors';

export type AwsTestBackend = 'localstack' | DynamoDbBackend;

export interface AwsTestEnv {
  /** What serves DynamoDB: LocalStack, DynamoDB Local or dynalite (SQS and S3: LocalStack or fauxqs). */
  readonly backend: AwsTestBackend;
  readonly region: string;
  readonly credentials: AwsStaticCredentials;
  readonly endpoints: Required<AwsEndpoints>;
  /** Built through lib/aws/clients with explicit endpoints; destroyed after the block. */
  readonly clients: AwsClients;
  /** Unique per describe block, so parallel files and reruns against LocalStack never collide. */
  readonly names: Required<ResourceNames>;
  /** AWS_* variables for a child process that should use the same backend. */
  readonly environment: Readonly<Record<string, string>>;
  /** Startup time of each emulator (undefined with LocalStack). */
  readonly startupMs?: { readonly dynamodb: number; readonly fauxqs: number };
}

export interface AwsTestEnvOptions {
  /** Overrides ADF_TEST_DYNAMODB for emulator runs; ignored with LocalStack. */
  readonly dynamodb?: DynamoDbBackend;
}

const START_TIMEOUT_MS = 60_000;

/** Registers beforeAll/afterAll in the calling describe block; call the returned function inside tests. */
export function useAwsTestEnv(options: AwsTestEnvOptions = {}): () => AwsTestEnv {
  let env: AwsTestEnv | undefined;
  let emulators: RunningEmulators | undefined;
  const names = uniqueNames();

  beforeAll(async () => {
    if (process.env.ADF_TEST_AWS === 'localstack') {
      const endpoint = process.env.LOCALSTACK_ENDPOINT ?? 'http://127.0.0.1:4566';
      env = build('localstack', { dynamodb: endpoint, sqs: endpoint, s3: endpoint }, names);
      return;
    }
    if (process.env.ADF_TEST_AWS !== undefined && process.env.ADF_TEST_AWS !== 'emulators') {
      throw new ConfigError(`ADF_TEST_AWS must be 'localstack' or 'emulators' (got '${process.env.ADF_TEST_AWS}')`);
    }
    emulators = await startEmulators({ dynamodb: options.dynamodb ?? dynamoDbFromEnv() });
    env = { ...build(emulators.dynamodb, emulators.endpoints, names), startupMs: emulators.startupMs };
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    try {
      // LocalStack outlives the run: remove what this block created. Emulators forget on stop.
      if (env?.backend === 'localstack') await deleteResources(env.clients, env.names);
    } finally {
      env?.clients.destroy();
      await emulators?.stop();
    }
  }, START_TIMEOUT_MS);

  return () => {
    if (env === undefined) throw new Error('useAwsTestEnv(): the AWS test environment is available inside tests only');
    return env;
  };
}

function build(backend: AwsTestBackend, endpoints: Required<AwsEndpoints>, names: Required<ResourceNames>): AwsTestEnv {
  const region = EMULATOR_REGION;
  const credentials = EMULATOR_CREDENTIALS;
  return {
    backend,
    region,
    credentials,
    endpoints,
    clients: createAwsClients({ region, endpoints, credentials }),
    names,
    environment: {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      AWS_ENDPOINT_URL_S3: endpoints.s3,
    },
  };
}

function dynamoDbFromEnv(): DynamoDbBackend {
  const value = process.env.ADF_TEST_DYNAMODB ?? 'dynamodb-local';
  if (!(DYNAMODB_BACKENDS as readonly string[]).includes(value)) {
    throw new ConfigError(`ADF_TEST_DYNAMODB must be one of ${DYNAMODB_BACKENDS.join(', ')} (got '${value}')`);
  }
  return value as DynamoDbBackend;
}

/** `adf-<test file>-<random>`: readable in LocalStack listings, valid for tables, queues and buckets. */
function uniqueNames(): Required<ResourceNames> {
  const testPath = expect.getState().testPath ?? 'test';
  const file = basename(testPath).replace(/\.test\.ts$/, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 20).replace(/^-|-$/g, '');
  const prefix = `adf-${file || 'test'}-${randomBytes(4).toString('hex')}`;
  return {
    tableName: `${prefix}-splits`,
    queueName: `${prefix}-splits`,
    dlqName: `${prefix}-splits-dlq`,
    bucket: `${prefix}-data`,
  };
}
