import { parseArgs } from 'node:util';
import type { DynamoDbBackend } from '../../lib/aws/emulators';

/**
 * Every setting of a chaos run, with the two profiles (short: inside `npm test`; long: `npm run
 * test:chaos`) in one place. Flags win over CHAOS_* variables, which win over the profile.
 */
export const FAULT_KINDS = ['kill', 'killPoint', 'zombie', 'sinkPause', 'duplicate', 'drop', 'enumerators', 'failureHandlers'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_HELP: Readonly<Record<FaultKind, string>> = {
  kill: 'SIGKILL reader processes at random times (and respawn them)',
  killPoint: 'readers SIGKILL themselves right after a sink write (before the commit) or right after a write was applied (before its answer)',
  zombie: 'SIGSTOP a reader past its lease, then SIGCONT it',
  sinkPause: 'a reader pauses inside its next sink write past its lease (SIGUSR2)',
  duplicate: 'extra copies of split messages (current and stale tokens), some delayed',
  drop: 'responses dropped after the server applied the request (SDK middleware after the retry step)',
  enumerators: 'overlapping enumerator processes, some SIGKILLed',
  failureHandlers: 'overlapping failure-handler processes, some SIGKILLed',
};

export type ChaosMode = 'local' | 's3';

export interface ChaosOptions {
  readonly profile: 'short' | 'long';
  readonly seed: number;
  readonly mode: ChaosMode;
  readonly dynamodb: DynamoDbBackend;
  readonly records: number;
  readonly files: number;
  /** One bad (unparsable) JSON line per this many records in JSONL files, to exercise the dead-letter writer; 0: none. */
  readonly badEvery: number;
  readonly splitSize: string;
  readonly readers: number;
  /** Records per reader batch (ADF_BATCH_SIZE). */
  readonly batchSize: number;
  readonly faults: ReadonlySet<FaultKind>;
  /** How many of each scheduled fault to inject (the run stops injecting a kind at its target). */
  readonly targets: { readonly kills: number; readonly zombies: number; readonly sinkPauses: number; readonly duplicates: number; readonly extraEnumerators: number; readonly extraFailureHandlers: number };
  /** Mean time between two injections of a kind, ms. */
  readonly killEveryMs: number;
  readonly zombieEveryMs: number;
  readonly pauseEveryMs: number;
  readonly duplicateEveryMs: number;
  readonly helperEveryMs: number;
  readonly dropProbability: number;
  readonly dropServices: readonly string[];
  readonly killPointProbability: number;
  readonly readerTimeoutMs: number;
  readonly timeMarginMs: number;
  readonly leaseGraceMs: number;
  readonly orphanAfterMs: number;
  readonly maxAttempts: number;
  readonly failureHandlerEveryMs: number;
  readonly enumerateEveryMs: number;
  /** The whole run, faults and settling, must end within this. */
  readonly timeoutMs: number;
  /** Keep the run's directory (inputs, outputs, worker logs) instead of deleting it. */
  readonly keep: boolean;
}

type Profile = Omit<ChaosOptions, 'seed' | 'mode' | 'dynamodb' | 'faults' | 'keep'>;

export const PROFILES: Readonly<Record<'short' | 'long', Profile>> = {
  short: {
    profile: 'short', records: 6_000, files: 4, badEvery: 1_000, splitSize: '24K', readers: 3, batchSize: 150,
    targets: { kills: 3, zombies: 1, sinkPauses: 2, duplicates: 20, extraEnumerators: 2, extraFailureHandlers: 2 },
    killEveryMs: 2_500, zombieEveryMs: 4_000, pauseEveryMs: 3_000, duplicateEveryMs: 300, helperEveryMs: 3_000,
    dropProbability: 0.08, dropServices: ['dynamodb'], killPointProbability: 0.01,
    readerTimeoutMs: 3_000, timeMarginMs: 500, leaseGraceMs: 1_000, orphanAfterMs: 8_000, maxAttempts: 100,
    failureHandlerEveryMs: 1_000, enumerateEveryMs: 4_000, timeoutMs: 170_000,
  },
  long: {
    profile: 'long', records: 100_000, files: 8, badEvery: 2_000, splitSize: '96K', readers: 4, batchSize: 100,
    targets: { kills: 60, zombies: 6, sinkPauses: 6, duplicates: 300, extraEnumerators: 10, extraFailureHandlers: 10 },
    killEveryMs: 1_500, zombieEveryMs: 8_000, pauseEveryMs: 8_000, duplicateEveryMs: 250, helperEveryMs: 6_000,
    dropProbability: 0.03, dropServices: ['dynamodb'], killPointProbability: 0.004,
    readerTimeoutMs: 5_000, timeMarginMs: 800, leaseGraceMs: 1_500, orphanAfterMs: 15_000, maxAttempts: 100,
    failureHandlerEveryMs: 1_000, enumerateEveryMs: 5_000, timeoutMs: 20 * 60_000,
  },
};

export interface ChaosOptionsInput {
  readonly profile?: 'short' | 'long';
  readonly seed?: number;
  readonly mode?: ChaosMode;
  readonly dynamodb?: DynamoDbBackend;
  readonly faults?: readonly FaultKind[];
  readonly keep?: boolean;
  readonly overrides?: Partial<Profile>;
}

/** A fault list: `all`, `none`, `kill,zombie`, or `all,-drop` (everything but drop). */
export function parseFaults(value: string): FaultKind[] {
  const set = new Set<FaultKind>();
  for (const raw of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const remove = raw.startsWith('-');
    const name = remove ? raw.slice(1) : raw;
    const kinds = name === 'all' ? [...FAULT_KINDS] : name === 'none' ? [] : [name];
    for (const kind of kinds) {
      if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown fault "${kind}": one of ${FAULT_KINDS.join(', ')}, all, none`);
      if (remove) set.delete(kind as FaultKind);
      else set.add(kind as FaultKind);
    }
  }
  return [...set];
}

export function chaosOptions(input: ChaosOptionsInput = {}, env: NodeJS.ProcessEnv = process.env): ChaosOptions {
  const profileName = input.profile ?? (env.CHAOS_PROFILE === 'short' ? 'short' : env.CHAOS_PROFILE === 'long' ? 'long' : 'short');
  const fromEnv: Partial<Profile> = env.CHAOS_ORPHAN_AFTER_S ? { orphanAfterMs: Number(env.CHAOS_ORPHAN_AFTER_S) * 1000 } : {};
  const profile = { ...PROFILES[profileName], ...fromEnv, ...input.overrides };
  const mode = input.mode ?? (env.CHAOS_MODE as ChaosMode | undefined) ?? 'local';
  if (mode !== 'local' && mode !== 's3') throw new Error(`mode must be local or s3 (got ${String(mode)})`);
  const dynamodb = input.dynamodb ?? (env.CHAOS_DYNAMODB as DynamoDbBackend | undefined) ?? (env.ADF_TEST_DYNAMODB as DynamoDbBackend | undefined) ?? 'dynamodb-local';
  const faults = new Set(input.faults ?? parseFaults(env.CHAOS_FAULTS ?? 'all'));
  return {
    ...profile,
    seed: input.seed ?? (env.CHAOS_SEED ? Number(env.CHAOS_SEED) : 1),
    mode,
    dynamodb,
    faults,
    keep: input.keep ?? env.CHAOS_KEEP === '1',
  };
}

export const CLI_HELP = `npm run test:chaos -- [flags]

The serverless runtime on the emulators under faults; checks every input record is in the sink
exactly once and every split ended FINISHED or FAILED with a reason. Prints one JSON line of
figures per run (stdout) and a human summary (stderr). Exit 1 if an invariant is broken.

  --profile short|long     long (default here): 100k records, >= 50 kills, >= 5 zombies, ...
  --seeds 1,2,3            one run per seed (default 1)          env CHAOS_SEEDS
  --modes local,s3         input/output on local disk or in S3   env CHAOS_MODES (default local,s3)
  --dynamodb dynamodb-local|dynalite                             env CHAOS_DYNAMODB
  --faults LIST            all | none | kill,zombie,... | all,-drop   env CHAOS_FAULTS
  --records N --readers N --batch-size N --split-size 96K --kills N --zombies N --pauses N
  --drop-p P               chance per write that its response is dropped (default 0.03)
  --orphan-after S         seconds before the failure handler re-sends a lost message (short 8, long 15;
                           900 = production: a lost message then stalls the run, see RELIABILITY.md)
  --timeout 20m --keep     keep the run directory (inputs, outputs, worker logs)

Faults:
${FAULT_KINDS.map((k) => `  ${k.padEnd(16)} ${FAULT_HELP[k]}`).join('\n')}
`;

export interface CliSelection {
  readonly seeds: number[];
  readonly modes: ChaosMode[];
  readonly options: Omit<ChaosOptionsInput, 'seed' | 'mode'>;
  readonly help: boolean;
}

export function parseChaosArgs(args: string[], env: NodeJS.ProcessEnv = process.env): CliSelection {
  const { values: v } = parseArgs({
    args,
    options: {
      profile: { type: 'string' }, seeds: { type: 'string' }, seed: { type: 'string' }, modes: { type: 'string' }, mode: { type: 'string' },
      dynamodb: { type: 'string' }, faults: { type: 'string' }, records: { type: 'string' }, readers: { type: 'string' },
      'batch-size': { type: 'string' }, 'split-size': { type: 'string' }, kills: { type: 'string' }, zombies: { type: 'string' },
      pauses: { type: 'string' }, 'drop-p': { type: 'string' }, 'orphan-after': { type: 'string' }, timeout: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  const seeds = list(v.seeds ?? v.seed ?? env.CHAOS_SEEDS ?? env.CHAOS_SEED ?? '1').map(Number);
  if (seeds.some((s) => !Number.isInteger(s))) throw new Error(`--seeds must be whole numbers (got ${v.seeds ?? v.seed})`);
  const modes = list(v.modes ?? v.mode ?? env.CHAOS_MODES ?? env.CHAOS_MODE ?? 'local,s3') as ChaosMode[];
  for (const m of modes) if (m !== 'local' && m !== 's3') throw new Error(`--modes must be local and/or s3 (got ${m})`);
  const profile = (v.profile ?? env.CHAOS_PROFILE ?? 'long') as 'short' | 'long';
  if (profile !== 'short' && profile !== 'long') throw new Error(`--profile must be short or long (got ${profile})`);
  const base = PROFILES[profile];
  const int = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} must be a whole number (got ${value})`);
    return n;
  };
  const timeout = v.timeout === undefined ? undefined : /^(\d+)(m|s)?$/.exec(v.timeout);
  if (v.timeout !== undefined && !timeout) throw new Error(`--timeout must look like 20m or 600s (got ${v.timeout})`);
  const overrides: Partial<Profile> = {
    ...(v.records ? { records: int('records', v.records)! } : {}),
    ...(v.readers ? { readers: int('readers', v.readers)! } : {}),
    ...(v['batch-size'] ? { batchSize: int('batch-size', v['batch-size'])! } : {}),
    ...(v['split-size'] ? { splitSize: v['split-size'] } : {}),
    ...(v['drop-p'] ? { dropProbability: Number(v['drop-p']) } : {}),
    ...(v['orphan-after'] ? { orphanAfterMs: int('orphan-after', v['orphan-after'])! * 1000 } : {}),
    ...(timeout ? { timeoutMs: Number(timeout[1]) * (timeout[2] === 's' ? 1000 : 60_000) } : {}),
    targets: {
      ...base.targets,
      ...(v.kills ? { kills: int('kills', v.kills)! } : {}),
      ...(v.zombies ? { zombies: int('zombies', v.zombies)! } : {}),
      ...(v.pauses ? { sinkPauses: int('pauses', v.pauses)! } : {}),
    },
  };
  const faultList = v.faults ?? env.CHAOS_FAULTS;
  return {
    seeds,
    modes,
    help: v.help ?? false,
    options: {
      profile,
      dynamodb: (v.dynamodb ?? env.CHAOS_DYNAMODB ?? env.ADF_TEST_DYNAMODB) as DynamoDbBackend | undefined,
      faults: faultList === undefined ? undefined : parseFaults(faultList),
      keep: v.keep ?? env.CHAOS_KEEP === '1',
      overrides,
    },
  };
}
