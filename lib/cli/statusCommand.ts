import type { EnumeratorRow, ServerlessSplitStore, SplitCounts } from '../coordination/ServerlessSplitStore';
import type { SplitRow } from '../coordination/SplitStore';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { flowLag, splitLag, type FlowLag, type SplitLag } from '../coordination/SplitLag';
import { readStateDir } from './status/readStateDir';
import { withRafkaLag } from './status/rafkaLag';
import { AdfError, ConfigError } from '../errors';
import { STATUS_HELP } from './help';
import { parseCommandArgs } from './parseCommandArgs';

export interface StatusCommand {
  /** Undefined: the name in ADF_FLOW. */
  readonly flow?: string;
  /** Undefined: ADF_SPLIT_TABLE. */
  readonly table?: string;
  /** The embedded state dir instead of the table (read without its lock: works during a run). */
  readonly stateDir?: string;
  /** A Rafka flow's Redis, for entries behind (default ADF_REDIS_URL). */
  readonly redisUrl?: string;
  readonly json: boolean;
  readonly verbose: boolean;
  readonly help: boolean;
}

/** A flow's state in the split table, as `adf status` prints it. */
export interface StatusReport {
  readonly flow: string;
  readonly table: string;
  readonly counts: SplitCounts & { readonly total: number };
  readonly records: number;
  readonly badRecords: number;
  readonly enumerator?: EnumeratorRow<unknown>;
  /** Bytes left in file splits, entries behind in Rafka partitions, age of the oldest PENDING split. */
  readonly lag: FlowLag;
  readonly splits: readonly (SplitRow & { readonly lag: SplitLag })[];
}

/** Column widths in the table; the full values are in `--json`. */
export const STATUS_COLUMN_LIMITS = {
  splitId: 48,
  owner: 13,
  checkpoint: 48,
  error: 60,
} as const;

