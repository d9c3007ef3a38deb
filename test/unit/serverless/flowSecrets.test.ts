import { ConfigError } from '../../../lib/errors';
import { resolveFlowSecrets, secretRefsOf } from '../../../lib/runtime/serverless/flowSecrets';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const iam = require('../../../serverless/iam.js') as { readerStatements(flow: object, params: object): { Sid: string; Action: string[]; Resource: unknown[] }[]; failureHandlerStatements(flow: object, params: object): { Sid: string; Action: string[]; Resource: unknown[] }[] };

const flow = { name: 'orders', source: 'rafka', topic: 'orders', redisUrl: 'ssm:/adf/prod/redis-url', sink: 's3', out: 's3://bkt/out/', deadLetter: 's3://bkt/dead/' };

describe('secrets referenced by the flow (ssm:, secretsmanager:)', () => {
  it('replaces each reference by the parameter or secret it names, and leaves every other option alone', async () => {
    const asked: string[] = [];
    const resolved = await resolveFlowSecrets({ ...flow, password: 'secretsmanager:adf/redis-password' }, {
      ssm: async (name) => (asked.push(`ssm ${name}`), 'rediss://app:s3cret@cache:6380'),
      secret: async (name) => (asked.push(`secret ${name}`), 'pw'),
    });
    expect(resolved).toEqual({ ...flow, redisUrl: 'rediss://app:s3cret@cache:6380', password: 'pw' });
    expect(asked.sort()).toEqual(['secret adf/redis-password', 'ssm /adf/prod/redis-url']);
  });

  it('names the field and the reference, never a value, when a secret cannot be read', async () => {
    const failing = resolveFlowSecrets(flow, { ssm: async () => Promise.reject(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' })), secret: async () => '' });
    await expect(failing).rejects.toThrow(ConfigError);
    await expect(failing).rejects.toThrow('ADF_FLOW.redisUrl: cannot read ssm:/adf/prod/redis-url (AccessDeniedException: User is not authorized)');
  });

  it('asks nothing when the flow references no secret', async () => {
    const plain = { name: 'f', source: 'file', path: 's3://bkt/in/', sink: 's3' };
    expect(secretRefsOf(plain)).toEqual([]);
    expect(await resolveFlowSecrets(plain, { ssm: async () => { throw new Error('no'); }, secret: async () => { throw new Error('no'); } })).toBe(plain);
  });

  it('grants read access to exactly the referenced parameter and secret', () => {
    const params = { source: 'rafka', logGroupPrefix: '/aws/lambda/adf-test' };
    for (const statements of [iam.readerStatements({ ...flow, password: 'secretsmanager:adf/redis-password' }, params), iam.failureHandlerStatements({ ...flow, password: 'secretsmanager:adf/redis-password' }, params)]) {
      expect(statements.find((s) => s.Sid === 'FlowParameters')).toMatchObject({ Action: ['ssm:GetParameter'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/adf/prod/redis-url' }] });
      expect(statements.find((s) => s.Sid === 'FlowSecrets')).toMatchObject({ Action: ['secretsmanager:GetSecretValue'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:adf/redis-password-??????' }] });
    }
    expect(iam.readerStatements({ ...flow, redisUrl: 'redis://cache:6379' }, params).some((s) => s.Sid === 'FlowParameters' || s.Sid === 'FlowSecrets')).toBe(false);
  });
});
