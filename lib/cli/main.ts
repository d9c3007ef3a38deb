import { AdfError, ConfigError } from '../errors';
import { exitCodeFor } from '../runtime/RunSummary';
import { replayDeadLetters, runEmbedded } from '../runtime/embedded';
import { devCommand } from './devCommand';
import { preloadFlow } from './flowLoadError';
import { MAIN_HELP, REPLAY_HELP, RUN_HELP } from './help';
import { parseRunArgs } from './parseRunArgs';
import { redactText } from '../util/redact';
import { statusCommand } from './statusCommand';
import { adminCommand, ADMIN_COMMANDS } from './adminCommands';
import { uiCommand } from './uiCommand';
import { adfVersion } from './version';
import { quietNodeVersionWarning } from '../util/nodeVersion';

/** `adf <command>`; returns the exit code. Results on stdout, everything else on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const verbose = argv.includes('--verbose');
  quietNodeVersionWarning();
  try {
    // Asked for help: stdout, exit 0. No command at all is a usage error: stderr, exit 2.
    if (!command) {
      process.stderr.write(MAIN_HELP);
      return 2;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(MAIN_HELP);
      return 0;
    }
    if (command === '--version' || command === '-V' || command === 'version') {
      process.stdout.write(`${adfVersion()}\n`);
      return 0;
    }
    if (command === 'run') return await run(rest);
    if (command === 'replay-dead-letters') return await run(rest, 'replay');
    if (command === 'dev') return await devCommand(rest);
    if (command === 'status') return await statusCommand(rest);
    if (ADMIN_COMMANDS.includes(command)) return await adminCommand(command as Parameters<typeof adminCommand>[0], rest);
    if (command === 'ui') return await uiCommand(rest);
    if (command === 'topic') return await (require('./topicCommand') as typeof import('./topicCommand')).topicCommand(rest); // eslint-disable-line @typescript-eslint/no-require-imports -- loads ioredis only for these commands
    if (command === 'produce') return await (require('./produceCommand') as typeof import('./produceCommand')).produceCommand(rest); // eslint-disable-line @typescript-eslint/no-require-imports -- loads ioredis only for these commands
    if (command === 'consume') return await (require('./consumeCommand') as typeof import('./consumeCommand')).consumeCommand(rest); // eslint-disable-line @typescript-eslint/no-require-imports -- loads ioredis only for these commands
    throw new ConfigError(`unknown command "${command}" (see adf --help)`);
  } catch (e) {
    return reportError(e, verbose);
  }
}

async function run(args: string[], mode: 'run' | 'replay' = 'run'): Promise<number> {
  const cmd = parseRunArgs(args);
  if (cmd.help) {
    process.stdout.write(mode === 'run' ? RUN_HELP : REPLAY_HELP);
    return 0;
  }
  const sinkType = cmd.ref.kind === 'options' ? cmd.ref.options.sink : (await preloadFlow(cmd.ref, cmd.verbose))?.sink.type;
  if (mode === 'replay' && cmd.runtime.fresh) throw new ConfigError('--fresh makes no sense with replay-dead-letters: it would forget the state whose dead letters it replays');
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after the current batch (Ctrl-C again to stop at once; progress is kept either way)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const options = { ...cmd.runtime, signal: controller.signal };
    const summary = mode === 'run' ? await runEmbedded(cmd.ref, options) : await replayDeadLetters(cmd.ref, options);
    // With --sink stdout the records are the results: the summary joins the logs on stderr, so `| jq` sees data only.
    const results = sinkType === 'stdout' ? process.stderr : process.stdout;
    results.write(`${JSON.stringify(summary, null, 2)}\n`);
    if (summary.deadLetterDir) process.stderr.write(`${summary.badRecords} bad record(s) written to ${summary.deadLetterDir}\n`);
    return exitCodeFor(summary);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

/** Errors a user can fix are one line; anything else is a bug and keeps its stack. */
function reportError(e: unknown, verbose: boolean): number {
  if (e instanceof AdfError && !verbose) {
    process.stderr.write(`adf: ${redactText(e.message)}\n`);
    return e instanceof ConfigError ? 2 : 1;
  }
  process.stderr.write(`adf: ${redactText((e as Error)?.stack ?? String(e))}\n`);
  return e instanceof ConfigError ? 2 : 1;
}
