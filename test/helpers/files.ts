import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** File contents by path relative to the fixture root; a Buffer is written byte for byte. */
export type FixtureFiles = Record<string, string | Buffer>;

export interface FixtureDir {
  readonly root: string;
  /** Absolute path of `rel` inside the fixture. */
  path(rel: string): string;
  /** Writes `rel` (creating parent directories) and returns its absolute path. */
  write(rel: string, content: string | Buffer): string;
  /** Writes `rel` as the gzip of `content` and returns its absolute path. */
  writeGzip(rel: string, content: string | Buffer): string;
  /** Creates a symbolic link `rel` pointing at `target` (an absolute path). */
  link(rel: string, target: string): string;
  cleanup(): void;
}

/**
 * A temporary directory holding `files`; call `cleanup()` in afterEach/afterAll.
 *
 * @example
 * const fx = makeFixtureDir({ 'a.csv': 'id\n1\n', 'sub/b.jsonl': '{"id":2}\n' });
 * try { ... fx.path('a.csv') ... } finally { fx.cleanup() }
 */
export function makeFixtureDir(files: FixtureFiles = {}): FixtureDir {
  const root = mkdtempSync(join(tmpdir(), 'adf-files-'));
  const fixture: FixtureDir = {
    root,
    path: (rel) => join(root, rel),
    write(rel, content) {
      const path = join(root, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      return path;
    },
    writeGzip(rel, content) {
      return fixture.write(rel, gzipSync(typeof content === 'string' ? Buffer.from(content) : content));
    },
    link(rel, target) {
      const path = join(root, rel);
      mkdirSync(dirname(path), { recursive: true });
      symlinkSync(target, path);
      return path;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  for (const [rel, content] of Object.entries(files)) fixture.write(rel, content);
  return fixture;
}

/** Gzips the file at `path` into `${path}.gz` (or `target`) and returns the new path. */
export function gzipFile(path: string, target = `${path}.gz`): string {
  writeFileSync(target, gzipSync(readFileSync(path)));
  return target;
}

/** A gzip of `content` whose bytes from `at` (a fraction of its length) on are cut off. */
export function truncatedGzip(content: string | Buffer, at = 0.5): Buffer {
  const gz = gzipSync(typeof content === 'string' ? Buffer.from(content) : content);
  return gz.subarray(0, Math.floor(gz.length * at));
}

/**
 * Text that compresses badly (so a gzip of it is long enough to damage in the middle):
 * `count` lines built by `line(i)`.
 */
export function lines(count: number, line: (i: number) => string): string {
  let text = '';
  for (let i = 0; i < count; i++) text += `${line(i)}\n`;
  return text;
}

/** Byte offset of the `n`-th (0-based) occurrence of `needle` in `text`, counted in UTF-8 bytes. */
export function byteOffsetOf(text: string, needle: string, n = 0): number {
  let from = -1;
  for (let i = 0; i <= n; i++) {
    from = text.indexOf(needle, from + 1);
    if (from === -1) throw new Error(`"${needle}" occurs fewer than ${n + 1} times`);
  }
  return Buffer.byteLength(text.slice(0, from));
}
