import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { ConfigError } from '../../errors';

/**
 * True when the change of `count` splits may go ahead: one split, or `--yes`, or the operator
 * typed y. Without a terminal on stdin (CI, pipes) nobody can answer: refused unless `--yes`.
 */
export async function confirmChanges(command: string, count: number, yes: boolean): Promise<boolean> {
  if (count <= 1 || yes) return true;
  if (!process.stdin.isTTY) throw new ConfigError(`adf ${command} would change ${count} splits: pass --yes (stdin is not a terminal, so it cannot ask)`, { context: { field: 'yes' } });
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`change these ${count} splits? [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** The audit line written on a changed row: who, when, what. */
export function auditLine(what: string, now = new Date()): string {
  return `${now.toISOString()} ${operator()} ${what}`;
}

function operator(): string {
  let user = process.env.ADF_OPERATOR ?? process.env.USER;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`;
}
