import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChaosOptions } from './ChaosOptions';
import type { CountCheck, DlqReading, OutputReading, TableReading } from './ChaosVerifier';

/** What was injected, as counted by the orchestrator and from the workers' own reports. */
export interface FaultCounts {
  kills: number;
  killPoints: number;
  zombies: number;
  sinkPauses: number;
  droppedResponses: number;
  duplicateMessages: number;
  extraEnumerators: number;
  extraFailureHandlers: number;
  helperKills: number;
  readerTimeouts: number;
  workerCrashes: number;
  /** Failure-handler recoveries: expired leases taken back, and PENDING splits whose message was lost and re-sent. */
  leasesReclaimed: number;
  messagesResent: number;
}

export function noFaults(): FaultCounts {
  return { kills: 0, killPoints: 0, zombies: 0, sinkPauses: 0, droppedResponses: 0, duplicateMessages: 0, extraEnumerators: 0, extraFailureHandlers: 0, helperKills: 0, readerTimeouts: 0, workerCrashes: 0, leasesReclaimed: 0, messagesResent: 0 };
}

/** The one JSON line a run prints. */
export interface ChaosFigures extends FaultCounts {
  readonly seed: number;
  readonly mode: string;
  readonly dynamodb: string;
  readonly profile: string;
  readonly faults: string[];
  readonly records: number;
  readonly outputLines: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly corruptLines: number;
  readonly badRecords: number;
  readonly badLost: number;
  readonly badDuplicated: number;
  readonly splits: number;
  readonly finished: number;
  readonly failed: number;
  readonly notTerminal: number;
  readonly failedWithoutReason: number;
  readonly failedWithoutAlert: number;
  readonly redrivenToDlq: number;
  /** The rows' own record totals: more than the output holds means a committed batch was lost after its commit. */
  readonly committedRecords: number;
  readonly settled: boolean;
  readonly targetsMet: boolean;
  readonly durationS: number;
  readonly violations: string[];
  readonly lostSample: readonly string[];
  readonly duplicatedSample: readonly string[];
}

export interface Readings {
  readonly output: OutputReading;
  readonly records: CountCheck;
  readonly deadLetters: OutputReading;
  readonly bad: CountCheck;
  readonly table: TableReading;
  readonly dlq: DlqReading;
}

export function buildFigures(options: ChaosOptions, faults: FaultCounts, r: Readings, settled: boolean, durationMs: number): ChaosFigures {
  const splits = r.table.splits;
  const failed = splits.filter((s) => s.status === 'FAILED');
  const on = options.faults;
  const min = minimumFaults(options);
  const targetsMet = (!on.has('kill') || faults.kills >= min.kills) && (!on.has('zombie') || faults.zombies >= min.zombies) && (!on.has('drop') || faults.droppedResponses >= min.drops);
  const figures = {
    seed: options.seed,
    mode: options.mode,
    dynamodb: options.dynamodb,
    profile: options.profile,
    faults: [...on],
    records: r.records.expected,
    outputLines: r.output.lines,
    lost: r.records.lost,
    duplicated: r.records.duplicated,
    corruptLines: r.output.corruptLines + r.deadLetters.corruptLines,
    badRecords: r.bad.expected,
    badLost: r.bad.lost,
    badDuplicated: r.bad.duplicated,
    splits: splits.length,
    finished: splits.filter((s) => s.status === 'FINISHED').length,
    failed: failed.length,
    notTerminal: splits.filter((s) => s.status !== 'FINISHED' && s.status !== 'FAILED').length,
    failedWithoutReason: failed.filter((s) => !s.lastError).length,
    failedWithoutAlert: failed.filter((s) => !r.dlq.alerted.has(s.splitId)).length,
    redrivenToDlq: r.dlq.redriven,
    committedRecords: splits.reduce((sum, s) => sum + s.records, 0),
    settled,
    targetsMet,
    durationS: Math.round(durationMs / 100) / 10,
    ...faults,
    lostSample: r.records.lostSample,
    duplicatedSample: r.records.duplicatedSample,
  };
  return { ...figures, violations: violations(figures, options) };
}

