export { runEmbedded } from './EmbeddedRuntime';
export type { EmbeddedRunOptions } from './EmbeddedRuntime';
