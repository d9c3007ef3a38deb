import type { SplitRow } from '../coordination/SplitStore';
import { SplitStatus } from '../coordination/SplitStore';
import { ConfigError } from '../errors';
import { openAdminStore, type AdminStore } from './admin/AdminStore';
import { auditLine, confirmChanges } from './admin/confirmChanges';
import { latestStreamId, resetPosition } from './admin/resetPosition';
import { ADMIN_HELP } from './help';
import { parseCommandArgs } from './parseCommandArgs';

const STORE_OPTIONS = {
  'state-dir': { type: 'string' },
  table: { type: 'string' },
  'queue-url': { type: 'string' },
  'dlq-url': { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  help: { type: 'boolean', short: 'h' },
} as const;

type AdminCommand = 'retry' | 'reset' | 'forget' | 'redrive';

const OPTIONS = {
  retry: { ...STORE_OPTIONS, split: { type: 'string' }, failed: { type: 'boolean' } },
  reset: { ...STORE_OPTIONS, split: { type: 'string' }, to: { type: 'string' }, force: { type: 'boolean' }, 'redis-url': { type: 'string' } },
  forget: { ...STORE_OPTIONS, split: { type: 'string' }, 'finished-before': { type: 'string' } },
  redrive: { ...STORE_OPTIONS },
} as const;

export const ADMIN_COMMANDS: readonly string[] = Object.keys(OPTIONS);

/** `adf retry | reset | forget | redrive`: returns the exit code; what changed goes to stdout, one line per split. */
export async function adminCommand(command: AdminCommand, args: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(command, { args, options: OPTIONS[command] as typeof OPTIONS.reset & typeof OPTIONS.retry & typeof OPTIONS.forget, allowPositionals: true });
  if (v.help) {
    process.stdout.write(ADMIN_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new ConfigError(`adf ${command} takes one flow name (got ${positionals.join(' ')})`);
  const store = await openAdminStore({ flow: positionals[0], stateDir: v['state-dir'], table: v.table, queueUrl: v['queue-url'], dlqUrl: v['dlq-url'] }, command);
  try {
    const yes = v.yes ?? false;
    if (command === 'retry') return await retry(store, v.split, v.failed ?? false, yes);
    if (command === 'reset') return await reset(store, v.split, v.to, v.force ?? false, v['redis-url']);
    if (command === 'forget') return await forget(store, v.split, v['finished-before'], yes);
    return await redrive(store, yes);
  } finally {
    await store.close();
  }
}

/** FAILED → PENDING for each split of `ids` (all FAILED ones without); prints each change. */
export async function retrySplits(store: AdminStore, ids: readonly string[] | undefined, yes: boolean, command = 'retry'): Promise<SplitRow[]> {
  const rows = await store.list();
  const chosen = ids === undefined ? rows.filter((r) => r.status === SplitStatus.FAILED) : ids.map((id) => rows.find((r) => r.splitId === id) ?? missing(id, store));
  for (const row of chosen) if (row.status !== SplitStatus.FAILED) throw new ConfigError(`split ${row.splitId} is ${row.status}, not FAILED: nothing to retry`, { context: { field: 'split' } });
  if (!(await confirmChanges(command, chosen.length, yes))) return [];
  const changed: SplitRow[] = [];
  for (const row of chosen) {
    const after = await store.retry(row.splitId, auditLine(`adf ${command}: FAILED → PENDING (attempts ${row.attempts} reset; last error: ${row.lastError ?? 'none'})`));
    if (!after) {
      process.stdout.write(`${row.splitId}: not retried, it changed meanwhile (see adf status)\n`);
      continue;
    }
    await store.wake(after);
    process.stdout.write(`${row.splitId}: FAILED → PENDING (attempts ${row.attempts} → 0) in ${store.where}\n`);
    changed.push(after);
  }
  return changed;
}

async function retry(store: AdminStore, split: string | undefined, failed: boolean, yes: boolean): Promise<number> {
  if ((split === undefined) === !failed) throw new ConfigError('adf retry needs --split ID or --failed (every FAILED split)', { context: { field: 'split' } });
  const changed = await retrySplits(store, split === undefined ? undefined : [split], yes);
  if (changed.length === 0 && failed) process.stdout.write(`no FAILED splits in ${store.where}\n`);
  return 0;
}

async function reset(store: AdminStore, splitId: string | undefined, to: string | undefined, force: boolean, redisUrl: string | undefined): Promise<number> {
  if (!splitId || !to) throw new ConfigError('adf reset needs --split ID and --to earliest|latest|<entry id>', { context: { field: splitId ? 'to' : 'split' } });
  const row = (await store.list()).find((r) => r.splitId === splitId) ?? missing(splitId, store);
  const held = row.status === SplitStatus.ASSIGNED && (row.leaseExpiresAt ?? 0) >= Date.now();
  if (held && !force) throw new ConfigError(`split ${splitId} is held by ${row.leaseOwner ?? 'a reader'} until ${new Date(row.leaseExpiresAt!).toISOString()}: stop it first, or --force (its next commit is then refused)`, { context: { field: 'force' } });
  const data = row.split.data as Record<string, unknown>;
  const url = redisUrl ?? process.env.ADF_REDIS_URL ?? process.env.REDIS_URL;
  const latest = to === 'latest' && typeof data.streamKey === 'string' && url ? await latestStreamId(url, data.streamKey) : undefined;
  const split = resetPosition(row, to, latest);
  const from = JSON.stringify(positionOf(row.split.data));
  const target = JSON.stringify(positionOf(split.data));
  const after = await store.reset(row, split, force, auditLine(`adf reset --to ${to}: ${row.status} at ${from} → PENDING at ${target}${force ? ' (forced)' : ''}`));
  if (!after) throw new ConfigError(`split ${splitId} changed meanwhile (a reader claimed or committed it): look again with adf status`);
  await store.wake(after);
  process.stdout.write(`${splitId}: ${row.status} at ${from} → PENDING at ${target} in ${store.where}\n`);
  return 0;
}

async function forget(store: AdminStore, splitId: string | undefined, before: string | undefined, yes: boolean): Promise<number> {
  if ((splitId === undefined) === (before === undefined)) throw new ConfigError('adf forget needs --split ID or --finished-before DATE', { context: { field: 'split' } });
  const cutoff = before === undefined ? undefined : Date.parse(before);
  if (cutoff !== undefined && Number.isNaN(cutoff)) throw new ConfigError(`--finished-before must be a date like 2026-11-01 or 2026-11-01T12:00:00Z (got "${before}")`, { context: { field: 'finished-before' } });
  const rows = await store.list();
  const chosen = splitId !== undefined ? [rows.find((r) => r.splitId === splitId) ?? missing(splitId, store)] : rows.filter((r) => r.status === SplitStatus.FINISHED && r.updatedAt < cutoff!);
  for (const row of chosen) if (row.status !== SplitStatus.FINISHED) throw new ConfigError(`split ${row.splitId} is ${row.status}: only FINISHED splits can be forgotten (adf reset moves others)`, { context: { field: 'split' } });
  if (!(await confirmChanges('forget', chosen.length, yes))) return 0;
  for (const row of chosen) {
    // The row goes, so its audit line goes to stdout (keep it with your run logs).
    const done = await store.forget(row.splitId);
    process.stdout.write(done ? `${row.splitId}: FINISHED (${row.records} records) → forgotten in ${store.where}; the next discovery ingests it again · ${auditLine('adf forget')}\n` : `${row.splitId}: not forgotten, it changed meanwhile\n`);
  }
  if (chosen.length === 0) process.stdout.write(`no FINISHED splits to forget in ${store.where}\n`);
  return 0;
}

/** DLQ messages back to work: a failed split is retried, an undelivered message re-sent; unreadable ones stay. Embedded: every FAILED split is retried. */
async function redrive(store: AdminStore, yes: boolean): Promise<number> {
  const letters = await store.deadLetters();
  if (letters.length === 0) {
    const changed = await retrySplits(store, undefined, yes, 'redrive');
    if (changed.length === 0) process.stdout.write(`nothing to redrive in ${store.where}\n`);
    return 0;
  }
  const rows = new Map((await store.list()).map((r) => [r.splitId, r]));
  const ours = letters.filter((l) => l.letter.kind !== 'unreadable' && rows.has(l.letter.message.splitId));
  for (const l of letters) if (!ours.includes(l)) await l.release();
  for (const l of letters) if (l.letter.kind === 'unreadable') process.stdout.write(`left on the DLQ: ${l.letter.error}\n`);
  if (!(await confirmChanges('redrive', ours.length, yes))) {
    for (const l of ours) await l.release();
    return 0;
  }
  for (const l of ours) {
    if (l.letter.kind === 'unreadable') continue;
    const row = rows.get(l.letter.message.splitId)!;
    if (row.status === SplitStatus.FAILED) {
      await retrySplits(store, [row.splitId], true, 'redrive');
    } else if (row.status === SplitStatus.PENDING) {
      await store.wake(row);
      process.stdout.write(`${row.splitId}: PENDING, message sent again\n`);
    } else {
      process.stdout.write(`${row.splitId}: ${row.status}, nothing to do\n`);
    }
    await l.remove();
  }
  return 0;
}

function positionOf(data: Record<string, unknown>): unknown {
  return typeof data.lastId === 'string' ? { lastId: data.lastId } : { offset: data.offset, line: data.line, records: data.records };
}

function missing(splitId: string, store: AdminStore): never {
  throw new ConfigError(`no split ${splitId} in ${store.where} (see adf status)`, { context: { field: 'split' } });
}
