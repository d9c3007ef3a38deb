import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { SplitRow } from '../../coordination/SplitStore';
import { ConfigError } from '../../errors';
import { collectStatus, type StatusReport } from '../statusCommand';

/**
 * `adf status --state-dir DIR`: the rows of an embedded state dir, read WITHOUT its lock, so a
 * running `adf run` can be watched (each row file is replaced atomically, never half written).
 * A row that vanishes between listing and reading (`adf forget`) is skipped.
 */
export async function readStateDir(dir: string, flow?: string, now = Date.now()): Promise<StatusReport> {
  const splitDir = join(dir, 'splits');
  if (!existsSync(splitDir)) throw new ConfigError(`${dir} is not a state dir (no splits/ in it): pass the --state-dir of adf run`, { context: { field: 'state-dir' } });
  const rows: SplitRow[] = [];
  for (const name of readdirSync(splitDir)) {
    if (!name.endsWith('.json')) continue;
    let text: string;
    try {
      text = readFileSync(join(splitDir, name), 'utf8');
    } catch {
      continue;
    }
    rows.push(JSON.parse(text) as SplitRow);
  }
  rows.sort((a, b) => (a.splitId < b.splitId ? -1 : a.splitId > b.splitId ? 1 : 0));
  const store = {
    async *list() {
      yield* rows;
    },
    async getEnumeratorRow() {
      return undefined;
    },
  };
  return collectStatus(store, flow ?? basename(resolve(dir)), `state dir ${dir}`, now);
}
