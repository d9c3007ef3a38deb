export { runEmbedded } from './EmbeddedRuntime';
export type { EmbeddedRunOptions } from './EmbeddedRuntime';
export { replayDeadLetters } from './DeadLetterReplay';
export type { ReplaySummary } from './DeadLetterReplay';
