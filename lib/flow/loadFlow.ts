import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors';
import { isFlow } from './Flow';
import type { Flow } from './Flow';
import type { FlowRef } from './FlowRef';
import { flowFromOptions } from './flowFromOptions';

/**
 * Loads the flow a ref names. A module may `export default defineFlow(...)`, export it as
 * `flow`, or under the name given in the ref. TypeScript modules need a TS loader in the
 * process (the `adf` binary and the reader workers register tsx).
 */
export async function loadFlow(ref: FlowRef): Promise<Flow> {
  if (ref.kind === 'options') return flowFromOptions(ref.options);
  const path = resolve(ref.path);
  if (!existsSync(path)) throw new ConfigError(`flow file not found: ${ref.path}`, { context: { file: ref.path } });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path) as Record<string, unknown>;
  const candidates = ref.exportName ? [mod[ref.exportName]] : [mod.default, mod.flow, mod, (mod.default as Record<string, unknown> | undefined)?.default];
  const flow = candidates.find(isFlow);
  if (!flow) {
    const wanted = ref.exportName ? `an export named "${ref.exportName}"` : 'a default export (or an export named "flow")';
    throw new ConfigError(`${ref.path} has no flow: expected ${wanted} made with defineFlow()`, { context: { file: ref.path } });
  }
  return flow;
}
