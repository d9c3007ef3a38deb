import { ConfigError } from '../../errors';
import type { Flow } from '../../flow/Flow';

/**
 * Refuses a run whose output, state or dead-letter directory lies where its own file source
 * lists files: every later run would ingest the previous output again. Refused rather than
 * silently left out of discovery, so that nobody wonders why files under --path were skipped.
 */
export function checkOwnDirsOutsideInput(flow: Flow, dirs: { stateDir: string; deadLetterDir: string }): void {
  const { source, sink } = flow;
  if (!source.listsPath) return;
  const own: [string, string | undefined][] = [
    ['--out', sink.localDir],
    ['--state-dir', dirs.stateDir],
    ['--dead-letter', dirs.deadLetterDir],
  ];
  for (const [flag, dir] of own) {
    if (dir === undefined || !source.listsPath(dir)) continue;
    throw new ConfigError(`${flag} ${dir} lies inside the input ${source.identity ?? ''}: later runs would ingest this run's own files; choose a ${flag} outside it`, {
      context: { field: flag.slice(2), file: dir },
    });
  }
}
