import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LocalSplitStore } from '../../coordination/LocalSplitStore';
import type { SplitRow } from '../../coordination/SplitStore';
import { SplitFailedError } from '../../errors';
import { defineFlow, isFlow } from '../../flow/Flow';
import type { Flow } from '../../flow/Flow';
import type { FlowRef } from '../../flow/FlowRef';
import { loadFlow } from '../../flow/loadFlow';
import { fileSource } from '../../sources/file';
import type { BadRecord } from '../../source-support/SourceRecord';
import { safeName } from '../../util/safeName';
import type { RunSummary } from '../RunSummary';
import { runEmbedded } from './EmbeddedRuntime';
import { deadLetterDirOf, stateDirOf } from './openRunState';
import type { EmbeddedRunOptions } from './EmbeddedRuntime';

export interface ReplaySummary extends RunSummary {
  /** Dead letters taken into this replay (transform failures not replayed before). */
  readonly replayed: number;
  /** Dead letters left where they are: bad input, not a transform failure (fix the file instead). */
  readonly notReplayable: number;
}

/** Where a replay keeps its snapshots, its own state and its own dead letters: under the flow's state dir. */
const REPLAY_DIR = 'replay';
const TRANSFORM_FAILED = 'transform failed';

interface Manifest {
  /** Per dead-letter part file (`main:` or `replay:` + name): bytes already taken into a snapshot. */
  readonly taken: Record<string, number>;
}

/**
 * Sends the records that failed the transform through the flow again (after the transform was
 * fixed), each exactly once into the flow's sink:
 *
 * 1. snapshot: the *committed* bytes of each dead-letter part file (the length committed with its
 *    split, never a crashed writer's tail) past what earlier replays took, transform failures only,
 *    go into a new numbered batch directory, created under a temporary name and renamed into
 *    place with the manifest inside it, so a crash leaves either the whole batch or none;
 * 2. an embedded run of those batches (a file source over them) with its own state directory, so
 *    a crash resumes and a second replay finds nothing new. Records that fail again go to the
 *    replay's own dead letters, which the next replay takes too.
 *
 * @example
 * await replayDeadLetters({ kind: 'module', path: 'orders.flow.ts' });
 */
export async function replayDeadLetters(flowOrRef: Flow | FlowRef, options: EmbeddedRunOptions = {}): Promise<ReplaySummary> {
  const flow = isFlow(flowOrRef) ? flowOrRef : await loadFlow(flowOrRef);
  const stateDir = stateDirOf(flow, flowOrRef, options);
  if (!existsSync(join(stateDir, 'splits'))) throw new SplitFailedError(`no state for flow "${flow.name}" in ${stateDir}: nothing to replay (give --state-dir)`);
  const replayDir = join(stateDir, REPLAY_DIR);
  const main = LocalSplitStore.open(stateDir); // the lock: no run of this flow writes dead letters meanwhile
  try {
    const { replayed, notReplayable } = await snapshot(replayDir, [
      { key: 'main', store: main, deadLetterDir: deadLetterDirOf(flow, stateDir) },
      ...(existsSync(join(replayDir, 'state', 'splits')) ? [{ key: 'replay', stateDir: join(replayDir, 'state'), deadLetterDir: join(replayDir, 'dead-letter') }] : []),
    ]);
    const replayFlow = defineFlow({
      name: `${flow.name}.replay`,
      source: fileSource({ path: join(replayDir, 'batches'), format: 'jsonl', include: ['**/records.jsonl'] }),
      transform: (bad: BadRecord) => (flow.transform ? flow.transform(bad.raw, { id: bad.id, value: bad.raw }) : bad.raw),
      sink: flow.sink,
      deadLetterDir: join(replayDir, 'dead-letter'),
      errorBudget: flow.errorBudget,
    });
    mkdirSync(join(replayDir, 'batches'), { recursive: true });
    const summary = await runEmbedded(replayFlow, { ...options, fresh: false, stateDir: join(replayDir, 'state'), inProcess: true, outputOf: flow });
    return { ...summary, replayed, notReplayable };
  } finally {
    main.close();
  }
}

interface DeadLetterOrigin {
  readonly key: string;
  readonly deadLetterDir: string;
  readonly store?: LocalSplitStore;
  readonly stateDir?: string;
}