/** What a long run must have survived to count (issue 8); the schedule aims 20 % higher. Short runs: whatever they got. */
export function minimumFaults(options: ChaosOptions): { kills: number; zombies: number; drops: number } {
  return options.profile === 'long' ? { kills: 50, zombies: 5, drops: 50 } : { kills: 0, zombies: 0, drops: 0 };
}

function violations(f: Omit<ChaosFigures, 'violations'>, options: ChaosOptions): string[] {
  const v: string[] = [];
  if (f.lost > 0) v.push(`${f.lost} of ${f.records} records lost (e.g. ${f.lostSample.join(', ')})`);
  if (f.duplicated > 0) v.push(`${f.duplicated} duplicated records (e.g. ${f.duplicatedSample.join(', ')})`);
  if (f.corruptLines > 0) v.push(`${f.corruptLines} output lines are not JSON records`);
  if (f.badLost > 0) v.push(`${f.badLost} of ${f.badRecords} bad records missing from the dead-letter place`);
  if (f.badDuplicated > 0) v.push(`${f.badDuplicated} dead letters duplicated`);
  if (f.splits === 0) v.push('no split rows at all');
  if (f.notTerminal > 0) v.push(`${f.notTerminal} splits neither FINISHED nor FAILED`);
  if (f.failedWithoutReason > 0) v.push(`${f.failedWithoutReason} FAILED splits without a reason`);
  if (f.failedWithoutAlert > 0) v.push(`${f.failedWithoutAlert} FAILED splits without a dead-letter-queue message`);
  if (f.workerCrashes > 0) v.push(`${f.workerCrashes} worker processes crashed on their own (see the worker logs)`);
  const min = minimumFaults(options);
  if (!f.targetsMet) v.push(`too few faults to count (kills ${f.kills}/${min.kills}, zombies ${f.zombies}/${min.zombies}, dropped responses ${f.droppedResponses}/${min.drops})`);
  return v;
}

export function humanSummary(f: ChaosFigures): string {
  const verdict = f.violations.length === 0 ? 'PASS' : 'FAIL';
  return [
    `chaos ${verdict} · seed ${f.seed} · ${f.mode} mode · ${f.dynamodb} · ${f.profile} · ${f.durationS}s`,
    `  records ${f.records}: lost ${f.lost}, duplicated ${f.duplicated}, corrupt lines ${f.corruptLines}; rows say ${f.committedRecords} committed`,
    `  bad records ${f.badRecords}: missing ${f.badLost}, duplicated ${f.badDuplicated}`,
    `  splits ${f.splits}: finished ${f.finished}, failed ${f.failed} (no reason ${f.failedWithoutReason}, no DLQ message ${f.failedWithoutAlert}), stuck ${f.notTerminal}; raw messages redriven to the DLQ ${f.redrivenToDlq}`,
    `  faults: kills ${f.kills} + ${f.killPoints} at points, zombies ${f.zombies}, sink pauses ${f.sinkPauses}, dropped responses ${f.droppedResponses}, duplicate messages ${f.duplicateMessages}, extra enumerators ${f.extraEnumerators}, extra failure handlers ${f.extraFailureHandlers} (${f.helperKills} killed), reader timeouts ${f.readerTimeouts}`,
    `  recovered by the failure handler: ${f.leasesReclaimed} expired leases, ${f.messagesResent} lost messages re-sent`,
    ...f.violations.map((v) => `  ✗ ${v}`),
  ].join('\n');
}

/** WARN and ERROR messages of the handlers' JSON logs, counted by message: where to look first. */
export function logSummary(logDir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, name), 'utf8').split('\n')) {
      if (!line.startsWith('{')) {
        if (/crashed|Error:/.test(line) && !line.startsWith(' ')) counts[`(raw) ${line.slice(0, 120)}`] = (counts[`(raw) ${line.slice(0, 120)}`] ?? 0) + 1;
        continue;
      }
      try {
        const entry = JSON.parse(line) as { level?: string; message?: string };
        if (entry.level === 'WARN' || entry.level === 'ERROR') counts[`${entry.level} ${entry.message}`] = (counts[`${entry.level} ${entry.message}`] ?? 0) + 1;
      } catch {
        // not a log line
      }
    }
  }
  return counts;
}