const OPTIONS = {
  table: { type: 'string' },
  'state-dir': { type: 'string' },
  'redis-url': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseStatusArgs(args: string[]): StatusCommand {
  const { values: v, positionals } = parseCommandArgs('status', { args, options: OPTIONS, allowPositionals: true });
  if (positionals.length > 1) throw new ConfigError(`adf status takes one flow name (got ${positionals.join(' ')})`);
  return { flow: positionals[0], table: v.table, stateDir: v['state-dir'], redisUrl: v['redis-url'] ?? process.env.ADF_REDIS_URL, json: v.json ?? false, verbose: v.verbose ?? false, help: v.help ?? false };
}

/** Reads every split row (one strongly consistent pass) and the enumerator row. */
export async function collectStatus(
  store: Pick<ServerlessSplitStore, 'list' | 'getEnumeratorRow'>,
  flow: string,
  table: string,
  now = Date.now(),
): Promise<StatusReport> {
  const splits: (SplitRow & { lag: SplitLag })[] = [];
  for await (const row of store.list()) splits.push({ ...row, lag: splitLag(row) });
  const counts = { PENDING: 0, ASSIGNED: 0, FINISHED: 0, FAILED: 0 };
  let records = 0;
  let badRecords = 0;
  for (const row of splits) {
    counts[row.status]++;
    records += row.records;
    badRecords += row.badRecords;
  }
  const enumerator = await store.getEnumeratorRow<unknown>();
  return { flow, table, counts: { ...counts, total: splits.length }, records, badRecords, ...(enumerator ? { enumerator } : {}), lag: flowLag(splits, now), splits };
}

/**
 * The checkpoint in a few characters: the split's `position` if it has one, else its scalar
 * fields (numbers first), leaving out what repeats the split id (paths), long strings and lists
 * (headers).
 */
export function summarizeCheckpoint(row: SplitRow): string {
  const data = row.split.data as Record<string, unknown>;
  if (typeof data.position === 'object' && data.position !== null) return JSON.stringify(data.position);
  const entries = Object.entries(data).filter(([key, value]) => {
    if (key === 'splitId') return false;
    if (typeof value === 'number' || typeof value === 'boolean') return true;
    return typeof value === 'string' && value !== '' && value.length <= 32 && !value.includes(row.splitId);
  });
  entries.sort(([, a], [, b]) => Number(typeof a === 'string') - Number(typeof b === 'string'));
  return entries.map(([key, value]) => `${key}=${String(value)}`).join(' ');
}

/** `text` cut to `max` characters, the cut marked with an ellipsis; newlines become spaces. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

function lease(row: SplitRow, now: number): string {
  if (row.status !== 'ASSIGNED' || row.leaseExpiresAt === undefined) return '';
  const seconds = Math.round((row.leaseExpiresAt - now) / 1000);
  return seconds >= 0 ? `${seconds}s` : `expired ${-seconds}s ago`;
}

function enumeratorLine(row: EnumeratorRow<unknown> | undefined, counts: StatusReport['counts']): string {
  if (!row) return 'enumerator: not run yet';
  const discovery = row.noMoreSplits ? 'discovery done (no more splits)' : row.cursor === undefined ? 'discovering' : 'discovering (cursor saved)';
  const cursor = row.cursor === undefined ? '' : ` · cursor ${truncate(JSON.stringify(row.cursor), 40)}`;
  return `enumerator: ${discovery} · ${completeness(row, counts)}${cursor} · updated ${new Date(row.updatedAt).toISOString()}`;
}

/**
 * Whether the flow is done, judged from the rows read now. The enumerator row's own
 * `complete` is what it saw at its last run, often while splits were still running: it said
 * "no" after everything had finished, until the next scheduled run.
 */
export function completeness(row: EnumeratorRow<unknown>, counts: StatusReport['counts']): string {
  const open = counts.PENDING + counts.ASSIGNED;
  // An unbounded source (a live topic) never says "no more splits": it is never complete.
  if (!row.noMoreSplits) return 'complete: no (discovery goes on: more splits may come)';
  if (open > 0) return `complete: no (${open} split(s) PENDING or ASSIGNED)`;
  return counts.FAILED > 0 ? `complete: yes, ${counts.FAILED} split(s) FAILED` : 'complete: yes';
}

function lagLine(lag: FlowLag): string {
  const entries = lag.entriesBehind === undefined ? '' : ` · ${lag.entriesBehind} entries behind`;
  return `lag: ${lag.bytesRemaining} bytes remaining${entries} · oldest PENDING split waiting ${lag.oldestPendingAgeSeconds}s`;
}

function lagCell(lag: SplitLag): string {
  if (lag.entriesBehind !== undefined) return `${lag.entriesBehindCapped ? '≥' : ''}${lag.entriesBehind} entries`;
  return lag.bytesRemaining === undefined ? '' : `${lag.bytesRemaining} B`;
}

/** The human form: a header line, the counts, the enumerator row, then one line per split. */
export function formatStatusTable(report: StatusReport, now = Date.now()): string {
  const { counts } = report;
  const lines = [
    `flow ${report.flow} · table ${report.table}`,
    `splits ${counts.total}: PENDING ${counts.PENDING} · ASSIGNED ${counts.ASSIGNED} · FINISHED ${counts.FINISHED} · FAILED ${counts.FAILED} · records ${report.records} · bad records ${report.badRecords}`,
    ...(report.table.startsWith('state dir ') ? [] : [enumeratorLine(report.enumerator, counts)]),
    lagLine(report.lag),
  ];
  if (report.splits.length === 0) return `${lines.join('\n')}\n`;
  const header = ['SPLIT', 'STATUS', 'OWNER', 'LEASE', 'TOKEN', 'CHECKPOINT', 'ATTEMPTS', 'RECORDS', 'LAG', 'ERROR'];
  const rows = report.splits.map((row) => [
    truncate(row.splitId, STATUS_COLUMN_LIMITS.splitId),
    row.status,
    truncate(row.leaseOwner ?? '', STATUS_COLUMN_LIMITS.owner),
    lease(row, now),
    String(row.leaseToken),
    truncate(summarizeCheckpoint(row), STATUS_COLUMN_LIMITS.checkpoint),
    String(row.attempts),
    String(row.records),
    lagCell(row.lag),
    truncate(row.lastError ?? '', STATUS_COLUMN_LIMITS.error),
  ]);
  const numeric = new Set([4, 6, 7, 8]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const render = (cells: string[]) =>
    cells
      .map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  lines.push('', render(header), ...rows.map(render));
  return `${lines.join('\n')}\n`;
}

/** `adf status [flow]`: the flow's splits from the split table (DynamoDB), as a table or `--json`. */
export async function statusCommand(args: string[]): Promise<number> {
  const cmd = parseStatusArgs(args);
  if (cmd.help) {
    process.stdout.write(STATUS_HELP);
    return 0;
  }
  if (cmd.stateDir !== undefined) {
    const report = await withRafkaLag(await readStateDir(cmd.stateDir, cmd.flow), cmd.redisUrl);
    process.stdout.write(cmd.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatusTable(report));
    return 0;
  }
  const flow = cmd.flow ?? flowNameFromEnv();
  const table = cmd.table ?? process.env.ADF_SPLIT_TABLE;
  if (!table) throw new ConfigError('adf status needs the split table (--table NAME or ADF_SPLIT_TABLE) or --state-dir DIR', { context: { field: 'table' } });
  // Loaded on use: the rest of the CLI does not need the DynamoDB client.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { DynamoSplitStore } = require('../coordination/DynamoSplitStore') as typeof import('../coordination/DynamoSplitStore');
  const { sharedDocumentClient } = require('../aws/dynamoDbClient') as typeof import('../aws/dynamoDbClient');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const store = new DynamoSplitStore({ client: sharedDocumentClient(), tableName: table, flow });
  const collected = await collectStatus(store, flow, table);
  if (collected.splits.length === 0 && collected.enumerator === undefined) throw noSuchFlowError(flow, table, await listFlows(sharedDocumentClient(), table));
  const report = await withRafkaLag(collected, cmd.redisUrl);
  process.stdout.write(cmd.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatusTable(report));
  return 0;
}

function flowNameFromEnv(): string {
  const raw = process.env.ADF_FLOW;
  if (raw) {
    try {
      const name = (JSON.parse(raw) as { name?: unknown }).name;
      if (typeof name === 'string' && name !== '') return name;
    } catch {
      // fall through to the usage error
    }
  }
  throw new ConfigError('adf status needs a flow name: adf status <flow> (or ADF_FLOW with a "name")', { context: { field: 'flow' } });
}

/**
 * The flows that have an enumerator row in the table. A scan, but only when the flow asked
 * for is not there: naming the ones that are beats printing zeros for a typo.
 */
export async function listFlows(client: Pick<DynamoDBDocumentClient, 'send'>, table: string): Promise<string[]> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { ScanCommand } = require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb');
  const { ENUMERATOR_SORT_KEY, FLOW_KEY_PREFIX } = require('../aws/splitTable') as typeof import('../aws/splitTable');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const flows = new Set<string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ProjectionExpression: 'pk', FilterExpression: 'sk = :e', ExpressionAttributeValues: { ':e': ENUMERATOR_SORT_KEY }, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) if (typeof item.pk === 'string' && item.pk.startsWith(FLOW_KEY_PREFIX)) flows.add(item.pk.slice(FLOW_KEY_PREFIX.length));
    start = page.LastEvaluatedKey;
  } while (start);
  return [...flows].sort();
}

/** `adf status <typo>` exits 1 naming what is there, rather than 0 with zeros. */
export function noSuchFlowError(flow: string, table: string, flows: readonly string[]): AdfError {
  const there = flows.length === 0 ? 'it holds no flow yet' : `flows there: ${flows.join(', ')}`;
  return new AdfError(`no flow "${flow}" in the split table ${table} (${there})`, { context: { field: 'flow' } });
}
