import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `adf` from the TypeScript sources (the built bin/adf.js is tested by test/e2e/package.test.ts). */
export const ADF_BIN = resolve(__dirname, 'adfFromSource.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `adf ...args` to completion in a child process. */
export function runAdf(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [ADF_BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `adf ...args` and leaves it running (to be killed). */
export function startAdf(args: string[], options: { cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, [ADF_BIN, ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Every JSON line of every part file in a JSONL sink's output directory. */
export function readJsonlDir(dir: string): { id: string; value: unknown }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as { id: string; value: unknown });
}

/** Records committed so far, read from an embedded state directory's split rows. */
export function committedRecords(stateDir: string): number {
  const dir = join(stateDir, 'splits');
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.json')) continue;
    try {
      total += (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { records: number }).records;
    } catch {
      // a file being renamed into place; the next look sees it
    }
  }
  return total;
}
