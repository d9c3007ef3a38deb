import { Module } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { ConfigError } from '../errors';
import { PACKAGE_ENTRIES, PACKAGE_NAME } from './packageEntries';

/** This copy of ActiveDataFlow: lib/ when run from source, dist/ when built. */
const OWN_DIR = resolve(__dirname, '..');
const PACKAGE_ROOT = resolve(OWN_DIR, '..');
const SOURCE_DIRS = [join(PACKAGE_ROOT, 'lib'), join(PACKAGE_ROOT, 'dist')];

/**
 * Loads a flow file (TypeScript or JavaScript, ESM or CommonJS syntax) with esbuild, a runtime
 * dependency, so no TypeScript loader has to be installed. The flow and the files it imports by
 * relative path are bundled; `activedataflow` (and `activedataflow/rafka` …) is resolved to the
 * copy of ActiveDataFlow that is running, wherever the flow file lives, so the flow and the
 * runtime share one set of modules (error classes, registries); any other package is required
 * from the flow file's directory, then from ActiveDataFlow's own.
 *
 * The bundle runs as a CommonJS module named after the flow file: `__dirname`, `__filename`
 * and `import.meta.url` / `.dirname` / `.filename` are the flow file's, and stack traces point
 * into it (inline source map). Top-level await is not supported (CommonJS).
 */
export async function compileFlowModule(path: string): Promise<Record<string, unknown>> {
  const { build } = await import('esbuild');
  let code: string;
  try {
    const result = await build({
      entryPoints: [path],
      absWorkingDir: dirname(path), // source map paths are relative to it, and Node reads them against the flow file
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'silent',
      define: {
        'import.meta.url': JSON.stringify(pathToFileURL(path).href),
        'import.meta.dirname': JSON.stringify(dirname(path)),
        'import.meta.filename': JSON.stringify(path),
      },
      plugins: [adfResolver()],
    });
    code = result.outputFiles[0]!.text;
  } catch (e) {
    throw buildError(path, e);
  }
  return evaluate(path, code);
}

/** Keeps ActiveDataFlow and every package out of the bundle (see compileFlowModule). */
function adfResolver(): Plugin {
  return {
    name: 'adf-flow-resolver',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const spec = args.path;
        let own: string | undefined;
        try {
          own = ownModule(spec, args.resolveDir);
        } catch (e) {
          return { errors: [{ text: (e as Error).message }] }; // esbuild adds where the import is
        }
        if (own) return { path: own, external: true };
        if (spec.startsWith('.') || isAbsolute(spec)) return undefined; // the user's own files: bundled
        return { path: spec, external: true };
      });
    },
  };
}

/** The module of this copy of ActiveDataFlow that a specifier names, if it names one. */
function ownModule(spec: string, fromDir: string): string | undefined {
  if (spec === PACKAGE_NAME || spec.startsWith(`${PACKAGE_NAME}/`)) {
    const sub = spec.slice(PACKAGE_NAME.length + 1);
    const entry = PACKAGE_ENTRIES[sub];
    if (entry !== undefined) return join(OWN_DIR, entry);
    // Deep imports (`activedataflow/lib/sinks/s3`, as older examples wrote) keep working.
    const deep = /^(?:lib|dist)\/(.+?)(?:\.[cm]?[jt]s)?$/.exec(sub);
    if (deep) return join(OWN_DIR, deep[1]!);
    throw new ConfigError(`"${spec}" is not an entry point of ${PACKAGE_NAME}; use one of: ${Object.keys(PACKAGE_ENTRIES).map((s) => (s ? `${PACKAGE_NAME}/${s}` : PACKAGE_NAME)).join(', ')}`);
  }
  if (!spec.startsWith('.') && !isAbsolute(spec)) return undefined;
  // A relative path into this repository's lib/ or dist/ (a flow inside the repo: '../lib').
  const target = resolve(fromDir, spec);
  for (const dir of SOURCE_DIRS) {
    if (target === dir || target.startsWith(dir + sep)) return join(OWN_DIR, relative(dir, target).replace(/\.[cm]?[jt]s$/, ''));
  }
  return undefined;
}

function evaluate(path: string, code: string): Record<string, unknown> {
  type CompilingModule = Module & { _compile(code: string, filename: string): void; paths: string[] };
  const mod = new Module(path) as CompilingModule;
  mod.filename = path;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(path));
  // Node builds the module's `require` on top of mod.require: ours sends ActiveDataFlow's own
  // modules to this process's loader (the same instances), and falls back to our dependencies.
  const ownRequire = require;
  const flowRequire = Module.createRequire(path);
  mod.require = ((id: string) => {
    if (isAbsolute(id) && (id === OWN_DIR || id.startsWith(OWN_DIR + sep))) return ownRequire(id);
    try {
      return flowRequire(id);
    } catch (e) {
      // Only when `id` itself is missing there, not a module it requires in turn.
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !(e as Error).message.includes(`'${id}'`)) throw e;
      return ownRequire(id);
    }
  }) as NodeJS.Require;
  process.setSourceMapsEnabled(true); // stack traces of a throwing flow name its own lines
  mod._compile(code, path);
  return mod.exports as Record<string, unknown>;
}

/** esbuild's first error as one line: file:line:col: message. */
function buildError(path: string, e: unknown): Error {
  if (e instanceof ConfigError) return e;
  const first = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors?.[0];
  if (!first) return e as Error;
  const file = first.location ? resolve(dirname(path), first.location.file) : path;
  const where = first.location ? `${file}:${first.location.line}:${first.location.column + 1}` : path;
  return new ConfigError(`${where}: ${first.text}`, { cause: e, context: { file, line: first.location?.line } });
}
