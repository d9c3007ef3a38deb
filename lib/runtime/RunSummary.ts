/** What `adf run` prints on stdout when it ends. */
export interface RunSummary {
  readonly flow: string;
  readonly status: 'completed' | 'interrupted' | 'failed';
  /** Records committed to the sink by this run. */
  readonly records: number;
  readonly badRecords: number;
  readonly bytes: number;
  readonly splits: { readonly total: number; readonly finished: number; readonly failed: number; readonly pending: number };
  readonly seconds: number;
  readonly recordsPerSecond: number;
  /** The process's peak resident memory (coordinator and reader threads together). */
  readonly peakRssMb: number;
  readonly deadLetterDir?: string;
  readonly stateDir: string;
  readonly failures?: { readonly splitId: string; readonly error: string }[];
  /** What the user must know though nothing failed: e.g. files that changed since an earlier run read them. */
  readonly warnings?: string[];
}

/** Exit codes of `adf run`: 0 ok, 1 records dead-lettered or splits failed, 2 bad usage, 130 interrupted. */
export function exitCodeFor(summary: RunSummary): number {
  if (summary.status === 'interrupted') return 130;
  return summary.badRecords > 0 || summary.splits.failed > 0 || summary.status === 'failed' ? 1 : 0;
}
