import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ConfigError } from '../../errors';
import type { Flow } from '../../flow/Flow';
import type { FlowRef } from '../../flow/FlowRef';
import { atomicWriteFileSync } from '../../util/atomicWrite';

/**
 * What makes two runs the same run: the flow's name, what its source reads and where its sink
 * writes. Progress is keyed by split ids that are only unique within one input (a file's path
 * relative to `--path`), so a state must never be resumed by a run that reads or writes
 * something else: it would skip files that merely share a name with ones read before.
 */
export interface RunIdentity {
  readonly flow: string;
  readonly reads: string;
  readonly writes: string;
  /** Settings that decide split ids (the file source's split size). */
  readonly splitLayout?: string;
}

/** `run.json` in the state directory. */
interface StoredRun extends RunIdentity {
  readonly runId: string;
}

const RUN_FILE = 'run.json';

export function runIdentityOf(flow: Flow): RunIdentity {
  const { source, sink } = flow;
  return {
    flow: flow.name,
    reads: source.identity ?? source.type,
    writes: sink.identity ?? sink.type,
    ...(source.splitLayout === undefined ? {} : { splitLayout: source.splitLayout }),
  };
}

/** A short hash of flow, input and output: names the default state dir and claims output dirs. */
export function runIdOf(identity: RunIdentity): string {
  return createHash('sha256').update(JSON.stringify([identity.flow, identity.reads, identity.writes])).digest('hex').slice(0, 12);
}

export function describeRun(identity: RunIdentity): string {
  return `flow ${identity.flow} reading ${identity.reads}, writing ${identity.writes}`;
}

/**
 * The state directory: the one given; `.adf/<name>` for a flow file or a flag-form run given a
 * `--name`; and for an unnamed flag-form run `.adf/<source>-to-<sink>-<hash>`, so that
 * `--path dayX` and `--path dayY` (or one input into two `--out`s) keep separate progress.
 */
export function stateDirFor(flow: Flow, ref: Flow | FlowRef, identity: RunIdentity, given?: string): string {
  if (given !== undefined) return resolve(given);
  const unnamed = 'kind' in ref && ref.kind === 'options' && ref.options.name === undefined;
  return resolve(join('.adf', unnamed ? `${flow.name}-${runIdOf(identity)}` : flow.name));
}

/**
 * Compares the run with the one that made the state (`run.json`) and records it when the state
 * is new (or predates the record). A state made by another input, output or split layout is
 * refused with one line: resuming it would skip or double data.
 */
export function checkStateIdentity(stateDir: string, identity: RunIdentity): void {
  const file = join(stateDir, RUN_FILE);
  const runId = runIdOf(identity);
  const stored = readStoredRun(file);
  if (stored) {
    const where = relative(process.cwd(), stateDir) || stateDir;
    const differs = (['flow', 'reads', 'writes'] as const).filter((key) => stored[key] !== identity[key]);
    if (differs.length > 0) {
      const was = differs.map((key) => `${key} ${stored[key]}`).join(', ');
      const now = differs.map((key) => `${key} ${identity[key]}`).join(', ');
      throw new ConfigError(`state dir ${where} belongs to another run (${was}; this run: ${now}): use another --state-dir, or --fresh to start over`, { context: { field: 'state-dir', file: stateDir } });
    }
    if ((stored.splitLayout ?? '') !== (identity.splitLayout ?? '') && stored.splitLayout !== undefined) {
      throw new ConfigError(
        `state dir ${where} was made with ${stored.splitLayout}, this run has ${identity.splitLayout ?? 'the default'}: the new split ids would read the same data again; keep the old setting, or --fresh to start over (the output too)`,
        { context: { field: 'split-size', file: stateDir } },
      );
    }
    if (stored.runId === runId && stored.splitLayout === identity.splitLayout) return;
  }
  mkdirSync(stateDir, { recursive: true });
  atomicWriteFileSync(file, JSON.stringify({ ...identity, runId } satisfies StoredRun, null, 2));
}

function readStoredRun(file: string): StoredRun | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredRun;
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message} (--fresh starts over)`, { context: { field: 'state-dir', file } });
  }
}
