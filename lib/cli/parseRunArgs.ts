import { z } from 'zod';
import { ConfigError } from '../errors';
import type { FlowRef } from '../flow/FlowRef';
import type { EmbeddedRunOptions } from '../runtime/embedded';
import { FLOW_FLAG_OPTIONS, flowOptionsFromFlags, intFlag, parseNumbers } from './flowFlags';
import { parseCommandArgs } from './parseCommandArgs';

export interface RunCommand {
  readonly ref: FlowRef;
  readonly runtime: Omit<EmbeddedRunOptions, 'signal' | 'log'>;
  readonly verbose: boolean;
  readonly help: boolean;
}

const OPTIONS = {
  ...FLOW_FLAG_OPTIONS,
  parallelism: { type: 'string' }, 'batch-bytes': { type: 'string' },
  'state-dir': { type: 'string' }, fresh: { type: 'boolean' },
  'max-attempts': { type: 'string' }, export: { type: 'string' }, quiet: { type: 'boolean' },
  verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, 'no-retry-failed': { type: 'boolean' },
} as const;

const Numbers = z.object({
  parallelism: intFlag('parallelism', 1, 256),
  'batch-size': intFlag('batch-size', 1, 1_000_000),
  'batch-bytes': intFlag('batch-bytes', 1024, 1024 ** 3),
  'max-attempts': intFlag('max-attempts', 1, 100),
});

/** Parses `adf run` arguments; every mistake is a ConfigError naming the flag. */
export function parseRunArgs(args: string[]): RunCommand {
  const { values: v, positionals } = parseCommandArgs('run', { args, options: OPTIONS, allowPositionals: true });
  const n = parseNumbers(Numbers, v);
  if (positionals.length > 1) throw new ConfigError(`adf run takes one flow file (got ${positionals.join(' ')})`);
  const flowFile = positionals[0];
  if (!flowFile && !v.source && !v.help) throw new ConfigError('adf run needs a flow file or --source (see adf run --help)');
  if (flowFile && v.source) throw new ConfigError('give either a flow file or --source, not both');

  const ref: FlowRef = flowFile
    ? { kind: 'module', path: flowFile, exportName: v.export }
    : { kind: 'options', options: v.help ? { source: '', sink: '' } : flowOptionsFromFlags(v) };
  return {
    ref,
    verbose: v.verbose ?? false,
    help: v.help ?? false,
    runtime: {
      parallelism: n.parallelism,
      stateDir: v['state-dir'],
      fresh: v.fresh,
      retryFailed: !v['no-retry-failed'],
      // A source that needs more attempts (Rafka: maxDeliveries + 1) raises this itself (Source.minAttempts).
      maxAttempts: n['max-attempts'],
      progress: !v.quiet,
      limits: { ...(n['batch-size'] ? { maxRecords: n['batch-size'] } : {}), ...(n['batch-bytes'] ? { maxBytes: n['batch-bytes'] } : {}) },
    },
  };
}
