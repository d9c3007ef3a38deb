import type { SplitStore } from '../../coordination/SplitStore';
import type { SourceSplit, SplitSerializer } from '../../source-support/SourceSplit';
import { deserializeSplit, serializeSplit } from '../../source-support/SourceSplit';
import type { SplitEnumeratorContext } from '../../source-support/SplitEnumerator';

export interface AssignmentTarget {
  /** Claims the split in the store and sends it to the reader; false if the claim failed. */
  assign(split: SourceSplit, readerId: number): Promise<boolean>;
  noMoreSplits(readerId: number): void;
  readerIds(): number[];
}

/**
 * The enumerator's view of the embedded runtime: discovered splits are registered in the
 * local split store (which keeps only new ones), assignments go to reader hosts.
 */
export class EmbeddedEnumeratorContext<S extends SourceSplit> implements SplitEnumeratorContext<S> {
  constructor(
    private readonly store: SplitStore,
    private readonly serializer: SplitSerializer<S>,
    private readonly target: AssignmentTarget,
    private readonly onError: (error: Error) => void,
    private readonly onRegistered: (count: number) => void = () => undefined,
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {}

  async knownSplit(splitId: string): Promise<{ split: S; status: string } | undefined> {
    const row = await this.store.get(splitId);
    return row && { split: deserializeSplit(this.serializer, row.split), status: row.status };
  }

  warn(message: string): void {
    this.onWarning(message);
  }

  assignSplit(split: S, readerId: number): void {
    this.target.assign(split, readerId).catch(this.onError);
  }

  signalNoMoreSplits(readerId: number): void {
    this.target.noMoreSplits(readerId);
  }

  async registerSplits(splits: S[]): Promise<S[]> {
    const created = new Set((await this.store.createSplits(splits.map((s) => serializeSplit(this.serializer, s)))).map((s) => s.splitId));
    this.onRegistered(created.size);
    return splits.filter((s) => created.has(s.splitId));
  }

  reportError(error: Error): void {
    this.onError(error);
  }

  currentParallelism(): number {
    return this.target.readerIds().length;
  }

  registeredReaders(): number[] {
    return this.target.readerIds();
  }
}
