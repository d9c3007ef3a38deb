/** Static keys, as emulators and LocalStack accept any (real AWS: leave unset, use the role). */
export interface AwsStaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Endpoint overrides per service; unset means the SDK's normal resolution (real AWS). */
export interface AwsEndpoints {
  readonly dynamodb?: string;
  readonly sqs?: string;
  readonly s3?: string;
}

/**
 * Explicit client settings, used by tests and local scripts. Lambdas pass nothing and let
 * the SDK read its standard environment (AWS_REGION, AWS_ENDPOINT_URL_*, AWS_MAX_ATTEMPTS, …).
 */
export interface AwsClientOptions {
  readonly region?: string;
  readonly endpoints?: AwsEndpoints;
  readonly credentials?: AwsStaticCredentials;
  /** Total attempts per call, first try included (SDK default: 3). */
  readonly maxAttempts?: number;
  /** The SDK's retry strategy (SDK default: 'standard'). */
  readonly retryMode?: 'standard' | 'adaptive';
  /** Gives up on a request with no response for this long, so a hung call cannot outlive a lease (SDK default: none). */
  readonly requestTimeoutMs?: number;
}

export type AwsService = keyof AwsEndpoints;

/**
 * The service-specific variable the SDK itself reads (AWS_ENDPOINT_URL_<SERVICE ID>), then the
 * global AWS_ENDPOINT_URL. Also honours AWS_IGNORE_CONFIGURED_ENDPOINT_URLS like the SDK does.
 */
const ENDPOINT_VARIABLES: Record<AwsService, string> = {
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  sqs: 'AWS_ENDPOINT_URL_SQS',
  s3: 'AWS_ENDPOINT_URL_S3',
};

/** The endpoint override the SDK will use for `service`, read from `env` the way the SDK reads it. */
export function endpointFromEnv(service: AwsService, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') return undefined;
  return env[ENDPOINT_VARIABLES[service]] || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * Settings shared by every client. Only what was given is set, so anything left out keeps the
 * SDK's own default or environment variable (retry mode 'standard', 3 attempts).
 */
export function baseClientConfig(service: AwsService, options: AwsClientOptions): {
  region?: string;
  endpoint?: string;
  credentials?: AwsStaticCredentials;
  maxAttempts?: number;
  retryMode?: string;
  requestHandler?: { requestTimeout: number };
} {
  const config: ReturnType<typeof baseClientConfig> = {};
  if (options.region !== undefined) config.region = options.region;
  const endpoint = options.endpoints?.[service];
  if (endpoint !== undefined) config.endpoint = endpoint;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  if (options.retryMode !== undefined) config.retryMode = options.retryMode;
  if (options.requestTimeoutMs !== undefined) config.requestHandler = { requestTimeout: options.requestTimeoutMs };
  return config;
}

/** Whether `service` talks to an override (emulator, LocalStack) rather than real AWS. */
export function hasEndpointOverride(service: AwsService, options: AwsClientOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  return options.endpoints?.[service] !== undefined || endpointFromEnv(service, env) !== undefined;
}
