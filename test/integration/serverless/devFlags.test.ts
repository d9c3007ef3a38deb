/**
 * `adf dev` with the flag form of adf run (no --flow-json): the default name, and bad records
 * reported with where they went — a directory of the flow's own, not a hidden /tmp one.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureResources } from '../../../lib/aws/resources';
import { readJsonlDir, runAdfAsync } from '../../helpers/adfCli';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { tempDir } from '../../helpers/tmp';

describe('adf dev --source … (the flags of adf run)', () => {
  const aws = useAwsTestEnv({ dynamodb: 'dynalite' });
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('--once: named <source>-to-<sink>, bad records counted and kept under .adf/<flow>/dead-letter, exit 1', async () => {
    const shared = await ensureResources(aws().clients, aws().names);
    const data = join(tmp.dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'a.csv'), 'id,v\n1,a\n2\n3,c\n');
    const out = join(tmp.dir, 'out');

    const r = await runAdfAsync(['dev', '--once', '--source', 'file', '--path', data, '--out', out, '--batch-size', '100', '--quiet'], {
      cwd: tmp.dir,
      env: { ...aws().environment, ADF_SPLIT_TABLE: shared.tableName, ADF_SPLIT_QUEUE_URL: shared.queueUrl, ADF_DLQ_URL: shared.dlqUrl, ADF_FLOW: '' },
    });

    expect(r.code).toBe(1);
    const deadLetter = join(tmp.dir, '.adf', 'file-to-jsonl', 'dead-letter');
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ errors: 0, records: 2, badRecords: 1, deadLetter });
    expect(r.stderr).toContain('flow file-to-jsonl');
    expect(r.stderr).toContain(`1 bad record(s) written to ${deadLetter}`);
    expect(readJsonlDir(out)).toHaveLength(2);
    expect(existsSync(deadLetter) && readdirSync(deadLetter).length).toBeGreaterThan(0);
  }, 120_000);
});
