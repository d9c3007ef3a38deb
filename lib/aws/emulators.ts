/**
 * Local AWS without Docker: fauxqs for SQS and S3, and dynalite or DynamoDB Local for
 * DynamoDB, all on loopback. `npm run local:aws` and the integration tests both start them
 * through `startEmulators`, so there is one way to do it.
 */
import type { AwsEndpoints, AwsStaticCredentials } from './config';
import { startDynalite } from './local/dynaliteServer';
import { startDynamoDbLocal } from './local/dynamoDbLocal';
import { startFauxqs } from './local/fauxqsServer';
import type { LocalServer } from './local/LocalServer';

/** 'dynamodb-local' is AWS's own emulator (what LocalStack runs); 'dynalite' is pure JS and starts in milliseconds. */
export type DynamoDbBackend = 'dynalite' | 'dynamodb-local';
export const DYNAMODB_BACKENDS: readonly DynamoDbBackend[] = ['dynamodb-local', 'dynalite'];

export const EMULATOR_REGION = 'us-east-1';
/** Emulators accept any keys; fixed ones keep signed requests working. */
export const EMULATOR_CREDENTIALS: AwsStaticCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface StartEmulatorsOptions {
  /** Default 'dynamodb-local', for fidelity to AWS. */
  readonly dynamodb?: DynamoDbBackend;
  /** 0 or unset: a free port. */
  readonly dynamodbPort?: number;
  /** 0 or unset: a free port. fauxqs serves SQS and S3 on this one port. */
  readonly fauxqsPort?: number;
}

export interface RunningEmulators {
  readonly dynamodb: DynamoDbBackend;
  readonly region: string;
  readonly credentials: AwsStaticCredentials;
  readonly endpoints: Required<AwsEndpoints>;
  /** Milliseconds each took to answer requests. */
  readonly startupMs: { readonly dynamodb: number; readonly fauxqs: number };
  /** The standard AWS variables a process needs to use these emulators through the SDK's own resolution. */
  readonly environment: Readonly<Record<string, string>>;
  /** Stops both; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB and fauxqs side by side. If either fails, the other is stopped before the
 * error is thrown.
 *
 * @example
 * const emulators = await startEmulators({ dynamodb: 'dynalite' });
 * const aws = createAwsClients({ region: emulators.region, endpoints: emulators.endpoints, credentials: emulators.credentials });
 * try { ... } finally { aws.destroy(); await emulators.stop(); }
 */
export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  const backend = options.dynamodb ?? 'dynamodb-local';
  const results = await Promise.allSettled([
    backend === 'dynalite' ? startDynalite({ port: options.dynamodbPort }) : startDynamoDbLocal({ port: options.dynamodbPort }),
    startFauxqs({ port: options.fauxqsPort, region: EMULATOR_REGION }),
  ]);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(results.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)));
    throw failed.reason;
  }
  const [dynamodb, fauxqs] = results.map((result) => (result as PromiseFulfilledResult<LocalServer>).value) as [LocalServer, LocalServer];

  const endpoints = { dynamodb: dynamodb.endpoint, sqs: fauxqs.endpoint, s3: fauxqs.endpoint };
  return {
    dynamodb: backend,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    endpoints,
    startupMs: { dynamodb: dynamodb.startupMs, fauxqs: fauxqs.startupMs },
    environment: {
      AWS_REGION: EMULATOR_REGION,
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      AWS_ENDPOINT_URL_S3: endpoints.s3,
    },
    stop: async () => {
      await Promise.all([dynamodb.stop(), fauxqs.stop()]);
    },
  };
}
