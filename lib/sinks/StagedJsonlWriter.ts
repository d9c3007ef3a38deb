import { ftruncateSync, closeSync, constants } from 'node:fs';
import { openNoFollow } from '../util/noFollow';
import { AdfError } from '../errors';
import { toJsonLines } from './jsonLines';
import type { LineFormat } from './jsonLines';
import { fdSize, JsonlPartFiles, parsePartState } from './JsonlPartFiles';
import type { SinkBatch, SinkCall, SinkWriter } from './Sink';

/**
 * The JSONL writer where a lease can pass on while its holder still writes (serverless). A batch
 * goes to a file of its own lease token (`.adf-pending/part-<split>.jsonl.<token>.<offset>`);
 * only after the fenced commit is it copied into the part file, at its committed offset. A stale
 * holder can therefore only write its own staged file, and the part file only ever receives
 * committed bytes at their committed place: it never shrinks and never holds uncommitted data.
 */
export class StagedJsonlWriter implements SinkWriter<unknown> {
  private readonly files: JsonlPartFiles;
  /** The last batch staged per split, so publishing it does not read it back. */
  private readonly staged = new Map<string, { token: number; at: number; data: Buffer }>();

  constructor(dir: string, private readonly format?: LineFormat) {
    this.files = new JsonlPartFiles(dir);
  }

  async write(batch: SinkBatch<unknown>): Promise<unknown> {
    if (batch.records.length === 0) return batch.sinkState;
    if (batch.leaseToken === undefined) throw new AdfError(`a staged JSONL write of ${batch.splitId} needs its lease token`, { context: { splitId: batch.splitId } });
    batch.signal?.throwIfAborted();
    const { length } = parsePartState(batch.sinkState);
    const data = Buffer.from(toJsonLines(batch.records, this.format));
    this.files.stage(batch.splitId, batch.leaseToken, length, data);
    this.staged.set(batch.splitId, { token: batch.leaseToken, at: length, data });
    return { length: length + data.length, pending: { token: batch.leaseToken, at: length } };
  }

  async publish(splitId: string, sinkState: unknown, _call: SinkCall): Promise<void> {
    const state = parsePartState(sinkState);
    if (state.inPlace) {
      // Written in place by an older version: bytes past the commit are an interrupted batch.
      // Cut back once, as that version did; every state from here on is staged.
      const fd = openNoFollow(this.files.part(splitId), constants.O_RDWR | constants.O_CREAT);
      try {
        if (fdSize(fd) > state.length) ftruncateSync(fd, state.length);
      } finally {
        closeSync(fd);
      }
    }
    const mine = this.staged.get(splitId);
    const own = mine && state.pending && mine.token === state.pending.token && mine.at === state.pending.at ? mine.data : undefined;
    this.files.publish(splitId, state, own);
    if (own) this.staged.delete(splitId);
  }

  async discard(splitId: string, sinkState: unknown): Promise<void> {
    this.staged.delete(splitId);
    this.files.discard(splitId, parsePartState(sinkState));
  }

  async close(): Promise<void> {
    this.staged.clear();
  }
}
