import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalSplitStore } from '../../coordination/LocalSplitStore';
import { isFlow } from '../../flow/Flow';
import type { Flow } from '../../flow/Flow';
import type { FlowRef } from '../../flow/FlowRef';
import { checkOwnDirsOutsideInput } from './checkOwnDirs';
import { checkStateIdentity, describeRun, runIdentityOf, runIdOf, stateDirFor } from './RunIdentity';

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
export async function openRunState(flow: Flow, ref: Flow | FlowRef, options: { stateDir?: string; fresh?: boolean }): Promise<RunState> {
  const identity = runIdentityOf(flow);
  const stateDir = stateDirFor(flow, ref, identity, options.stateDir);
  const deadLetterDir = resolve(flow.deadLetterDir ?? join(stateDir, 'dead-letter'));
  checkOwnDirsOutsideInput(flow, { stateDir, deadLetterDir });
  const flag = isFlow(ref) || ref.kind === 'module' ? 'output dir' : '--out';
  const prepareSink = (fresh: boolean, resumed: boolean) =>
    flow.sink.prepare?.({ runId: runIdOf(identity), describe: describeRun(identity), fresh, resumed, flag });
  if (options.fresh) {
    // The output is checked (and started over) first: a refused run must not have lost its state.
    await prepareSink(true, false);
    rmSync(stateDir, { recursive: true, force: true });
  }
  const store = LocalSplitStore.open(stateDir);
  try {
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
