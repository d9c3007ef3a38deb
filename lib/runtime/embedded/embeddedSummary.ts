import type { LocalSplitStore } from '../../coordination/LocalSplitStore';
import { SplitStatus } from '../../coordination/SplitStore';
import type { RunSummary } from '../RunSummary';

/** What an embedded run counted, and where its state and dead letters are. */
export interface EmbeddedRunTally {
  readonly flow: string;
  readonly store: LocalSplitStore;
  readonly started: number;
  readonly aborted: boolean;
  readonly counters: { readonly records: number; readonly badRecords: number; readonly droppedRecords: number; readonly bytes: number };
  readonly deadLetterDir: string;
  readonly stateDir: string;
  readonly warnings: readonly string[];
}

/**
 * The run summary `adf run` prints: this run's counts, and every split's status from the store
 * (FAILED ones with their last error, whichever run failed them).
 */
export async function embeddedSummary(t: EmbeddedRunTally): Promise<RunSummary> {
  const splits = { total: 0, finished: 0, failed: 0, pending: 0 };
  const failures: { splitId: string; error: string }[] = [];
  for await (const row of t.store.list()) {
    splits.total++;
    if (row.status === SplitStatus.FINISHED) splits.finished++;
    else if (row.status === SplitStatus.FAILED) {
      splits.failed++;
      failures.push({ splitId: row.splitId, error: row.lastError ?? 'no error recorded' });
    } else splits.pending++;
  }
  const seconds = (Date.now() - t.started) / 1000;
  const interrupted = t.aborted && splits.pending > 0;
  return {
    flow: t.flow,
    status: interrupted ? 'interrupted' : splits.pending > 0 ? 'failed' : 'completed',
    records: t.counters.records,
    badRecords: t.counters.badRecords,
    droppedRecords: t.counters.droppedRecords,
    bytes: t.counters.bytes,
    splits,
    seconds: Math.round(seconds * 1000) / 1000,
    recordsPerSecond: seconds > 0 ? Math.round(t.counters.records / seconds) : 0,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    deadLetterDir: t.counters.badRecords > 0 ? t.deadLetterDir : undefined,
    stateDir: t.stateDir,
    ...(failures.length > 0 ? { failures } : {}),
    ...(t.warnings.length > 0 ? { warnings: [...t.warnings] } : {}),
  };
}

/** What a run that read nothing says: never "all finished" when some split FAILED or none was found. */
export function nothingNewLine(summary: RunSummary, sourceType: string): string {
  const { total, failed } = summary.splits;
  if (total === 0) return `nothing to read: ${NOTHING_FOUND[sourceType] ?? 'the source found no splits'}`;
  if (failed > 0) return `nothing read: ${failed} of ${total} split(s) FAILED (see "failures" in the summary; a rerun retries them unless --no-retry-failed)`;
  return `nothing new: all ${total} split(s) were finished by an earlier run (--fresh starts over)`;
}

const NOTHING_FOUND: Record<string, string> = {
  file: 'no file under the path matched (check --path, --include and --exclude)',
  rafka: 'the topic has no partitions (no <topic>:<n> stream exists; check --topic and the Redis database)',
};
