import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors';
import { atomicWriteFileSync } from '../util/atomicWrite';
import type { SinkPrepareContext } from './Sink';

/** Hidden, so the file source never lists it. */
export const OUTPUT_MARKER = '.adf-output.json';

interface OutputMarker {
  readonly runId: string;
  readonly run: string;
}

/**
 * Makes `dir` the output of one run, recorded in a marker file. Part files are named by split
 * id, so two runs writing into one directory would cut each other's files back: the second run
 * is refused. On `fresh` the run's own part files are removed (the state starts over, so must
 * the output, or every record would be there twice). A directory holding part files that no
 * marker vouches for is refused, unless an earlier run's state (made before markers) resumes.
 *
 * @example
 * claimOutputDir('/abs/out', /^part-.*\.jsonl$/, { runId, describe: 'reading file:/in', fresh: false, resumed: false, flag: '--out' });
 */
export function claimOutputDir(dir: string, ownFiles: RegExp, ctx: SinkPrepareContext): void {
  mkdirSync(dir, { recursive: true });
  const markerFile = join(dir, OUTPUT_MARKER);
  const marker = readMarker(markerFile);
  const parts = readdirSync(dir).filter((name) => ownFiles.test(name));
  const context = { field: ctx.flag.replace(/^--/, ''), file: dir };
  if (marker && marker.runId !== ctx.runId) {
    throw new ConfigError(`${ctx.flag} ${dir} holds the output of another run (${marker.run}); give this run (${ctx.describe}) its own ${ctx.flag}`, { context });
  }
  if (!marker && parts.length > 0 && (ctx.fresh || !ctx.resumed)) {
    throw new ConfigError(`${ctx.flag} ${dir} already holds ${parts.length} part file(s) that this run did not write; empty it or choose another ${ctx.flag}`, { context });
  }
  if (ctx.fresh) for (const name of parts) rmSync(join(dir, name), { force: true });
  if (!marker) atomicWriteFileSync(markerFile, JSON.stringify({ runId: ctx.runId, run: ctx.describe } satisfies OutputMarker), false);
}

function readMarker(file: string): OutputMarker | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const marker = JSON.parse(readFileSync(file, 'utf8')) as OutputMarker;
    if (typeof marker.runId === 'string') return marker;
  } catch {
    // unreadable: treated as another run's, below
  }
  return { runId: '?', run: `unreadable marker ${file}` };
}
