import { ConfigError } from '../../errors';
import type { FlowOptions } from '../../flow/FlowRef';

/**
 * Secrets referenced by the flow instead of written into it. A top-level string option of
 * ADF_FLOW whose value is `ssm:<parameter name>` or `secretsmanager:<secret name or ARN>` (e.g.
 * `"redisUrl": "ssm:/adf/prod/redis-url"`) is replaced by that SecureString parameter's decrypted
 * value, or that secret's string, once per container (Powertools Parameters, cached). The value
 * then lives only in this container's memory: not in the function configuration, the template or
 * serverless-state.json, and the logger and CLI redact URL passwords wherever they appear.
 *
 * @example
 * const flow = await resolveFlowSecrets({ name: 'orders', source: 'rafka', redisUrl: 'ssm:/adf/redis-url', sink: 's3' });
 */
export async function resolveFlowSecrets(flow: FlowOptions, fetch: SecretFetchers = powertoolsFetchers()): Promise<FlowOptions> {
  const refs = secretRefsOf(flow);
  if (refs.length === 0) return flow;
  const resolved: Record<string, unknown> = { ...flow };
  await Promise.all(
    refs.map(async ({ field, kind, name }) => {
      let value: unknown;
      try {
        value = kind === 'ssm' ? await fetch.ssm(name) : await fetch.secret(name);
      } catch (e) {
        throw new ConfigError(`ADF_FLOW.${field}: cannot read ${kind}:${name} (${(e as Error).name}: ${(e as Error).message})`, { cause: e, context: { field: `ADF_FLOW.${field}` } });
      }
      if (typeof value !== 'string' || value === '') throw new ConfigError(`ADF_FLOW.${field}: ${kind}:${name} holds no string value`, { context: { field: `ADF_FLOW.${field}` } });
      resolved[field] = value;
    }),
  );
  return resolved as FlowOptions;
}

export type SecretKind = 'ssm' | 'secretsmanager';

/** Where the secret references of a flow point (serverless/iam.js grants read access to exactly these). */
export function secretRefsOf(flow: FlowOptions): { field: string; kind: SecretKind; name: string }[] {
  return Object.entries(flow).flatMap(([field, value]) => {
    const match = typeof value === 'string' ? /^(ssm|secretsmanager):(.+)$/.exec(value) : null;
    return match ? [{ field, kind: match[1] as SecretKind, name: match[2]! }] : [];
  });
}

export interface SecretFetchers {
  ssm(name: string): Promise<unknown>;
  secret(name: string): Promise<unknown>;
}

/** Cached five minutes per container; loaded only when a flow has a reference (the SDK clients are not small). */
function powertoolsFetchers(): SecretFetchers {
  return {
    ssm: async (name) => (await import('@aws-lambda-powertools/parameters/ssm')).getParameter(name, { decrypt: true, maxAge: 300 }),
    secret: async (name) => (await import('@aws-lambda-powertools/parameters/secrets')).getSecret(name, { maxAge: 300 }),
  };
}