async function snapshot(replayDir: string, origins: DeadLetterOrigin[]): Promise<{ replayed: number; notReplayable: number }> {
  const batchesDir = join(replayDir, 'batches');
  mkdirSync(batchesDir, { recursive: true });
  for (const name of readdirSync(batchesDir)) if (name.endsWith('.tmp')) rmSync(join(batchesDir, name), { recursive: true, force: true });
  const batches = readdirSync(batchesDir).filter((n) => /^replay-\d{6}$/.test(n)).sort();
  const last = batches.at(-1);
  const manifest: Manifest = last ? (JSON.parse(readFileSync(join(batchesDir, last, 'manifest.json'), 'utf8')) as Manifest) : { taken: {} };
  const taken = { ...manifest.taken };
  const name = `replay-${String(batches.length + 1).padStart(6, '0')}`;
  const tmp = join(batchesDir, `${name}.tmp`);
  mkdirSync(tmp);
  const out = openSync(join(tmp, 'records.jsonl'), 'wx'); // a fresh directory: exclusive, never through a planted link
  const counts = { replayed: 0, notReplayable: 0 };
  try {
    for (const origin of origins) {
      const store = origin.store ?? LocalSplitStore.open(origin.stateDir!);
      try {
        for await (const row of store.list()) {
          const key = `${origin.key}:${row.splitId}`;
          const committed = committedDeadLetterBytes(row);
          if (committed <= (taken[key] ?? 0)) continue;
          forEachLine(join(origin.deadLetterDir, `part-${safeName(row.splitId)}.jsonl`), taken[key] ?? 0, committed, (line) => {
            const bad = JSON.parse(line) as BadRecord;
            if (!bad.reason?.startsWith(TRANSFORM_FAILED)) return void counts.notReplayable++;
            // A replay's own dead letter wraps the line it replayed (its raw value was that line): unwrap
            // it, so the record keeps its first id and the next replay transforms the original value.
            const original = origin.key === 'replay' ? { ...(bad.raw as BadRecord), reason: bad.reason } : bad;
            writeSync(out, `${JSON.stringify(original)}\n`);
            counts.replayed++;
          });
          taken[key] = committed;
        }
      } finally {
        if (!origin.store) store.close();
      }
    }
  } finally {
    closeSync(out);
  }
  if (counts.replayed === 0 && counts.notReplayable === 0) {
    rmSync(tmp, { recursive: true });
    return counts;
  }
  if (counts.replayed === 0) rmSync(join(tmp, 'records.jsonl')); // an empty file would only draw a warning
  writeFileSync(join(tmp, 'manifest.json'), JSON.stringify({ taken }), { flag: 'wx' });
  renameSync(tmp, join(batchesDir, name)); // the batch and its manifest appear together, or not at all
  return counts;
}

/** The dead-letter part's length committed with the split (the JSON Lines sink's state). */
function committedDeadLetterBytes(row: SplitRow): number {
  const dlq = (row.sinkState as { dlq?: unknown } | undefined)?.dlq;
  return typeof dlq === 'number' ? dlq : 0;
}

/** Calls `onLine` for each line in bytes [from, to) of a file, reading 8 MiB at a time. */
function forEachLine(path: string, from: number, to: number, onLine: (line: string) => void): void {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(8 * 1024 * 1024);
    let rest = '';
    for (let position = from; position < to; ) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, to - position), position);
      if (n === 0) throw new SplitFailedError(`dead-letter file ${path} is shorter than its committed length ${to}`, { context: { file: path } });
      position += n;
      // Dead-letter lines are JSON (ASCII-safe escapes aside, UTF-8): a chunk may end inside a
      // character, so decode only up to the last newline and carry the rest as bytes-as-text.
      const text = rest + chunk.toString('latin1', 0, n);
      const cut = text.lastIndexOf('\n');
      for (const line of text.slice(0, cut + 1).split('\n')) if (line) onLine(Buffer.from(line, 'latin1').toString('utf8'));
      rest = text.slice(cut + 1);
    }
    if (rest) onLine(Buffer.from(rest, 'latin1').toString('utf8'));
  } finally {
    closeSync(fd);
  }
}
