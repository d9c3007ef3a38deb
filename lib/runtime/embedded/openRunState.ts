import { join, resolve } from 'node:path';
import { LocalSplitStore } from '../../coordination/LocalSplitStore';
import { SplitStatus } from '../../coordination/SplitStore';
import type { SplitRow } from '../../coordination/SplitStore';
import { isFlow } from '../../flow/Flow';
import type { Flow } from '../../flow/Flow';
import type { FlowRef } from '../../flow/FlowRef';
import { ensureWritableDir } from '../../util/writableDir';
import { checkOwnDirsOutsideInput } from './checkOwnDirs';
import { checkStateIdentity, describeRun, runIdentityOf, runIdOf, stateDirFor } from './RunIdentity';

/** The flow's state directory, as a run of it would choose (see stateDirFor). */
export function stateDirOf(flow: Flow, ref: Flow | FlowRef, options: { stateDir?: string }): string {
  return stateDirFor(flow, ref, runIdentityOf(flow), options.stateDir);
}

/** Where the flow's bad records go: its `deadLetterDir`, else `<state dir>/dead-letter`. */
export function deadLetterDirOf(flow: Flow, stateDir: string): string {
  return resolve(flow.deadLetterDir ?? join(stateDir, 'dead-letter'));
}

export interface RunState {
  readonly store: LocalSplitStore;
  readonly stateDir: string;
  readonly deadLetterDir: string;
}

/**
 * Everything a run checks before any reader starts: its own directories lie outside its input,
 * the state is this run's (or new), and the sink's output is this run's (started over on `fresh`).
 * Each refusal is a ConfigError (one line, exit 2). The caller closes the store.
 */
export async function openRunState(flow: Flow, ref: Flow | FlowRef, options: { stateDir?: string; fresh?: boolean; outputOf?: Flow }): Promise<RunState> {
  const identity = runIdentityOf(flow);
  const stateDir = stateDirFor(flow, ref, identity, options.stateDir);
  const deadLetterDir = deadLetterDirOf(flow, stateDir);
  checkOwnDirsOutsideInput(flow, { stateDir, deadLetterDir });
  // Each a single line now, rather than a stack trace from every reader later.
  ensureWritableDir(stateDir, 'state directory (--state-dir)');
  ensureWritableDir(deadLetterDir, 'dead-letter directory (--dead-letter)');
  await flow.sink.check?.();
  const flag = isFlow(ref) || ref.kind === 'module' ? 'output dir' : '--out';
  // The output belongs to the run that made it: a dead-letter replay adds to its flow's output.
  const owner = options.outputOf ? runIdentityOf(options.outputOf) : identity;
  const prepareSink = (fresh: boolean, resumed: boolean) =>
    flow.sink.prepare?.({ runId: runIdOf(owner), describe: describeRun(owner), fresh, resumed: resumed || options.outputOf !== undefined, flag });
  // The lock first: --fresh must never wipe the state (or the output) of a run still going on.
  const store = LocalSplitStore.open(stateDir);
  try {
    if (options.fresh) {
      // The output is checked (and started over) before the state: a refused run keeps its state.
      await prepareSink(true, false);
      store.clear();
    }
    checkStateIdentity(stateDir, identity);
    if (!options.fresh) {
      let resumed = false;
      for await (const _row of store.list()) {
        resumed = true;
        break;
      }
      await prepareSink(false, resumed);
    }
    return { store, stateDir, deadLetterDir };
  } catch (e) {
    store.close();
    throw e;
  }
}

/** A rerun retries what failed before (a full disk, a bug since fixed): FAILED is not "done". Says so in one line. */
export async function retryFailedSplits(store: LocalSplitStore, log: (line: string) => void): Promise<void> {
  const failed: SplitRow[] = [];
  for await (const row of store.list()) if (row.status === SplitStatus.FAILED) failed.push(row);
  if (failed.length === 0) return;
  for (const row of failed) store.retry(row.splitId);
  const shown = failed.slice(0, 5).map((r) => `${r.splitId} (${r.lastError ?? 'no error recorded'})`).join('; ');
  log(`retrying ${failed.length} split(s) that FAILED in an earlier run: ${shown}${failed.length > 5 ? '; …' : ''} (--no-retry-failed leaves them)`);
}
