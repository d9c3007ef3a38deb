/**
 * `serverless package --stage ci` (osls + serverless-esbuild), offline: one run shared by every
 * assertion on the CloudFormation template and the function bundles.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { splitTableDefinition, STATUS_LEASE_INDEX, TTL_ATTRIBUTE } from '../../../lib/aws/splitTable';
import { readZip } from '../../helpers/readZip';
import { tempDir } from '../../helpers/tmp';

const ROOT = resolve(__dirname, '..', '..', '..');
const PACKAGE_TIMEOUT_MS = 120_000;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

describe('serverless package --stage ci', () => {
  const out = tempDir('adf-sls-package-');
  let template: Json;
  let resources: Json;
  let packagingMs = 0;

  beforeAll(async () => {
    const started = Date.now();
    template = await packageTemplate(out.dir);
    packagingMs = Date.now() - started;
    resources = template.Resources as Json;
  }, PACKAGE_TIMEOUT_MS);

  afterAll(() => out.cleanup());

  const ofType = (type: string): [string, Json][] => Object.entries(resources).filter(([, r]) => (r as Json).Type === type) as [string, Json][];
  const fn = (name: string): Json => resources[`${name}LambdaFunction`] as Json;
  const refersTo = (value: unknown, logicalId: string): boolean => JSON.stringify(value).includes(`"${logicalId}"`);

  it('packages offline in reasonable time', () => {
    expect(packagingMs).toBeLessThan(60_000);
  });

  it('declares the split table exactly as lib/aws/splitTable.ts, with TTL', () => {
    const table = resources.SplitTable;
    const expected = splitTableDefinition('ignored');
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.KeySchema).toEqual(expected.KeySchema);
    expect(new Set(table.Properties.AttributeDefinitions.map(JSON.stringify))).toEqual(new Set(expected.AttributeDefinitions!.map((d) => JSON.stringify(d))));
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(expected.GlobalSecondaryIndexes);
    expect(table.Properties.GlobalSecondaryIndexes[0].IndexName).toBe(STATUS_LEASE_INDEX);
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
  });

  it('redrives the split queue to the DLQ only as a backstop, with a visibility timeout >= 6 x the reader timeout', () => {
    const queue = resources.SplitQueue;
    expect(resources.SplitDeadLetterQueue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': ['SplitDeadLetterQueue', 'Arn'] });
    expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(5);
    expect(Number(queue.Properties.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * Number(fn('Reader').Properties.Timeout));
  });

  it('has the three functions on nodejs22.x with their handlers, environment and JSON logs', () => {
    const handlers = { Enumerator: 'functions/enumerator.handler', Reader: 'functions/reader.handler', FailureHandler: 'functions/failure-handler.handler' };
    expect(ofType('AWS::Lambda::Function').map(([id]) => id).sort()).toEqual(Object.keys(handlers).map((n) => `${n}LambdaFunction`).sort());
    for (const [name, handler] of Object.entries(handlers)) {
      const { Properties: p } = fn(name);
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Handler).toBe(handler);
      expect(p.LoggingConfig).toMatchObject({ LogFormat: 'JSON' });
      expect(Object.keys(p.Environment.Variables)).toEqual(
        expect.arrayContaining([
          'ADF_FLOW', 'ADF_SPLIT_TABLE', 'ADF_SPLIT_QUEUE_URL', 'ADF_DLQ_URL', 'ADF_MAX_ATTEMPTS', 'ADF_BATCH_SIZE',
          'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_LOG_LEVEL',
        ]),
      );
      expect(p.Environment.Variables.ADF_SPLIT_TABLE).toEqual({ Ref: 'SplitTable' });
      expect(p.Environment.Variables.ADF_SPLIT_QUEUE_URL).toEqual({ Ref: 'SplitQueue' });
      expect(p.Environment.Variables.ADF_DLQ_URL).toEqual({ Ref: 'SplitDeadLetterQueue' });
      expect(JSON.parse(p.Environment.Variables.ADF_FLOW)).toMatchObject({ source: 'file', sink: 's3' });
    }
  });

  it('triggers the reader from the split queue with ReportBatchItemFailures', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const [, mapping] = mappings[0]!;
    expect(mapping.Properties.EventSourceArn).toEqual({ 'Fn::GetAtt': ['SplitQueue', 'Arn'] });
    expect(mapping.Properties.FunctionName).toEqual({ 'Fn::GetAtt': ['ReaderLambdaFunction', 'Arn'] });
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mapping.Properties.BatchSize).toBeGreaterThanOrEqual(1);
  });

  it('schedules the enumerator every 5 minutes and the failure handler every minute', () => {
    const schedules = Object.fromEntries(
      ofType('AWS::Events::Rule').map(([, rule]) => [rule.Properties.ScheduleExpression, JSON.stringify(rule.Properties.Targets)]),
    );
    expect(schedules['rate(5 minutes)']).toContain('EnumeratorLambdaFunction');
    expect(schedules['rate(1 minute)']).toContain('FailureHandlerLambdaFunction');
  });

  it('runs the enumerator when an object lands under incoming/ in the data bucket', () => {
    const buckets = ofType('AWS::S3::Bucket').filter(([id]) => id !== 'ServerlessDeploymentBucket');
    expect(buckets).toHaveLength(1);
    const [, bucket] = buckets[0]!;
    const [notification] = bucket.Properties.NotificationConfiguration.LambdaConfigurations;
    expect(notification.Event).toBe('s3:ObjectCreated:*');
    expect(notification.Filter.S3Key.Rules).toEqual([{ Name: 'prefix', Value: 'incoming/' }]);
    expect(refersTo(notification.Function, 'EnumeratorLambdaFunction')).toBe(true);
  });

  describe('IAM', () => {
    const roles = (): [string, Json][] => ofType('AWS::IAM::Role');
    const statementsOf = (role: Json): Statement[] => policyStatements(template, role);
    const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
    const isLogsStatement = (s: Statement) => asList(s.Action).every((action) => action.startsWith('logs:'));

    /** Why a statement is too broad, or undefined: wildcard actions anywhere, '*' resources outside CloudWatch Logs. */
    function tooBroad(s: Statement): string | undefined {
      for (const action of asList(s.Action)) {
        if (action === '*' || /^[a-z0-9-]+:\*$/i.test(action)) return `action ${action}`;
      }
      if (isLogsStatement(s)) return undefined;
      for (const resource of asList(s.Resource)) {
        if (resource === '*') return "resource '*'";
        if (typeof resource === 'string' && !resource.startsWith('arn:')) return `resource ${resource} is not an ARN`;
        if (typeof resource === 'object' && resource !== null) {
          const [fn] = Object.keys(resource);
          if (!['Fn::GetAtt', 'Fn::Sub', 'Fn::Join', 'Ref'].includes(fn!)) return `resource ${JSON.stringify(resource)}`;
        }
      }
      return undefined;
    }

    it('flags what it must flag (the check itself)', () => {
      expect(tooBroad({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' })).toBe("resource '*'");
      expect(tooBroad({ Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::b/*'] })).toBe('action s3:*');
      expect(tooBroad({ Effect: 'Allow', Action: '*', Resource: ['arn:aws:s3:::b'] })).toBe('action *');
      expect(tooBroad({ Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: '*' })).toBeUndefined();
    });

    it('gives each function its own role and no shared execution role', () => {
      expect(resources.IamRoleLambdaExecution).toBeUndefined();
      expect(fn('Enumerator').Properties.Role).toEqual({ 'Fn::GetAtt': ['EnumeratorRole', 'Arn'] });
      expect(fn('Reader').Properties.Role).toEqual({ 'Fn::GetAtt': ['ReaderRole', 'Arn'] });
      expect(fn('FailureHandler').Properties.Role).toEqual({ 'Fn::GetAtt': ['FailureHandlerRole', 'Arn'] });
    });

    it("has no wildcard action and no '*' resource outside CloudWatch Logs, in any role", () => {
      expect(roles().length).toBeGreaterThanOrEqual(3);
      expect(ofType('AWS::IAM::Policy')).toHaveLength(0);
      expect(ofType('AWS::IAM::ManagedPolicy')).toHaveLength(0);
      const problems: string[] = [];
      for (const [id, role] of roles()) {
        if (role.Properties.ManagedPolicyArns?.length) problems.push(`${id}: managed policies ${JSON.stringify(role.Properties.ManagedPolicyArns)}`);
        for (const statement of statementsOf(role)) {
          const problem = tooBroad(statement);
          if (problem) problems.push(`${id}: ${problem} in ${JSON.stringify(statement)}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('grants each function what it calls, on its own resources', () => {
      const grants = (roleId: string): Map<string, string> => {
        const byAction = new Map<string, string>();
        for (const s of statementsOf(resources[roleId])) for (const a of asList(s.Action)) byAction.set(a, `${byAction.get(a) ?? ''}${JSON.stringify(s.Resource)}`);
        return byAction;
      };
      const enumerator = grants('EnumeratorRole');
      for (const a of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:Query']) expect(enumerator.get(a)).toContain('SplitTable');
      expect(enumerator.get('dynamodb:Query')).toContain(`/index/${STATUS_LEASE_INDEX}`);
      expect(enumerator.get('sqs:SendMessage')).toContain('SplitQueue');
      expect(enumerator.get('sqs:SendMessage')).not.toContain('SplitDeadLetterQueue');
      expect(enumerator.get('s3:ListBucket')).toMatch(/s3:::[a-z0-9.-]+"/);
      expect(enumerator.get('s3:GetObject')).toMatch(/s3:::[a-z0-9.-]+\/incoming\/\*"/);

      const reader = grants('ReaderRole');
      for (const a of ['dynamodb:GetItem', 'dynamodb:UpdateItem']) expect(reader.get(a)).toContain('SplitTable');
      for (const a of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility']) expect(reader.get(a)).toContain('SplitQueue');
      expect(reader.get('sqs:SendMessage')).toContain('SplitDeadLetterQueue');
      expect(reader.get('s3:GetObject')).toBeDefined();
      expect(reader.get('s3:PutObject')).toBeDefined();
      expect(reader.get('dynamodb:PutItem')).toBeUndefined();

      const failureHandler = grants('FailureHandlerRole');
      expect(failureHandler.get('dynamodb:Query')).toContain(`/index/${STATUS_LEASE_INDEX}`);
      expect(failureHandler.get('dynamodb:UpdateItem')).toContain('SplitTable');
      expect(failureHandler.get('dynamodb:GetItem')).toContain('SplitTable'); // read-back after a failed condition
      expect(failureHandler.get('sqs:SendMessage')).toContain('SplitDeadLetterQueue');
      expect([...failureHandler.keys()].filter((a) => a.startsWith('s3:'))).toEqual([]);
    });

    describe('afterFinish: s3:DeleteObject on the input prefix only when the flow deletes or moves its files', () => {
      const moving = tempDir('adf-sls-package-move-');
      let moveTemplate: Json;
      beforeAll(async () => {
        const flow = { name: 'incoming', source: 'file', path: 's3://adf-in/incoming/', sink: 's3', out: 's3://adf-in/out/', deadLetter: 's3://adf-in/dead-letter/', afterFinish: { moveTo: 's3://adf-archive/done/' } };
        moveTemplate = await packageTemplate(moving.dir, [`--param=flow=${JSON.stringify(flow)}`]);
      }, PACKAGE_TIMEOUT_MS);
      afterAll(() => moving.cleanup());

      /** Resources per s3 action of a role, as CloudFormation would create it (conditions applied). */
      const s3Grants = (t: Json, roleId: string): Record<string, string[]> => {
        const byAction: Record<string, string[]> = {};
        for (const s of policyStatements(t, t.Resources[roleId])) {
          for (const a of asList(s.Action)) if (a.startsWith('s3:')) (byAction[a] ??= []).push(...asList(s.Resource).map((r) => JSON.stringify(r)));
        }
        return byAction;
      };
      const objects = (bucketAndPrefix: string) => JSON.stringify({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucketAndPrefix}` });

      it('grants no role s3:DeleteObject on its input when the flow leaves its files (the default flow)', () => {
        // The reader may delete only the sinks' own staged batches (<prefix>.adf-pending/).
        for (const [id] of roles()) for (const r of s3Grants(template, id)['s3:DeleteObject'] ?? []) expect(r).toMatch(/\/(out|dead-letter)\/\.adf-pending\/\*"/);
      });

      it('grants the reader and the failure handler DeleteObject on the input prefix, and PutObject on the archive, for a move', () => {
        for (const id of ['ReaderRole', 'FailureHandlerRole']) {
          const grants = s3Grants(moveTemplate, id);
          expect(grants['s3:DeleteObject']).toEqual(expect.arrayContaining([objects('adf-in/incoming/*')]));
          expect(grants['s3:DeleteObject']!.filter((r) => !r.includes('.adf-pending/'))).toEqual([objects('adf-in/incoming/*')]);
          expect(grants['s3:PutObject']).toEqual(expect.arrayContaining([objects('adf-archive/done/*')]));
          expect(grants['s3:GetObject']).toEqual(expect.arrayContaining([objects('adf-in/incoming/*')]));
        }
        expect(s3Grants(moveTemplate, 'EnumeratorRole')['s3:DeleteObject']).toBeUndefined();
        const problems = Object.keys(moveTemplate.Resources).filter((id) => moveTemplate.Resources[id].Type === 'AWS::IAM::Role')
          .flatMap((id) => policyStatements(moveTemplate, moveTemplate.Resources[id]).map(tooBroad).filter(Boolean));
        expect(problems).toEqual([]);
      });
    });
  });

  describe('hardening (issue: trust boundaries)', () => {
    const statements = (roleId: string): Statement[] => (resources[roleId].Properties.Policies as Json[]).flatMap((p) => p.PolicyDocument.Statement as Statement[]);
    const actionsOf = (roleId: string): string[] => statements(roleId).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
    const resourcesFor = (roleId: string, action: string): string => JSON.stringify(statements(roleId).filter((s) => ([] as string[]).concat(s.Action).includes(action)).map((s) => s.Resource));

    it('declares the data bucket private, encrypted, owner-enforced, versioned with a noncurrent-version lifecycle, and retained', () => {
      const bucket = resources.DataBucket;
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.UpdateReplacePolicy).toBe('Retain');
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toMatch(/^(AES256|aws:kms)$/);
      expect(bucket.Properties.OwnershipControls.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.Properties.LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration.NoncurrentDays).toBeGreaterThan(0);
    });

    it('denies every request to the data bucket that is not TLS', () => {
      const policy = ofType('AWS::S3::BucketPolicy').find(([, p]) => refersTo(p.Properties.Bucket, 'DataBucket'))![1];
      const deny = (policy.Properties.PolicyDocument.Statement as Json[]).find((s) => s.Effect === 'Deny')!;
      expect(deny).toMatchObject({ Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
      expect(JSON.stringify(deny.Resource)).toContain('-data/*');
    });

    it('hardens the deployment bucket too', () => {
      const bucket = resources.ServerlessDeploymentBucket.Properties;
      expect(bucket.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(bucket.BucketEncryption).toBeDefined();
      expect(JSON.stringify(resources.ServerlessDeploymentBucketPolicy.Properties.PolicyDocument)).toContain('aws:SecureTransport');
    });

    it('grants each function exactly the actions its code calls, and no other', () => {
      expect(actionsOf('EnumeratorRole')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket', 'sqs:SendMessage', 'sqs:SendMessage'].sort());
      expect(actionsOf('ReaderRole')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 's3:DeleteObject', 's3:GetObject', 's3:GetObject', 's3:PutObject', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage'].sort());
      expect(actionsOf('FailureHandlerRole')).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:GetQueueAttributes', 'sqs:SendMessage'].sort());
    });

    it('grants S3 by prefix: the reader reads only the input prefix and writes only out/ and dead-letter/, never incoming/', () => {
      expect(resourcesFor('ReaderRole', 's3:GetObject')).toMatch(/-data\/incoming\/\*"/);
      expect(resourcesFor('ReaderRole', 's3:GetObject').replace(/-data\/(out|dead-letter)\/\.adf-pending\/\*/g, '')).not.toMatch(/\/(out|dead-letter)\//);
      const writes = resourcesFor('ReaderRole', 's3:PutObject');
      expect(writes).toMatch(/-data\/out\/\*"/);
      expect(writes).toMatch(/-data\/dead-letter\/\*"/);
      expect(writes).not.toContain('incoming');
      expect(resourcesFor('ReaderRole', 's3:DeleteObject')).not.toContain('incoming'); // the default flow leaves its files in place
      const list = statements('EnumeratorRole').find((s) => ([] as string[]).concat(s.Action).includes('s3:ListBucket')) as Statement & { Condition: Json };
      expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['incoming/', 'incoming/*'] } });
    });

    it('limits every DynamoDB grant to the flow\'s own items (dynamodb:LeadingKeys)', () => {
      for (const role of ['EnumeratorRole', 'ReaderRole', 'FailureHandlerRole']) {
        const dynamo = statements(role).filter((s) => ([] as string[]).concat(s.Action).some((a) => a.startsWith('dynamodb:'))) as (Statement & { Condition?: Json })[];
        expect(dynamo.length).toBeGreaterThan(0);
        for (const s of dynamo) expect(s.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['FLOW#incoming', 'FLOW#incoming#*'] } });
      }
    });

    it('alarms on the DLQ depth, failed splits and failed enumerator runs, with an optional SNS topic', () => {
      const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as Json);
      expect(alarms.map((a) => a.MetricName).sort()).toEqual(['ApproximateNumberOfMessagesVisible', 'ApproximateNumberOfMessagesVisible', 'oldestPendingAgeSeconds', 'splitsFailed']);
      expect(refersTo(alarms, 'SplitDeadLetterQueue')).toBe(true);
      expect(refersTo(alarms, 'EnumeratorFailureQueue')).toBe(true);
      expect(alarms.find((a) => a.MetricName === 'splitsFailed')!.Dimensions).toEqual([{ Name: 'service', Value: 'activedataflow' }, { Name: 'flow', Value: 'incoming' }]);
      for (const a of alarms) expect(JSON.stringify(a.AlarmActions)).toContain('HasAlarmTopic');
    });

    it('alarms on the lag age (the oldest PENDING split) over lagAgeAlarmSeconds, and draws a dashboard of counts, throughput, lag and DLQs', () => {
      const lagAlarm = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as Json).find((a) => a.MetricName === 'oldestPendingAgeSeconds')!;
      expect(lagAlarm).toMatchObject({ Namespace: 'ActiveDataFlow', Threshold: 900, ComparisonOperator: 'GreaterThanThreshold' });
      expect(lagAlarm.Dimensions).toEqual([{ Name: 'service', Value: 'activedataflow' }, { Name: 'flow', Value: 'incoming' }]);
      const dashboards = ofType('AWS::CloudWatch::Dashboard');
      expect(dashboards).toHaveLength(1);
      const [body, vars] = (dashboards[0]![1].Properties as Json).DashboardBody['Fn::Sub'] as [string, Json];
      // What CloudFormation makes of it: the ${...} filled in, then it must be JSON.
      const filled = body.replace(/\$\{([\w:]+)\}/g, (_m, name: string) => (name === 'AWS::Region' ? 'us-east-1' : typeof vars[name] === 'object' ? `${name}-queue` : String(vars[name])));
      const widgets = (JSON.parse(filled) as { widgets: { properties: { metrics: unknown[][] } }[] }).widgets;
      const metricNames = widgets.flatMap((w) => w.properties.metrics.map((m) => m[1]));
      expect(metricNames).toEqual(expect.arrayContaining(['splitsPending', 'splitsFailed', 'recordsIn', 'oldestPendingAgeSeconds', 'bytesRemaining', 'ApproximateNumberOfMessagesVisible']));
      expect(vars.Flow).toBe('incoming');
      expect(refersTo(vars.Dlq, 'SplitDeadLetterQueue')).toBe(true);
    });

    it('reserves one concurrent failure handler, and sends failed enumerator runs to a queue', () => {
      expect(fn('FailureHandler').Properties.ReservedConcurrentExecutions).toBe(1);
      const invokeConfig = ofType('AWS::Lambda::EventInvokeConfig').find(([, c]) => refersTo(c.Properties.FunctionName, 'EnumeratorLambdaFunction'))![1];
      expect(invokeConfig.Properties.DestinationConfig.OnFailure.Destination).toEqual({ 'Fn::GetAtt': ['EnumeratorFailureQueue', 'Arn'] });
      expect(resourcesFor('EnumeratorRole', 'sqs:SendMessage')).toContain('EnumeratorFailureQueue');
    });

    it('keeps point-in-time recovery on the split table in every stage', () => {
      expect(resources.SplitTable.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(resources.SplitTable.Properties.DeletionProtectionEnabled).toBe(false); // true in prod (params.prod)
    });
  });

  describe('bundles', () => {
    const bundle = (zipName: string, entry: string): { js: string; files: string[]; zipBytes: number } => {
      const zipPath = join(out.dir, zipName);
      const files = readZip(readFileSync(zipPath));
      const js = files.get(entry)?.toString('utf8');
      if (js === undefined) throw new Error(`${entry} is not in ${zipName} (has ${[...files.keys()].join(', ')})`);
      return { js, files: [...files.keys()], zipBytes: statSync(zipPath).size };
    };

    it.each([
      ['reader.zip', 'functions/reader.js'],
      ['enumerator.zip', 'functions/enumerator.js'],
      ['failureHandler.zip', 'functions/failure-handler.js'],
    ])('%s is one esbuild bundle: no ioredis, the AWS SDK left to the runtime, ADF_SOURCE fixed at build time', (zipName, entry) => {
      expect(existsSync(join(out.dir, zipName))).toBe(true);
      const { js, files } = bundle(zipName, entry);
      // Nothing installed next to the bundle: everything else is inside it.
      expect(files.filter((f) => f.startsWith('node_modules/'))).toEqual([]);
      // No source map by default: it tripled the zip and slowed cold starts.
      expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
      expect(js).not.toContain('sourceMappingURL');
      const packages = bundledPackages(js);
      expect(packages).not.toContain('ioredis');
      expect(packages.filter((p) => p.startsWith('@aws-sdk/') || p.startsWith('@smithy/'))).toEqual([]);
      expect(packages).toContain('@aws-lambda-powertools/batch');
      expect(externalRequires(js).filter((m) => m === 'ioredis')).toEqual([]);
      expect(externalRequires(js)).toEqual(expect.arrayContaining(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs']));
      expect(js).not.toContain('process.env.ADF_SOURCE');
    });

    it('reader.zip loads only the DynamoDB and SQS clients at module init (S3 waits for the first invocation), and builds no zod schema', async () => {
      const dir = tempDir('adf-reader-init-');
      try {
        const { js } = bundle('reader.zip', 'functions/reader.js');
        mkdirSync(join(dir.dir, 'functions'));
        writeFileSync(join(dir.dir, 'functions', 'reader.js'), js);
        // As on Lambda: the SDK resolves from the runtime's node_modules (NODE_PATH), not from next to the bundle.
        const probe = `const M = require('module'); const load = M._load; const seen = new Set();
          M._load = function (r, ...a) { if (r.startsWith('@aws-sdk/client-')) seen.add(r); return load.call(this, r, ...a); };
          require(${JSON.stringify(join(dir.dir, 'functions', 'reader.js'))}); process.stdout.write(JSON.stringify([...seen].sort()));`;
        // zod is bundled: its module bodies run only when first called (lazySchema), after init.
        expect(zodAtLoad(js)).toEqual([]);
        const { stdout } = await promisify(execFile)(process.execPath, ['-e', probe], { cwd: dir.dir, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } });
        expect(JSON.parse(stdout)).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs']);
      } finally {
        dir.cleanup();
      }
    });
  });
});

/**
 * The zod modules a bundle evaluates while it loads. esbuild inlines a module that is imported
 * (it runs at load, in order) and wraps one that is only required in `__commonJS`/`__esm` (it
 * runs when first called). Offenders: a zod module that is not wrapped, and a call of a zod
 * wrapper at the top level of the file.
 */
function zodAtLoad(js: string): string[] {
  const lines = js.split('\n');
  const offenders: string[] = [];
  const wrappers = new Set<string>();
  lines.forEach((line, i) => {
    const module = /^\/\/ (?:[^\n]*\/)?node_modules\/zod\/(.*)$/.exec(line);
    if (!module) return;
    const wrapper = /^var ((?:require|init)_\w+) = __(?:commonJS|esm)\(/.exec(lines[i + 1] ?? '');
    if (wrapper) wrappers.add(wrapper[1]!);
    else offenders.push(`zod/${module[1]} inlined (evaluated at load)`);
  });
  for (const line of lines) {
    const call = /^(?:var \w+ = )?(?:__toESM\()?((?:require|init)_\w+)\(\)/.exec(line);
    if (call && wrappers.has(call[1]!)) offenders.push(`top-level call: ${line.trim()}`);
  }
  return offenders;
}

/** `serverless package --stage ci` into `dir` (offline), with extra arguments; the CloudFormation template. */
async function packageTemplate(dir: string, args: string[] = []): Promise<Json> {
  await promisify(execFile)('npx', ['--no', 'serverless', 'package', '--stage', 'ci', '--package', dir, ...args], {
    cwd: ROOT,
    timeout: PACKAGE_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
    env: {
      ...process.env,
      // Packaging needs no AWS account; fake keys keep the framework from looking for one.
      AWS_ACCESS_KEY_ID: 'fake',
      AWS_SECRET_ACCESS_KEY: 'fake',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      CI: 'true',
    },
  });
  return JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Json;
}

/**
 * A role's policy statements as CloudFormation creates them: `Fn::If` on one of the template's
 * conditions (an `Fn::Equals` of two literals once packaged) picks its branch, AWS::NoValue drops it.
 */
function policyStatements(template: Json, role: Json): Statement[] {
  const holds = (name: string): boolean => {
    const [a, b] = (template.Conditions?.[name] as Json | undefined)?.['Fn::Equals'] ?? [];
    if (typeof a !== 'string' || typeof b !== 'string') throw new Error(`condition ${name} is not an Fn::Equals of two literals: ${JSON.stringify(template.Conditions?.[name])}`);
    return a === b;
  };
  const resolve = (items: Json[]): Json[] =>
    items.flatMap((item) => {
      const branch = item['Fn::If'] as [string, Json, Json] | undefined;
      if (branch === undefined) return [item];
      const chosen = holds(branch[0]) ? branch[1] : branch[2];
      return chosen.Ref === 'AWS::NoValue' ? [] : resolve([chosen]);
    });
  return resolve(role.Properties.Policies ?? []).flatMap((policy) => resolve(policy.PolicyDocument.Statement as Json[]) as unknown as Statement[]);
}

/** The npm packages esbuild put into a bundle: it marks each bundled module with `// […/]node_modules/<package>/…`. */
function bundledPackages(js: string): string[] {
  const names = new Set<string>();
  for (const match of js.matchAll(/^\/\/ (?:[^\n]*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) names.add(match[1]!);
  return [...names].sort();
}

/** Packages the bundle leaves to the runtime: `require("<package>")` calls for non-builtin modules. */
function externalRequires(js: string): string[] {
  const names = new Set<string>();
  for (const match of js.matchAll(/require\("([^".][^"]*)"\)/g)) if (!match[1]!.startsWith('node:')) names.add(match[1]!);
  return [...names].sort();
}

describe('serverless package: source maps only when asked', () => {
  it('by default starts Node without --enable-source-maps; with sourceMaps=true ships the map and turns them on', async () => {
    const off = tempDir('adf-sls-nomaps-');
    const on = tempDir('adf-sls-maps-');
    try {
      const [plain, mapped] = [await packageTemplate(off.dir), await packageTemplate(on.dir, ['--param=sourceMaps=true'])];
      const nodeOptions = (t: Json) => (t.Resources as Json).ReaderLambdaFunction.Properties.Environment.Variables.NODE_OPTIONS as string;
      expect(nodeOptions(plain)).not.toContain('--enable-source-maps');
      expect(nodeOptions(mapped)).toBe('--enable-source-maps');
      const files = readZip(readFileSync(join(on.dir, 'reader.zip')));
      expect([...files.keys()]).toContain('functions/reader.js.map');
      expect(files.get('functions/reader.js')!.toString('utf8')).toContain('sourceMappingURL=reader.js.map');
    } finally {
      off.cleanup();
      on.cleanup();
    }
  }, 2 * PACKAGE_TIMEOUT_MS);
});

describe('serverless package with a flow the stack cannot serve', () => {
  it('fails with one message naming the problem instead of deploying a flow without its grants', async () => {
    const out = tempDir('adf-sls-bad-');
    const flow = JSON.stringify({ name: 'local', source: 'file', path: '/data/in', sink: 's3', out: 's3://my-bucket/out/', deadLetter: 's3://my-bucket/dead/' });
    const run = promisify(execFile)('npx', ['--no', 'serverless', 'package', '--stage', 'ci', '--package', out.dir, `--param=flow=${flow}`], {
      cwd: ROOT,
      timeout: PACKAGE_TIMEOUT_MS,
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'fake', AWS_SECRET_ACCESS_KEY: 'fake', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', CI: 'true' },
    });
    await expect(run).rejects.toMatchObject({ stdout: expect.stringContaining('"path" must be an s3:// URI on Lambda') });
    out.cleanup();
  }, PACKAGE_TIMEOUT_MS);
});
