/**
 * `npm run test:chaos -- [flags]`: the long chaos runs, one per seed and mode (see
 * ChaosOptions.CLI_HELP). One JSON line of figures per run on stdout, progress and a human
 * summary on stderr; exit 1 if any run broke an invariant.
 */
import { chaosOptions, CLI_HELP, parseChaosArgs } from './ChaosOptions';
import { humanSummary } from './ChaosReport';
import { runChaos } from './ChaosRun';

async function main(): Promise<number> {
  const selection = parseChaosArgs(process.argv.slice(2));
  if (selection.help) {
    process.stdout.write(CLI_HELP);
    return 0;
  }
  let failed = 0;
  for (const seed of selection.seeds) {
    for (const mode of selection.modes) {
      const options = chaosOptions({ ...selection.options, seed, mode });
      const { figures, logs } = await runChaos(options, (line) => process.stderr.write(`${line}\n`));
      process.stdout.write(`${JSON.stringify(figures)}\n`);
      process.stderr.write(`${humanSummary(figures)}\n`);
      const top = Object.entries(logs).sort((a, b) => b[1] - a[1]).slice(0, 12);
      if (top.length > 0) process.stderr.write(`  handler warnings and errors:\n${top.map(([m, n]) => `    ${String(n).padStart(5)} × ${m}`).join('\n')}\n`);
      if (figures.violations.length > 0) failed++;
    }
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
