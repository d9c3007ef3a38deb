'use strict';
/**
 * The IAM statements of each function, derived from the deployed flow (`param:flow`, the
 * ADF_FLOW JSON) so every grant is the least that flow needs: S3 by prefix, DeleteObject only
 * with afterFinish, DynamoDB only on the flow's own items (dynamodb:LeadingKeys), and only the
 * actions each function's code calls. serverless.yml reads them with
 * `${file(./serverless/iam.js):reader}`; a flow the stack cannot serve (a local path on Lambda, a
 * source the bundles were not built with) fails `serverless package` here, with one message.
 *
 * Plain CommonJS: the framework require()s this file while it resolves variables.
 */

const TABLE = { 'Fn::GetAtt': ['SplitTable', 'Arn'] };
const INDEX = { 'Fn::Sub': '${SplitTable.Arn}/index/byStatusLease' };
const QUEUE = { 'Fn::GetAtt': ['SplitQueue', 'Arn'] };
const DLQ = { 'Fn::GetAtt': ['SplitDeadLetterQueue', 'Arn'] };
const ENUMERATOR_FAILURES = { 'Fn::GetAtt': ['EnumeratorFailureQueue', 'Arn'] };

class FlowGrantError extends Error {
  constructor(message) {
    super(`ADF_FLOW (param "flow") cannot be deployed: ${message}`);
    this.name = 'FlowGrantError';
  }
}

/** `s3://bucket/prefix` → { bucket, prefix }; undefined for anything else. */
function s3Location(uri) {
  const match = typeof uri === 'string' ? /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri) : null;
  return match ? { bucket: match[1], prefix: match[2] } : undefined;
}

function objectArn({ bucket, prefix }) {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}/${prefix}*` };
}

function bucketArn(bucket) {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}` };
}

function logs(fn, prefix) {
  return {
    Sid: 'Logs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${prefix}-${fn}:*` }],
  };
}

/** The flow's items only: split rows and the enumerator row (`FLOW#<name>`), index keys (`FLOW#<name>#<status>`). */
function splitTable(flow, actions, resources) {
  return {
    Sid: 'SplitTable',
    Effect: 'Allow',
    Action: actions,
    Resource: resources,
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`FLOW#${flow.name}`, `FLOW#${flow.name}#*`] } },
  };
}

/**
 * Read access to exactly the SSM parameters and Secrets Manager secrets the flow references
 * (`"redisUrl": "ssm:/adf/redis-url"`, see lib/runtime/serverless/flowSecrets.ts). Every function
 * builds the flow from ADF_FLOW at cold start, so each reads them once per container.
 */
