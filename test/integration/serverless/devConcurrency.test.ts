/**
 * `adf dev` runs reader invocations side by side, as Lambda does (serverless.yml's
 * readerConcurrency): a reader invocation holds a busy stream split for its whole time, so with
 * one poller a second busy partition waited for the first's invocation to end (reader timeout
 * minus its margin) before any of its entries were read.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureResources } from '../../../lib/aws/resources';
import { ADF_BIN, readJsonlDir } from '../../helpers/adfCli';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { tempDir } from '../../helpers/tmp';
import { useRedisServer } from '../../helpers/useRedisServer';

const redis = useRedisServer();

describe('adf dev with two busy stream partitions', () => {
  const aws = useAwsTestEnv({ dynamodb: 'dynalite' });
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('reads both while each keeps its invocation busy, instead of one after the other', async () => {
    const shared = await ensureResources(aws().clients, aws().names);
    const out = join(tmp.dir, 'out');
    await redis.client.hset('busy:meta', 'partitions', '2', 'created', String(Date.now()));
    // Reader timeout 40 s (a hold of up to 30 s): one poller would leave partition 1 unread for that long.
    const child = spawn(process.execPath, [ADF_BIN, 'dev', '--source', 'rafka', '--redis-url', redis.url, '--topic', 'busy', '--partitions', '2', '--out', out, '--reader-timeout', '40', '--quiet'], {
      cwd: tmp.dir,
      env: { ...process.env, ...aws().environment, ADF_FLOW: '', ADF_SPLIT_TABLE: shared.tableName, ADF_SPLIT_QUEUE_URL: shared.queueUrl, ADF_DLQ_URL: shared.dlqUrl, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise((done) => child.on('exit', done));
    const partitionsSeen = () => new Set(readJsonlDir(out).map((r) => r.id.split('@')[0]));
    try {
      // Both partitions busy (an entry every 200 ms each, never idle for idleWaitMs): once the first
      // entry is out (adf dev started), the other partition must follow within 8 s, not 30.
      let firstOut: number | undefined;
      let both = false;
      const started = Date.now();
      for (let i = 0; Date.now() - started < 60_000 && !both && (firstOut === undefined || Date.now() - firstOut < 8_000); i++) {
        await redis.client.xadd('busy:0', '*', 'n', String(i));
        await redis.client.xadd('busy:1', '*', 'n', String(i));
        await sleep(200);
        const seen = partitionsSeen().size;
        if (seen > 0) firstOut ??= Date.now();
        both = seen === 2;
      }

      expect({ started: firstOut !== undefined, both, stderr: both ? '' : stderr }).toEqual({ started: true, both: true, stderr: '' });
    } finally {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
