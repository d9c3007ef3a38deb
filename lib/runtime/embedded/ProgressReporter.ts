export interface ProgressSnapshot {
  readonly splitsFinished: number;
  readonly splitsTotal: number;
  readonly records: number;
  readonly badRecords: number;
  readonly bytes: number;
}

/**
 * Progress on stderr (stdout is for results): a line rewritten in place on a terminal,
 * a plain line every few seconds otherwise (CI logs, pipes).
 */
export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  private started = false;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly flow: string, private readonly snapshot: () => ProgressSnapshot, private readonly enabled: boolean) {}

  start(): void {
    if (!this.enabled) return;
    this.started = true;
    this.timer = setInterval(() => this.print(), this.tty ? 500 : 5_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.started) this.print(true);
  }

  private print(last = false): void {
    const s = this.snapshot();
    const seconds = (Date.now() - this.startedAt) / 1000;
    const rate = seconds > 0 ? Math.round(s.records / seconds) : 0;
    const mb = (s.bytes / 1048576).toFixed(1);
    const line = `[${this.flow}] splits ${s.splitsFinished}/${s.splitsTotal} · ${s.records.toLocaleString('en-US')} records · ${rate.toLocaleString('en-US')} rec/s · ${mb} MB · ${s.badRecords} bad`;
    if (this.tty) process.stderr.write(`\r\x1b[K${line}${last ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  }
}
