import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AdfError, ConfigError } from '../errors';
import type { Flow } from '../flow/Flow';
import type { FlowRef } from '../flow/FlowRef';
import { loadFlow } from '../flow/loadFlow';

/**
 * Loads a flow file once before the run starts, so that a mistake in it (a syntax error, a
 * throw at its top level, an import that is not there) is the user's error: one line with
 * file:line:col and exit 2, the stack only with --verbose. The runtime loads the same module
 * again (the module cache answers).
 */
export async function preloadFlow(ref: FlowRef, verbose: boolean): Promise<Flow | undefined> {
  if (ref.kind !== 'module') return undefined;
  try {
    return await loadFlow(ref);
  } catch (e) {
    if (e instanceof AdfError || verbose) throw e;
    throw flowLoadError(e, ref.path);
  }
}

interface Where {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** The error of loading `flowPath` as one ConfigError line: `file:line:col: message`. */
export function flowLoadError(e: unknown, flowPath: string): ConfigError {
  const found = esbuildLocation(e) ?? transformErrorLocation(e) ?? syntaxErrorLocation(e) ?? stackLocation(e, resolve(flowPath));
  // tsx names an .mjs file by the .js it compiled it to: point to the file the user has.
  const where = found && !existsSync(found.file) ? { ...found, file: resolve(flowPath) } : found;
  const text = esbuildText(e) ?? transformErrorText(e) ?? firstLine(e);
  const at = where ? `${where.file}:${where.line}:${where.column}` : flowPath;
  return new ConfigError(`${at}: ${text} (loading the flow ${flowPath}; --verbose for the stack)`, { context: { file: where?.file ?? flowPath } });
}

/** esbuild (tsx, or a bundling loader) throws `{ errors: [{ text, location: { file, line, column } }] }`, column 0-based. */
function esbuildLocation(e: unknown): Where | undefined {
  const location = (e as { errors?: { location?: { file: string; line: number; column: number } }[] })?.errors?.[0]?.location;
  return location ? { file: resolve(location.file), line: location.line, column: location.column + 1 } : undefined;
}

function esbuildText(e: unknown): string | undefined {
  const text = (e as { errors?: { text?: string }[] })?.errors?.[0]?.text;
  return text ? `SyntaxError: ${text}` : undefined;
}

/** tsx keeps only esbuild's formatted message: `Transform failed …\n<file>:<line>:<col>: ERROR: <text>`, column 0-based. */
const TRANSFORM_LINE = /^(.+):(\d+):(\d+): ERROR: (.+)$/m;

function transformErrorLocation(e: unknown): Where | undefined {
  const match = TRANSFORM_LINE.exec(String((e as Error)?.message ?? ''));
  return match ? { file: resolve(match[1]!), line: Number(match[2]), column: Number(match[3]) + 1 } : undefined;
}

function transformErrorText(e: unknown): string | undefined {
  const match = TRANSFORM_LINE.exec(String((e as Error)?.message ?? ''));
  return match ? `SyntaxError: ${match[4]}` : undefined;
}

/** V8's SyntaxError of a CommonJS file starts its stack with `file:line`, the code and a caret under the column. */
function syntaxErrorLocation(e: unknown): Where | undefined {
  if (!(e instanceof SyntaxError) || !e.stack) return undefined;
  const [head, , caret] = e.stack.split('\n');
  const match = /^(.+):(\d+)$/.exec(head ?? '');
  if (!match) return undefined;
  const column = caret && /^\s*\^/.test(caret) ? caret.indexOf('^') + 1 : 1;
  return { file: match[1]!, line: Number(match[2]), column };
}

/** The first stack frame in the flow file, else the first one in a file of the user's (not Node's, not node_modules). */
function stackLocation(e: unknown, flowFile: string): Where | undefined {
  const frames = [...String((e as Error)?.stack ?? '').matchAll(/^\s+at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/gm)].map((m) => ({
    file: m[1]!.replace(/^file:\/\//, ''),
    line: Number(m[2]),
    column: Number(m[3]),
  }));
  return frames.find((f) => f.file === flowFile) ?? frames.find((f) => !f.file.includes('node_modules') && !f.file.startsWith('node:') && f.file.startsWith('/'));
}

function firstLine(e: unknown): string {
  const error = e as Error;
  const message = String(error?.message ?? e).split('\n')[0];
  return error instanceof Error ? `${error.name}: ${message}` : message!;
}
