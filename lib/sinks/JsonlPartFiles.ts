import { closeSync, constants, fstatSync, lstatSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SplitFailedError } from '../errors';
import { mkdirNoFollow, openNoFollow, symlinkRefused } from '../util/noFollow';
import { safeName } from '../util/safeName';

/**
 * A JSONL split's committed sink state. Written in place (embedded) it is the part file's byte
 * length, a number. Staged (serverless) it also names the batch committed last, which sits in
 * `<dir>/.adf-pending/` under its lease token until it is copied into the part file at `at`.
 */
export interface JsonlPartState {
  readonly length: number;
  readonly pending?: { readonly token: number; readonly at: number };
  /** A plain number: written in place (or by an older version), so bytes past `length` are uncommitted. */
  readonly inPlace: boolean;
}

export function parsePartState(state: unknown): JsonlPartState {
  if (state === undefined || state === null) return { length: 0, inPlace: false };
  if (typeof state === 'number') return { length: state, inPlace: true };
  const s = state as { length?: unknown; pending?: { token?: unknown; at?: unknown } };
  if (typeof s.length === 'number' && (s.pending === undefined || (typeof s.pending.token === 'number' && typeof s.pending.at === 'number'))) {
    return { length: s.length, pending: s.pending as JsonlPartState['pending'], inPlace: false };
  }
  throw new SplitFailedError(`unreadable JSONL sink state ${JSON.stringify(state)}`);
}

/** Where a split's part file and its staged batches live. */
export class JsonlPartFiles {
  readonly pendingDir: string;
  constructor(readonly dir: string) {
    this.pendingDir = join(dir, '.adf-pending');
  }

  part(splitId: string): string {
    return join(this.dir, `part-${safeName(splitId)}.jsonl`);
  }

  /** Only the holder of `token` writes this file: a stale holder can never touch another's batch. */
  pending(splitId: string, token: number, at: number): string {
    return join(this.pendingDir, `part-${safeName(splitId)}.jsonl.${token}.${at}`);
  }

  stage(splitId: string, token: number, at: number, data: Buffer): string {
    mkdirNoFollow(this.pendingDir);
    const file = this.pending(splitId, token, at);
    // Never through a link: a planted one would have its target truncated (issue 10 item 6).
    const fd = openNoFollow(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
    try {
      writeFully(fd, data, 0);
    } finally {
      closeSync(fd);
    }
    return file;
  }

  /**
   * Copies the committed pending batch into the part file unless it is there already. It writes
   * committed bytes at their committed offset only and never truncates, so a stale holder that
   * runs it late rewrites identical bytes. `staged` is the batch when this process staged it.
   */
  publish(splitId: string, state: JsonlPartState, staged?: Buffer): void {
    const part = this.part(splitId);
    if (!state.pending) {
      assertNotShort(part, sizeOf(part), state.length, splitId);
      return;
    }
    const { token, at } = state.pending;
    const pendingFile = this.pending(splitId, token, at);
    const size = sizeOf(part);
    assertNotShort(part, size, at, splitId);
    if (size < state.length) {
      const data = staged ?? readPending(pendingFile, part, splitId);
      if (data.length !== state.length - at) {
        throw new SplitFailedError(`staged batch ${pendingFile} has ${data.length} bytes, its commit says ${state.length - at}`, { context: { splitId, file: pendingFile } });
      }
      const fd = openNoFollow(part, constants.O_RDWR | constants.O_CREAT);
      try {
        writeFully(fd, data, at);
      } finally {
        closeSync(fd);
      }
    }
    removeIfThere(pendingFile);
  }

  /** Drops a staged batch whose commit was refused. */
  discard(splitId: string, state: JsonlPartState): void {
    if (state.pending) removeIfThere(this.pending(splitId, state.pending.token, state.pending.at));
  }
}

/** A part shorter than its committed length lost committed records: an error, never filled up with NUL bytes. */
export function assertNotShort(part: string, size: number, committed: number, splitId: string): void {
  if (size < committed) {
    throw new SplitFailedError(`part file ${part} is ${size} bytes, shorter than its committed length ${committed}: committed records are missing (was it on a disk that did not last, like Lambda's /tmp?)`, { context: { splitId, file: part } });
  }
}

export function fdSize(fd: number): number {
  return fstatSync(fd).size;
}

function sizeOf(file: string): number {
  try {
    // lstat: a link planted at the part file is refused, not measured by its target.
    const stats = lstatSync(file);
    if (stats.isSymbolicLink()) throw symlinkRefused(file);
    return stats.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}

function readPending(file: string, part: string, splitId: string): Buffer {
  try {
    // A link planted as a staged batch must not copy its target into the output.
    const fd = openNoFollow(file, constants.O_RDONLY);
    try {
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new SplitFailedError(`part file ${part} is short of its committed length and the committed batch ${file} is gone`, { context: { splitId, file: part } });
  }
}

function removeIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export function writeFully(fd: number, data: Buffer, position: number): void {
  let written = 0;
  while (written < data.length) written += writeSync(fd, data, written, data.length - written, position + written);
}
