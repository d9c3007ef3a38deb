import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors';
import { compileFlowModule } from './compileFlowModule';
import { isFlow } from './Flow';
import type { Flow } from './Flow';
import type { FlowRef } from './FlowRef';
import { flowFromOptions } from './flowFromOptions';

/** Like require's cache: a flow module is evaluated once per process. */
const loaded = new Map<string, Promise<Record<string, unknown>>>();

/**
 * Loads the flow a ref names. A module may `export default defineFlow(...)`, export it as
 * `flow`, or under the name given in the ref. The file is compiled with esbuild (TypeScript
 * or JavaScript, ESM or CommonJS syntax) and imports `activedataflow` as the running copy;
 * each process (and reader thread) loads it once.
 */
export async function loadFlow(ref: FlowRef): Promise<Flow> {
  if (ref.kind === 'options') return flowFromOptions(ref.options);
  const path = resolve(ref.path);
  if (!existsSync(path)) throw new ConfigError(`flow file not found: ${ref.path}`, { context: { file: ref.path } });
  let mod = loaded.get(path);
  if (!mod) {
    mod = compileFlowModule(path);
    loaded.set(path, mod);
    mod.catch(() => loaded.delete(path)); // as with require: a file that failed is loaded anew next time
  }
  const exports = await mod;
  const candidates = ref.exportName ? [exports[ref.exportName]] : [exports.default, exports.flow, exports, (exports.default as Record<string, unknown> | undefined)?.default];
  const flow = candidates.find(isFlow);
  if (!flow) {
    const wanted = ref.exportName ? `an export named "${ref.exportName}"` : 'a default export (or an export named "flow")';
    throw new ConfigError(`${ref.path} has no flow: expected ${wanted} made with defineFlow()`, { context: { file: ref.path } });
  }
  return flow;
}
