import type { SerializedSplit } from '../../source-support/SourceSplit';
import type { SplitRow } from '../../coordination/SplitStore';
import type { DeadLetterMessage } from '../../coordination/SplitMessageCodec';
import { ConfigError } from '../../errors';

/**
 * The writes behind `adf retry | reset | forget | redrive`, the same on both stores: the
 * embedded state dir (LocalSplitStore, under its lock: refused while a run holds it) and the
 * DynamoDB split table (DynamoSplitStore, each write conditional, with its writeId).
 */
export interface AdminStore {
  /** "state dir .adf/orders" or "table adf-splits, flow orders", for what the commands print. */
  readonly where: string;
  list(): Promise<SplitRow[]>;
  retry(splitId: string, audit: string): Promise<SplitRow | undefined>;
  reset(seen: SplitRow, split: SerializedSplit, force: boolean, audit: string): Promise<SplitRow | undefined>;
  forget(splitId: string): Promise<boolean>;
  /** Serverless: asks a reader to take the split (a message with its token). Embedded: nothing, the next run picks it up. */
  wake(row: SplitRow): Promise<void>;
  /** The dead letters to redrive: the DLQ's messages (serverless) or none (embedded: FAILED rows are its dead letters). */
  deadLetters(): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

export interface DeadLetter {
  readonly letter: DeadLetterMessage;
  /** Takes the message off the DLQ (it was handled). */
  remove(): Promise<void>;
  /** Puts it back for others (another flow's message, or not confirmed). */
  release(): Promise<void>;
}

export interface AdminStoreOptions {
  readonly flow?: string;
  readonly stateDir?: string;
  readonly table?: string;
  readonly queueUrl?: string;
  readonly dlqUrl?: string;
}

/** `--state-dir DIR` → the embedded store; else the split table (`--table` or ADF_SPLIT_TABLE) for `flow`. */
export async function openAdminStore(options: AdminStoreOptions, command: string): Promise<AdminStore> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (options.stateDir !== undefined) {
    const { openLocalAdminStore } = require('./LocalAdminStore') as typeof import('./LocalAdminStore');
    return openLocalAdminStore(options.stateDir);
  }
  const table = options.table ?? process.env.ADF_SPLIT_TABLE;
  if (!table) throw new ConfigError(`adf ${command} needs the state: --state-dir DIR (embedded) or --table NAME / ADF_SPLIT_TABLE (serverless)`, { context: { field: 'table' } });
  if (!options.flow) throw new ConfigError(`adf ${command} needs a flow name: adf ${command} <flow>`, { context: { field: 'flow' } });
  const { openDynamoAdminStore } = require('./DynamoAdminStore') as typeof import('./DynamoAdminStore');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return openDynamoAdminStore(options.flow, table, options.queueUrl ?? process.env.ADF_SPLIT_QUEUE_URL, options.dlqUrl ?? process.env.ADF_DLQ_URL);
}