function secretStatements(flow) {
  const ssm = [];
  const secrets = [];
  for (const value of Object.values(flow)) {
    const match = typeof value === 'string' ? /^(ssm|secretsmanager):(.+)$/.exec(value) : null;
    if (!match) continue;
    const name = match[2];
    if (match[1] === 'ssm') ssm.push({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name.replace(/^\//, '')}` });
    // A secret's ARN ends in a random suffix: the name matches with -??????.
    else secrets.push(name.startsWith('arn:') ? name : { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${name}-??????` });
  }
  return [
    ...(ssm.length ? [{ Sid: 'FlowParameters', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: ssm }] : []),
    ...(secrets.length ? [{ Sid: 'FlowSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: secrets }] : []),
  ];
}

/** What the flow reads and writes on S3, checked against what the stack can serve. */
function locations(flow, params) {
  if (!flow || typeof flow.name !== 'string') throw new FlowGrantError('it needs a "name"');
  if (flow.source !== params.source) {
    throw new FlowGrantError(`its source is "${flow.source}" but the bundles are built for "${params.source}" (param "source")`);
  }
  const allowLocal = flow.allowLocalPaths === true;
  const where = {};
  if (flow.source === 'file') {
    where.input = s3Location(flow.path);
    if (!where.input && !allowLocal) throw new FlowGrantError(`"path" must be an s3:// URI on Lambda (got ${JSON.stringify(flow.path)}); a mounted file system needs "allowLocalPaths": true`);
    const after = flow.afterFinish;
    const moveTo = typeof after === 'string' && after.startsWith('move:') ? after.slice(5) : after && typeof after === 'object' ? after.moveTo : undefined;
    where.deletes = after === 'delete' || moveTo !== undefined;
    if (moveTo !== undefined) {
      where.moveTo = s3Location(moveTo);
      if (!where.moveTo && !allowLocal) throw new FlowGrantError(`"afterFinish" moves to ${JSON.stringify(moveTo)}, which is not an s3:// URI`);
    }
  }
  if (flow.sink === 's3') {
    where.out = s3Location(flow.out);
    if (!where.out) throw new FlowGrantError(`"out" must be an s3:// URI for the s3 sink (got ${JSON.stringify(flow.out)})`);
  } else if (flow.sink === 'jsonl' && !allowLocal) {
    throw new FlowGrantError('the jsonl sink writes local files, which vanish with the Lambda sandbox: use "sink": "s3", or "allowLocalPaths": true with a mounted file system');
  }
  where.deadLetter = s3Location(flow.deadLetter);
  if (!where.deadLetter && !allowLocal) {
    throw new FlowGrantError(`"deadLetter" must be an s3:// URI on Lambda (got ${JSON.stringify(flow.deadLetter)}): bad records written to /tmp would vanish with the sandbox`);
  }
  return where;
}

function enumeratorStatements(flow, params) {
  const where = locations(flow, params);
  const statements = [
    logs('enumerator', params.logGroupPrefix),
    // Put: new split rows; Update: the enumerator row; Get: its cursor; Query: counts by status.
    splitTable(flow, ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:Query'], [TABLE, INDEX]),
    { Sid: 'SplitQueue', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [QUEUE] },
    { Sid: 'OnFailureDestination', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [ENUMERATOR_FAILURES] },
    ...secretStatements(flow),
  ];
  if (where.input) {
    statements.push(
      {
        Sid: 'InputList',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [bucketArn(where.input.bucket)],
        Condition: { StringLike: { 's3:prefix': [where.input.prefix, `${where.input.prefix}*`] } },
      },
      // Head and ranged reads while large files are cut into byte ranges.
      { Sid: 'InputRead', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [objectArn(where.input)] },
    );
  }
  return statements;
}

function readerStatements(flow, params) {
  const where = locations(flow, params);
  const statements = [
    logs('reader', params.logGroupPrefix),
    // Update: claim, commit, release; Get: whether sibling splits are finished (afterFinish).
    splitTable(flow, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [TABLE]),
    {
      Sid: 'SplitQueueEventSource',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
      Resource: [QUEUE],
    },
    { Sid: 'SplitQueueSend', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [QUEUE, DLQ] },
    ...secretStatements(flow),
  ];
  if (where.input) statements.push({ Sid: 'InputRead', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [objectArn(where.input)] });
  if (where.input && where.deletes) statements.push({ Sid: 'InputAfterFinish', Effect: 'Allow', Action: ['s3:DeleteObject'], Resource: [objectArn(where.input)] });
  const writes = [where.out, where.deadLetter, where.moveTo].filter(Boolean);
  if (writes.length > 0) statements.push({ Sid: 'OutputWrite', Effect: 'Allow', Action: ['s3:PutObject'], Resource: writes.map(objectArn) });
  // S3 sinks stage each batch under <prefix>.adf-pending/ (its lease token in the key), copy it
  // into place after the fenced commit (Get: the copy source, Head), then delete the staged copy.
  const staged = [where.out, where.deadLetter].filter(Boolean).map((l) => ({ bucket: l.bucket, prefix: `${l.prefix}.adf-pending/` }));
  if (staged.length > 0) statements.push({ Sid: 'SinkStagedBatches', Effect: 'Allow', Action: ['s3:GetObject', 's3:DeleteObject'], Resource: staged.map(objectArn) });
  return statements;
}

function failureHandlerStatements(flow, params) {
  const where = locations(flow, params);
  const statements = [
    logs('failureHandler', params.logGroupPrefix),
    // Query: expired leases, stale PENDING, unreported FAILED and after-finish-pending rows by the
    // status index; Update: reclaim, fail, mark; Get: read a row back after a failed condition
    // (dynalite returns no old item) and ask whether a file's other splits are FINISHED.
    splitTable(flow, ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:GetItem'], [TABLE, INDEX]),
    { Sid: 'SplitQueueSend', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [QUEUE, DLQ] },
    // A second re-send of a stale PENDING split waits while the queue holds messages.
    { Sid: 'SplitQueueDepth', Effect: 'Allow', Action: ['sqs:GetQueueAttributes'], Resource: [QUEUE] },
    ...secretStatements(flow),
  ];
  // It retries after-finish actions that failed in the reader: the same grants as the reader's.
  if (where.input && where.deletes) {
    statements.push({ Sid: 'InputAfterFinish', Effect: 'Allow', Action: ['s3:GetObject', 's3:DeleteObject'], Resource: [objectArn(where.input)] });
    if (where.moveTo) statements.push({ Sid: 'AfterFinishArchive', Effect: 'Allow', Action: ['s3:PutObject'], Resource: [objectArn(where.moveTo)] });
  }
  return statements;
}

/** The params every statement needs, resolved through the framework's variables. */
async function resolveParams(resolveVariable) {
  const [flowJson, source, service, stage] = await Promise.all([
    resolveVariable('param:flow'),
    resolveVariable('param:source'),
    resolveVariable('self:service'),
    resolveVariable('sls:stage'),
  ]);
  let flow;
  try {
    flow = typeof flowJson === 'string' ? JSON.parse(flowJson) : flowJson;
  } catch (e) {
    throw new FlowGrantError(`it is not JSON: ${e.message}`);
  }
  return { flow, params: { source, logGroupPrefix: `/aws/lambda/${service}-${stage}` } };
}

const forFramework = (build) => async ({ resolveVariable }) => {
  const { flow, params } = await resolveParams(resolveVariable);
  return build(flow, params);
};

/** The S3 key prefix whose uploads start the enumerator: the flow's input prefix in the stack's bucket. */
function notificationPrefix(flow) {
  const input = flow.source === 'file' ? s3Location(flow.path) : undefined;
  return input ? input.prefix : 'incoming/';
}

module.exports = {
  flowName: forFramework((flow) => flow.name),
  // ADF_ALLOW_LOCAL_SINKS for the functions: the flow's own word that a file system is mounted.
  allowLocalSinks: forFramework((flow) => (flow.allowLocalPaths === true ? 'true' : 'false')),
  notificationPrefix: forFramework(notificationPrefix),
  enumerator: forFramework(enumeratorStatements),
  reader: forFramework(readerStatements),
  failureHandler: forFramework(failureHandlerStatements),
  // For tests and tools: the same statements from a flow object.
  enumeratorStatements,
  readerStatements,
  failureHandlerStatements,
  FlowGrantError,
};
