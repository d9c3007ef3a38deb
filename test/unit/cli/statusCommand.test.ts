import type { EnumeratorRow } from '../../../lib/coordination/ServerlessSplitStore';
import type { SplitRow } from '../../../lib/coordination/SplitStore';
import { collectStatus, completeness, formatStatusTable, noSuchFlowError, parseStatusArgs, summarizeCheckpoint, truncate } from '../../../lib/cli/statusCommand';
import { ConfigError } from '../../../lib/errors';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

function row(overrides: Partial<SplitRow> & { splitId: string }): SplitRow {
  return {
    split: { splitId: overrides.splitId, version: 1, data: { splitId: overrides.splitId, path: `s3://b/in/${overrides.splitId}`, format: 'csv', start: 0, end: -1, offset: 692, line: 102, records: 100 } },
    status: 'PENDING',
    leaseToken: 0,
    attempts: 0,
    records: 0,
    badRecords: 0,
    updatedAt: NOW,
    ...overrides,
  };
}

/** The two store calls `adf status` makes, without DynamoDB. */
function fakeStore(rows: SplitRow[], enumerator?: EnumeratorRow<unknown>) {
  return {
    async *list() {
      yield* rows;
    },
    async getEnumeratorRow<C>() {
      return enumerator as EnumeratorRow<C> | undefined;
    },
  };
}

const ROWS = [
  row({ splitId: 'a.csv', status: 'FINISHED', leaseToken: 3, records: 100, badRecords: 2 }),
  row({ splitId: 'b.csv', status: 'ASSIGNED', leaseOwner: '8f2c1a9e-5b7d-4c3e-9a1b-2d3e4f5a6b7c', leaseToken: 1, leaseExpiresAt: NOW + 42_000, records: 10 }),
  row({ splitId: 'c.csv', status: 'FAILED', leaseToken: 4, attempts: 3, lastError: 'lease expired before the reader committed (timeout or crash)\nat line 2' }),
];

describe('collectStatus', () => {
  it('counts rows by status and sums records', async () => {
    const report = await collectStatus(fakeStore(ROWS, { noMoreSplits: true, complete: false, cursor: 'c.csv', updatedAt: NOW }), 'orders', 'adf-splits');

    expect(report.counts).toEqual({ PENDING: 0, ASSIGNED: 1, FINISHED: 1, FAILED: 1, total: 3 });
    expect(report).toMatchObject({ flow: 'orders', table: 'adf-splits', records: 110, badRecords: 2, enumerator: { cursor: 'c.csv' } });
    expect(report.splits).toHaveLength(3);
  });
});

describe('formatStatusTable', () => {
  it('prints the counts, the enumerator row and one aligned line per split', async () => {
    const report = await collectStatus(fakeStore(ROWS, { noMoreSplits: true, complete: false, cursor: 'c.csv', updatedAt: NOW }), 'orders', 'adf-splits');

    const text = formatStatusTable(report, NOW);

    expect(text).toBe(
      [
        'flow orders · table adf-splits',
        'splits 3: PENDING 0 · ASSIGNED 1 · FINISHED 1 · FAILED 1 · records 110 · bad records 2',
        'enumerator: discovery done (no more splits) · complete: no (1 split(s) PENDING or ASSIGNED) · cursor "c.csv" · updated 2026-01-02T03:04:05.000Z',
        'lag: 0 bytes remaining · oldest PENDING split waiting 0s',
        '',
        'SPLIT  STATUS    OWNER          LEASE  TOKEN  CHECKPOINT                                       ATTEMPTS  RECORDS  LAG  ERROR',
        'a.csv  FINISHED                            3  start=0 end=-1 offset=692 line=102 records=100…         0      100',
        'b.csv  ASSIGNED  8f2c1a9e-5b7…  42s        1  start=0 end=-1 offset=692 line=102 records=100…         0       10',
        'c.csv  FAILED                              4  start=0 end=-1 offset=692 line=102 records=100…         3        0       lease expired before the reader committed (timeout or crash…',
        '',
      ].join('\n'),
    );
  });

  it('says when the enumerator has not run and there are no splits', async () => {
    const text = formatStatusTable(await collectStatus(fakeStore([]), 'orders', 't'), NOW);
    expect(text).toBe('flow orders · table t\nsplits 0: PENDING 0 · ASSIGNED 0 · FINISHED 0 · FAILED 0 · records 0 · bad records 0\nenumerator: not run yet\nlag: 0 bytes remaining · oldest PENDING split waiting 0s\n');
  });

  it('shows an expired lease', async () => {
    const expired = row({ splitId: 'x', status: 'ASSIGNED', leaseOwner: 'o', leaseExpiresAt: NOW - 5_000 });
    expect(formatStatusTable(await collectStatus(fakeStore([expired]), 'f', 't'), NOW)).toContain('expired 5s ago');
  });
});

