import { ConfigError } from '../../../lib/errors';
import { containerDeps, resetContainerDeps } from '../../../lib/runtime/serverless/containerDeps';
import { serverlessConfigFromEnv } from '../../../lib/runtime/serverless/ServerlessConfig';

/**
 * Issue 8 item 4: on Lambda a local JSONL sink or dead-letter dir loses committed records with
 * the sandbox. The reader refuses them at start, naming the field, unless explicitly allowed.
 */
const BASE = {
  ADF_SPLIT_TABLE: 'splits',
  ADF_SPLIT_QUEUE_URL: 'http://127.0.0.1:1/queue/splits',
  ADF_DLQ_URL: 'http://127.0.0.1:1/queue/dlq',
};
const s3Flow = { name: 'orders', source: 'file', path: 's3://bucket/in/', sink: 's3', out: 's3://bucket/out/' };

describe('serverless runtime: local sinks', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    resetContainerDeps();
  });

  const depsWith = (flow: object, extra: Record<string, string> = {}) => {
    process.env = { ...saved, ...BASE, ADF_FLOW: JSON.stringify(flow), ...extra };
    resetContainerDeps();
    return () => containerDeps();
  };
  const configError = (run: () => unknown): ConfigError => {
    try {
      run();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return e as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it('refuses a jsonl sink, naming ADF_FLOW.sink', () => {
    const e = configError(depsWith({ ...s3Flow, sink: 'jsonl', out: '/tmp/out', deadLetter: 's3://bucket/dead/' }));
    expect(e.context.field).toBe('ADF_FLOW.sink');
    expect(e.message).toMatch(/ADF_FLOW\.sink.*ADF_ALLOW_LOCAL_SINKS/);
  });

  it('refuses a flow without a dead-letter place instead of falling back to /tmp, naming ADF_FLOW.deadLetter', () => {
    const e = configError(depsWith(s3Flow));
    expect(e.context.field).toBe('ADF_FLOW.deadLetter');
    expect(e.message).toContain('not set');
  });

  it('refuses a local dead-letter dir', () => {
    const e = configError(depsWith({ ...s3Flow, deadLetter: '/mnt/dead' }));
    expect(e.context.field).toBe('ADF_FLOW.deadLetter');
    expect(e.message).toContain("'/mnt/dead' is a local directory");
  });

  it('accepts s3 sinks, and local ones when ADF_ALLOW_LOCAL_SINKS=true (an EFS mount)', () => {
    expect(depsWith({ ...s3Flow, deadLetter: 's3://bucket/dead/' })()).toBeDefined();
    expect(depsWith({ ...s3Flow, sink: 'jsonl', out: '/mnt/efs/out', deadLetter: '/mnt/efs/dead' }, { ADF_ALLOW_LOCAL_SINKS: 'true' })()).toBeDefined();
  });

  it('keeps the sink request timeout below the lease grace', () => {
    const env = { ...BASE, ADF_FLOW: JSON.stringify(s3Flow) };
    expect(serverlessConfigFromEnv(env).sinkRequestTimeoutMs).toBeLessThan(serverlessConfigFromEnv(env).leaseGraceMs);
    expect(serverlessConfigFromEnv({ ...env, ADF_LEASE_GRACE_MS: '4000' }).sinkRequestTimeoutMs).toBe(2000);
    const e = configError(() => serverlessConfigFromEnv({ ...env, ADF_LEASE_GRACE_MS: '5000', ADF_SINK_REQUEST_TIMEOUT_MS: '5000' }));
    expect(e.context.field).toBe('ADF_SINK_REQUEST_TIMEOUT_MS');
  });
});
