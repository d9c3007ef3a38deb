/** Lanes of blocking connections held by the open readers of this process. */
const held = new Set<string>();

/** A reader's own lane for its blocking reads; released when the reader closes. */
export interface BlockingLane {
  readonly lane: string;
  release(): void;
}

/**
 * The lane (see acquireRedisClient) of a reader's blocking connection: `blocking-<readerId>`, or
 * `blocking-<readerId>-<n>` while other open readers of this process hold the first ones. An
 * `XREADGROUP … BLOCK` holds its connection until it returns, so two readers on one lane would
 * block in turn, and the second would see its entry only once the first's BLOCK ran out (up to
 * blockMs late). Reader ids are unique within an embedded run, but every serverless reader is
 * reader 0, and `adf dev` (or an invocation holding several splits) may have several open in one
 * process. The lowest free lane is taken, so a Lambda container, one reader at a time, keeps
 * reusing one connection.
 */
export function claimBlockingLane(readerId: number): BlockingLane {
  let lane = `blocking-${readerId}`;
  for (let n = 1; held.has(lane); n++) lane = `blocking-${readerId}-${n}`;
  held.add(lane);
  let released = false;
  return {
    lane,
    release: () => {
      if (released) return;
      released = true;
      held.delete(lane);
    },
  };
}