describe('summarizeCheckpoint', () => {
  it('puts numbers first and leaves out what repeats the split id', () => {
    expect(summarizeCheckpoint(ROWS[0]!)).toBe('start=0 end=-1 offset=692 line=102 records=100 format=csv');
  });

  it('prefers an explicit position', () => {
    const stream = row({ splitId: 'orders-0', split: { splitId: 'orders-0', version: 1, data: { splitId: 'orders-0', position: { lastId: '1700000000000-3' } } } });
    expect(summarizeCheckpoint(stream)).toBe('{"lastId":"1700000000000-3"}');
  });
});

describe('truncate', () => {
  it('marks the cut and flattens newlines', () => {
    expect(truncate('abc\ndef', 10)).toBe('abc def');
    expect(truncate('abcdefghijkl', 5)).toBe('abcd…');
  });
});

describe('parseStatusArgs', () => {
  it('reads the flow, --table and --json', () => {
    expect(parseStatusArgs(['orders', '--json', '--table', 'adf-splits'])).toEqual({ flow: 'orders', table: 'adf-splits', json: true, verbose: false, help: false });
    expect(parseStatusArgs([])).toMatchObject({ flow: undefined, json: false });
  });

  it.each([
    [['a', 'b'], 'adf status takes one flow name (got a b)'],
    [['--bogus'], 'unknown flag --bogus'],
  ])('rejects %j', (args, message) => {
    expect(() => parseStatusArgs(args)).toThrow(ConfigError);
    expect(() => parseStatusArgs(args)).toThrow(message);
  });
});

describe('completeness', () => {
  const counts = (open: number, failed = 0) => ({ PENDING: open, ASSIGNED: 0, FINISHED: 5, FAILED: failed, total: 5 + open + failed });

  it('says yes once every split ended, though the enumerator row (written at its last run) still says no', () => {
    expect(completeness({ noMoreSplits: true, complete: false, updatedAt: NOW }, counts(0))).toBe('complete: yes');
    expect(completeness({ noMoreSplits: true, complete: false, updatedAt: NOW }, counts(0, 2))).toBe('complete: yes, 2 split(s) FAILED');
  });

  it('says why not otherwise', () => {
    expect(completeness({ noMoreSplits: true, complete: false, updatedAt: NOW }, counts(3))).toBe('complete: no (3 split(s) PENDING or ASSIGNED)');
    expect(completeness({ noMoreSplits: false, complete: false, updatedAt: NOW }, counts(0))).toBe('complete: no (discovery goes on: more splits may come)');
  });
});

describe('noSuchFlowError', () => {
  it('names the flows that are there, exits 1 (not a usage error)', () => {
    const error = noSuchFlowError('ordres', 'adf-splits', ['invoices', 'orders']);
    expect(error).not.toBeInstanceOf(ConfigError);
    expect(error.message).toBe('no flow "ordres" in the split table adf-splits (flows there: invoices, orders)');
    expect(noSuchFlowError('x', 't', []).message).toBe('no flow "x" in the split table t (it holds no flow yet)');
  });
});
