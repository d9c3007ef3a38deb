/** The per-function IAM statements serverless.yml derives from the deployed flow (serverless/iam.js). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const iam = require('../../../serverless/iam.js') as {
  readerStatements(flow: object, params: object): { Sid: string; Action: string[]; Resource: unknown[]; Condition?: object }[];
  enumeratorStatements(flow: object, params: object): { Sid: string; Action: string[]; Resource: unknown[]; Condition?: object }[];
  failureHandlerStatements(flow: object, params: object): unknown[];
};

const params = { source: 'file', logGroupPrefix: '/aws/lambda/activedataflow-test' };
const flow = { name: 'orders', source: 'file', path: 's3://in-bucket/orders/', sink: 's3', out: 's3://out-bucket/orders/', deadLetter: 's3://out-bucket/dead/' };
const grant = (statements: { Action: string[]; Resource: unknown[] }[], action: string) => JSON.stringify(statements.filter((s) => s.Action.includes(action)).map((s) => s.Resource));

describe('serverless/iam.js', () => {
  it('grants the reader reads of the input prefix and writes of the output and dead-letter prefixes only', () => {
    const reader = iam.readerStatements(flow, params);
    const staged = '[{"Fn::Sub":"arn:${AWS::Partition}:s3:::out-bucket/orders/.adf-pending/*"},{"Fn::Sub":"arn:${AWS::Partition}:s3:::out-bucket/dead/.adf-pending/*"}]';
    expect(grant(reader, 's3:GetObject')).toBe(`[[{"Fn::Sub":"arn:\${AWS::Partition}:s3:::in-bucket/orders/*"}],${staged}]`);
    expect(grant(reader, 's3:PutObject')).toBe('[[{"Fn::Sub":"arn:${AWS::Partition}:s3:::out-bucket/orders/*"},{"Fn::Sub":"arn:${AWS::Partition}:s3:::out-bucket/dead/*"}]]');
    // Only the sinks' own staged batches (written under the lease token, deleted once published).
    expect(grant(reader, 's3:DeleteObject')).toBe(`[${staged}]`);
  });

  it.each([
    ['delete', 'delete', []],
    ['a move flag', 'move:s3://in-bucket/archive/', ['archive']],
    ['a move object', { moveTo: 's3://in-bucket/archive/' }, ['archive']],
  ])('grants DeleteObject on the input prefix (and PutObject on the destination) only with afterFinish %s', (_, afterFinish, extraWrites) => {
    const reader = iam.readerStatements({ ...flow, afterFinish }, params);
    expect(grant(reader, 's3:DeleteObject')).toContain('[{"Fn::Sub":"arn:${AWS::Partition}:s3:::in-bucket/orders/*"}]');
    for (const prefix of extraWrites) expect(grant(reader, 's3:PutObject')).toContain(`in-bucket/${prefix}/*`);
  });

  it('lets the enumerator list the bucket only under the input prefix', () => {
    const list = iam.enumeratorStatements(flow, params).find((s) => s.Action.includes('s3:ListBucket'))!;
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['orders/', 'orders/*'] } });
  });

  it('grants a rafka flow no S3 input at all, only its sinks\' prefixes', () => {
    const rafka = { name: 'r', source: 'rafka', topic: 't', sink: 's3', out: 's3://bkt/out/', deadLetter: 's3://bkt/dead/' };
    const reader = iam.readerStatements(rafka, { ...params, source: 'rafka' });
    expect(reader.some((s) => s.Sid === 'InputRead' || s.Sid === 'InputAfterFinish')).toBe(false);
    for (const s of reader.filter((st) => st.Action.some((a) => a.startsWith('s3:')))) expect(JSON.stringify(s.Resource)).toMatch(/s3:::bkt\/(out|dead)\//);
    expect(iam.enumeratorStatements(rafka, { ...params, source: 'rafka' }).some((s) => s.Action.some((a) => a.startsWith('s3:')))).toBe(false);
  });

  it.each([
    ['a source the bundles are not built for', { ...flow, source: 'rafka' }, 'its source is "rafka" but the bundles are built for "file"'],
    ['a local input path', { ...flow, path: '/data/in' }, '"path" must be an s3:// URI on Lambda'],
    ['a local jsonl sink', { ...flow, sink: 'jsonl', out: '/tmp/out' }, 'the jsonl sink writes local files'],
    ['no s3 dead letter', { ...flow, deadLetter: undefined }, '"deadLetter" must be an s3:// URI on Lambda'],
  ])('refuses %s, failing the package with one message', (_, bad, message) => {
    expect(() => iam.readerStatements(bad, params)).toThrow(message);
  });

  it('allows local paths only when the flow says a file system is mounted', () => {
    expect(() => iam.readerStatements({ ...flow, path: '/mnt/efs/in', sink: 'jsonl', out: '/mnt/efs/out', deadLetter: '/mnt/efs/dead', allowLocalPaths: true }, params)).not.toThrow();
  });
});
