import { closeSync, constants, ftruncateSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { openNoFollow } from '../util/noFollow';
import { ensureWritableDir } from '../util/writableDir';
import { toJsonLines } from './jsonLines';
import type { LineFormat } from './jsonLines';
import { assertNotShort, fdSize, JsonlPartFiles, parsePartState, writeFully } from './JsonlPartFiles';
import { claimOutputDir } from './OutputDirClaim';
import type { Sink, SinkBatch, SinkContext, SinkPrepareContext, SinkWriter } from './Sink';
import { StagedJsonlWriter } from './StagedJsonlWriter';

export interface JsonlFileSinkOptions {
  /** Output directory; one part file per split: `part-<split>.jsonl`. */
  readonly dir: string;
  /** How a record becomes a line; default `{"id":…,"value":…}`. */
  readonly format?: LineFormat;
}

/** The files this sink writes; `--fresh` removes them from a directory this run owns. */
const PART_FILE = /^part-.*\.jsonl$/;

/** Open part files per writer; past this many the least recently written is closed. */
const MAX_OPEN_PARTS = 64;

/**
 * JSON Lines part files, one per split, exactly-once across crashes: the sink state of a
 * split is the byte length of its part file at the last committed batch. Before the first
 * write of a split the file is cut back to that length, dropping whatever an interrupted run
 * appended after its last commit. Where leases can pass on under a running writer
 * (serverless), batches are staged and published after the commit instead (StagedJsonlWriter).
 *
 * @example
 * defineFlow({ name: 'orders', source, sink: jsonlSink({ dir: './out' }) });
 */
export class JsonlFileSink implements Sink {
  readonly type = 'jsonl';
  constructor(readonly options: JsonlFileSinkOptions) {}

  async check(): Promise<void> {
    ensureWritableDir(this.options.dir, 'output directory (--out)');
  }

  get localDir(): string {
    return resolve(this.options.dir);
  }

  get identity(): string {
    return `jsonl:${this.localDir}`;
  }

  /** Claims the directory for this run (a marker file); on `fresh`, removes this run's earlier part files. */
  async prepare(ctx: SinkPrepareContext): Promise<void> {
    claimOutputDir(this.localDir, PART_FILE, ctx);
  }

  async open(ctx: SinkContext): Promise<SinkWriter<unknown>> {
    mkdirSync(this.options.dir, { recursive: true });
    return ctx.leasesExpire ? new StagedJsonlWriter(this.options.dir, this.options.format) : new JsonlPartWriter(this.options);
  }
}

interface OpenPart {
  fd: number;
  length: number;
}

/** Writes in place: safe where a split's lease cannot pass on while its writer runs (embedded). */
class JsonlPartWriter implements SinkWriter<unknown> {
  private readonly parts = new Map<string, OpenPart>();
  private readonly files: JsonlPartFiles;

  constructor(private readonly options: JsonlFileSinkOptions) {
    this.files = new JsonlPartFiles(options.dir);
  }

  async write(batch: SinkBatch<unknown>): Promise<number> {
    const state = parsePartState(batch.sinkState);
    if (state.pending) this.files.publish(batch.splitId, state); // a staged state (not written by this mode): finish it first
    const part = this.part(batch.splitId, state.length);
    if (batch.records.length > 0) {
      const data = Buffer.from(toJsonLines(batch.records, this.options.format));
      writeFully(part.fd, data, part.length);
      part.length += data.length;
    }
    return part.length;
  }

  async close(): Promise<void> {
    for (const part of this.parts.values()) closeSync(part.fd);
    this.parts.clear();
  }

  private part(splitId: string, committed: number): OpenPart {
    let part = this.parts.get(splitId);
    if (!part) {
      // Not 'a': O_APPEND would ignore the positions we write at. Never through a planted link.
      part = { fd: openNoFollow(this.files.part(splitId), constants.O_RDWR | constants.O_CREAT), length: committed };
      if (this.parts.size >= MAX_OPEN_PARTS) this.evictOldest();
    } else {
      this.parts.delete(splitId);
    }
    this.parts.set(splitId, part); // re-insert: Map order is least recently written first
    // Cut back on every write, not only when our own length differs: after a give-back another
    // reader's writer may have appended past the commit to this file (and died before
    // committing) while the length this writer remembers still equals the commit. Never
    // extend: a part shorter than its commit has lost committed records.
    assertNotShort(this.files.part(splitId), fdSize(part.fd), committed, splitId);
    ftruncateSync(part.fd, committed);
    part.length = committed;
    return part;
  }

  private evictOldest(): void {
    const [oldest, part] = this.parts.entries().next().value as [string, OpenPart];
    closeSync(part.fd);
    this.parts.delete(oldest);
  }
}

export function jsonlSink(options: JsonlFileSinkOptions): JsonlFileSink {
  return new JsonlFileSink(options);
}
