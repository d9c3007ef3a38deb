import { chaosOptions, type ChaosMode } from './ChaosOptions';
import { humanSummary } from './ChaosReport';
import { runChaos } from './ChaosRun';

/**
 * The short form of the chaos suite (the long one: `npm run test:chaos`, see docs/RELIABILITY.md):
 * the serverless runtime on the emulators with reader processes that are SIGKILLed, frozen past
 * their lease (SIGSTOP/SIGCONT) and paused inside their sink write, duplicated and delayed
 * messages, DynamoDB responses dropped after the write was applied, and overlapping, killed
 * enumerators and failure handlers. Whatever happens, every input record must be in the sink
 * exactly once and every split must end FINISHED, or FAILED with a reason and a DLQ message.
 *
 * CHAOS_SEED, CHAOS_FAULTS (e.g. `all,-sinkPause`), CHAOS_DYNAMODB and CHAOS_KEEP=1 reproduce or
 * narrow down a failure; the figures are printed either way.
 */
const RUN_TIMEOUT_MS = 200_000;

describe.each<ChaosMode>(['local', 's3'])('chaos, short form (%s input and output)', (mode) => {
  it(
    'keeps every record exactly once and ends every split FINISHED, or FAILED with a reason',
    async () => {
      const options = chaosOptions({ profile: 'short', mode });
      const { figures } = await runChaos(options);
      process.stderr.write(`${JSON.stringify(figures)}\n${humanSummary(figures)}\n`);

      expect(figures.violations).toEqual([]);
      expect(figures).toMatchObject({ lost: 0, duplicated: 0, corruptLines: 0, notTerminal: 0, failedWithoutReason: 0, failedWithoutAlert: 0 });
      expect(figures.splits).toBeGreaterThan(1);
    },
    RUN_TIMEOUT_MS,
  );
});
