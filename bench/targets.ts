import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeResultSection } from './results';

/**
 * Every benchmark records each figure it has a target for here, so that `npm run bench` can end
 * with one table of all targets and whether each is met on this machine (bench/RESULTS.md
 * "Targets", and the exit code). The figures of earlier benches in the same `npm run bench`
 * are kept in bench/.targets.json (git-ignored) until the summary is written.
 */
export interface TargetFigure {
  /** The bench that measured it (its RESULTS.md section name). */
  readonly bench: string;
  /** What was measured, as the table names it. */
  readonly figure: string;
  readonly value: number;
  /** `>=` for rates and ratios, `<=` for latencies, sizes and times. */
  readonly op: '>=' | '<=';
  readonly target: number;
  /** The unit of value and target, e.g. '×', 'ms', 'KB', 's'. */
  readonly unit: string;
}

const FILE = join(__dirname, '.targets.json');

function load(): TargetFigure[] {
  return existsSync(FILE) ? (JSON.parse(readFileSync(FILE, 'utf8')) as TargetFigure[]) : [];
}

/** Records (or replaces) figures of one bench. */
export function recordTargets(figures: readonly TargetFigure[]): void {
  const replaced = new Set(figures.map((f) => `${f.bench}\u0000${f.figure}`));
  const kept = load().filter((f) => !replaced.has(`${f.bench}\u0000${f.figure}`));
  writeFileSync(FILE, `${JSON.stringify([...kept, ...figures], null, 2)}\n`);
}

export function isMet(f: TargetFigure): boolean {
  return f.op === '>=' ? f.value >= f.target : f.value <= f.target;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** One line per target, for the terminal. */
export function targetLine(f: TargetFigure): string {
  return `${isMet(f) ? 'met    ' : 'MISSED '} ${f.bench}: ${f.figure} = ${fmt(f.value)} ${f.unit} (target ${f.op} ${fmt(f.target)})`;
}

/** Writes the Targets section of bench/RESULTS.md; returns every recorded figure. */
export function writeTargetSummary(): TargetFigure[] {
  const figures = load();
  const rows = figures.map((f) => `| ${f.bench} | ${f.figure} | ${fmt(f.value)} ${f.unit} | ${f.op} ${fmt(f.target)} ${f.unit} | ${isMet(f) ? 'met' : '**missed**'} |`);
  const missed = figures.filter((f) => !isMet(f)).length;
  writeResultSection('targets', [
    '## Targets',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString()}: ${figures.length - missed} of ${figures.length} targets met on this machine.`,
    '',
    '| bench | figure | measured | target | |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n'));
  return figures;
}
