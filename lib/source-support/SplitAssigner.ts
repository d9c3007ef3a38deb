import type { SourceSplit } from './SourceSplit';

/**
 * Assignment policy: which pending split a requesting reader gets next.
 * FIFO keeps files in discovery order, which makes runs reproducible.
 *
 * @example
 * const assigner = new FifoSplitAssigner<FileSplit>();
 * assigner.add(discovered);
 * const next = assigner.next(readerId); // undefined when none is pending
 */
export interface SplitAssigner<S extends SourceSplit> {
  add(splits: S[]): void;
  /**
   * `readers`: the registered readers that may still ask for splits (not told "no more splits"
   * since their last request), for policies that give each split an owner among them.
   */
  next(readerId: number, readers?: readonly number[]): S | undefined;
  remaining(): S[];
}

export class FifoSplitAssigner<S extends SourceSplit> implements SplitAssigner<S> {
  private readonly pending: S[] = [];

  add(splits: S[]): void {
    this.pending.push(...splits);
  }

  next(): S | undefined {
    return this.pending.shift();
  }

  remaining(): S[] {
    return [...this.pending];
  }
}
