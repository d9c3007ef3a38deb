/**
 * Whether a source ends. A bounded source (files, a replay up to stop ids) signals
 * no-more-splits once discovery is done; an unbounded one (a live topic) keeps discovering.
 *
 * @example
 * const done = source.boundedness === Boundedness.BOUNDED && discoveryDone && nothingPending;
 */
export const Boundedness = {
  BOUNDED: 'BOUNDED',
  CONTINUOUS_UNBOUNDED: 'CONTINUOUS_UNBOUNDED',
} as const;
export type Boundedness = (typeof Boundedness)[keyof typeof Boundedness];
