/** Redis stream entry ids (`<ms>-<seq>`) and the sentinels the rafka source uses. */

/** Position of a split that has committed nothing yet: every entry id is greater. */
export const START_OF_STREAM = '0-0';

/**
 * Stop id of an unbounded split: `+` is Redis's "end of the stream" in XRANGE, and compares
 * greater than every entry id, so an unbounded split never reaches it.
 */
export const NO_STOP_ID = '+';

const ID = /^(\d{1,20})-(\d{1,20})$/;

export function isStreamId(id: string): boolean {
  return ID.test(id);
}

/** Orders two entry ids (or NO_STOP_ID) numerically: negative, zero or positive. */
export function compareStreamIds(a: string, b: string): number {
  if (a === b) return 0;
  if (a === NO_STOP_ID) return 1;
  if (b === NO_STOP_ID) return -1;
  const [am, as] = parts(a);
  const [bm, bs] = parts(b);
  return am !== bm ? (am < bm ? -1 : 1) : as < bs ? -1 : as > bs ? 1 : 0;
}

export function maxStreamId(a: string, b: string): string {
  return compareStreamIds(a, b) >= 0 ? a : b;
}

function parts(id: string): [bigint, bigint] {
  const m = ID.exec(id);
  if (!m) throw new TypeError(`not a stream entry id: ${JSON.stringify(id)}`);
  return [BigInt(m[1]!), BigInt(m[2]!)];
}
