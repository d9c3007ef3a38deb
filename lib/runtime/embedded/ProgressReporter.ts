export interface ProgressSnapshot {
  readonly splitsFinished: number;
  readonly splitsTotal: number;
  readonly records: number;
  readonly badRecords: number;
  readonly droppedRecords?: number;
  readonly bytes: number;
  /** Bytes this run has to read, for a bounded source whose splits all know their size. */
  readonly totalBytes?: number;
}

/** Over how long the shown rate is measured: recent enough to show a stall, long enough not to flicker. */
export const RATE_WINDOW_MS = 10_000;

/**
 * Records and bytes per second over the last RATE_WINDOW_MS: the average since the start
 * hides a stall (a live topic that went quiet still showed thousands of rec/s) or decays to
 * "0 rec/s" on a long run that is in fact busy.
 */
export class RecentRate {
  private readonly samples: { at: number; records: number; bytes: number }[] = [];

  add(at: number, records: number, bytes: number): { recordsPerSecond: number; bytesPerSecond: number } {
    this.samples.push({ at, records, bytes });
    while (this.samples.length > 2 && this.samples[1]!.at <= at - RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (at - first.at) / 1000;
    if (seconds <= 0) return { recordsPerSecond: 0, bytesPerSecond: 0 };
    return { recordsPerSecond: (records - first.records) / seconds, bytesPerSecond: (bytes - first.bytes) / seconds };
  }
}

/** One progress line; with the total bytes known, the share done and the time left at the recent rate. */
export function formatProgress(flow: string, s: ProgressSnapshot, rate: { recordsPerSecond: number; bytesPerSecond: number }): string {
  const mb = (s.bytes / 1048576).toFixed(1);
  const parts = [`[${flow}] splits ${s.splitsFinished}/${s.splitsTotal}`];
  if (s.totalBytes) {
    // Sizes of compressed files or of splits resumed mid-way are estimates: never claim 100% before the end.
    const share = s.splitsTotal > 0 && s.splitsFinished === s.splitsTotal ? 1 : Math.min(0.99, s.bytes / s.totalBytes);
    const left = Math.max(0, s.totalBytes - s.bytes);
    parts.push(`${Math.floor(share * 100)}%${share < 1 && rate.bytesPerSecond > 0 ? ` · ETA ${formatSeconds(left / rate.bytesPerSecond)}` : ''}`);
  }
  parts.push(`${s.records.toLocaleString('en-US')} records`, `${Math.round(rate.recordsPerSecond).toLocaleString('en-US')} rec/s`, `${mb} MB`, `${s.badRecords} bad`);
  if (s.droppedRecords) parts.push(`${s.droppedRecords} dropped by the transform`);
  return parts.join(' · ');
}

function formatSeconds(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Progress on stderr (stdout is for results): a line rewritten in place on a terminal,
 * a plain line every few seconds otherwise (CI logs, pipes).
 */
export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private readonly tty = Boolean(process.stderr.isTTY);
  private readonly rate = new RecentRate();

  constructor(private readonly flow: string, private readonly snapshot: () => ProgressSnapshot, private readonly enabled: boolean) {}

  start(): void {
    if (!this.enabled) return;
    this.started = true;
    this.rate.add(Date.now(), 0, 0);
    this.timer = setInterval(() => this.print(), this.tty ? 500 : 5_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.started) this.print(true);
  }

  private print(last = false): void {
    const s = this.snapshot();
    const line = formatProgress(this.flow, s, this.rate.add(Date.now(), s.records, s.bytes));
    if (this.tty) process.stderr.write(`\r\x1b[K${line}${last ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  }
}
