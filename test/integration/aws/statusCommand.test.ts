/**
 * `adf status` against a real split table (dynalite): a flow name that is not there exits 1
 * naming the flows that are; a finished flow says complete although the enumerator row,
 * written at its last run while splits were running, still says no.
 */
import { ensureSplitTable } from '../../../lib/aws/resources';
import { DynamoSplitStore } from '../../../lib/coordination/aws';
import { runAdfAsync } from '../../helpers/adfCli';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { testSplit } from '../../helpers/splitStoreContract';

describe('adf status', () => {
  const aws = useAwsTestEnv({ dynamodb: 'dynalite' });

  beforeAll(async () => {
    await ensureSplitTable(aws().clients.dynamodb, aws().names.tableName);
    for (const flow of ['orders', 'invoices']) {
      const store = new DynamoSplitStore({ client: aws().clients.documents, tableName: aws().names.tableName, flow });
      await store.createSplits([testSplit('a')]);
      await store.putEnumeratorRow({ noMoreSplits: true, complete: false });
      const claimed = await store.claim('a', 'r0', 60_000);
      await store.commit(claimed!.lease, { split: testSplit('a', 1), finished: true, records: 1, badRecords: 0 });
    }
  }, 60_000);

  const status = (...args: string[]) => runAdfAsync(['status', ...args, '--table', aws().names.tableName], { env: { ...aws().environment, ADF_FLOW: '' } });

  it('a flow that is not in the table: exit 1, one line naming the flows that are', async () => {
    const r = await status('ordres');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`adf: no flow "ordres" in the split table ${aws().names.tableName} (flows there: invoices, orders)`]);
    expect(r.stdout).toBe('');
  });

  it('a finished flow is complete, whatever the enumerator saw at its last run', async () => {
    const r = await status('orders');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('complete: yes');
  });
});
