import type { SplitCounts } from '../../coordination/ServerlessSplitStore';
import { Boundedness } from '../../source-support/Boundedness';
import { serializeSplit } from '../../source-support/SourceSplit';
import type { SourceSplit } from '../../source-support/SourceSplit';
import { logger, metrics, MetricUnit } from './observability';
import type { ServerlessDeps } from './ServerlessDeps';

export interface EnumeratorResult {
  readonly flow: string;
  readonly discovered: number;
  readonly created: number;
  readonly discoveryDone: boolean;
  readonly complete: boolean;
  readonly counts: SplitCounts;
}

/**
 * One enumerator invocation: discovery page by page from the cursor in the enumerator row;
 * each page's new splits become rows (`attribute_not_exists`, so a re-run creates nothing
 * twice) and then messages. Memory holds one page; the cursor is saved after every page, so
 * a timed-out run resumes. A finished discovery starts over on the next run (new files may
 * have arrived; known splits are dropped by the store). Unlike the embedded enumerator, no
 * reader asks for splits here: the queue hands them out.
 */
export async function runEnumerator(deps: ServerlessDeps, remainingMs: () => number = () => Infinity): Promise<EnumeratorResult> {
  const { flow, store, queue, config } = deps;
  const previous = await store.getEnumeratorRow<unknown>();
  let cursor = previous?.noMoreSplits ? undefined : previous?.cursor;
  let discovered = 0;
  let created = 0;
  let discoveryDone = true;
  for await (const page of flow.source.createDiscoverer().discover(cursor)) {
    const fresh = await store.createSplits(page.splits.map((s: SourceSplit) => serializeSplit(flow.source.splitSerializer, s)));
    await queue.enqueue(fresh.map((s) => ({ flow: flow.name, splitId: s.splitId, token: 0 })));
    discovered += page.splits.length;
    created += fresh.length;
    cursor = page.cursor;
    await store.putEnumeratorRow({ cursor, noMoreSplits: false, complete: false });
    if (page.more || created >= config.maxSplitsPerRun || remainingMs() < config.timeMarginMs) {
      discoveryDone = false;
      break;
    }
  }
  const bounded = flow.source.boundedness === Boundedness.BOUNDED;
  const counts = await store.countByStatus();
  const complete = bounded && discoveryDone && counts.PENDING + counts.ASSIGNED === 0;
  if (discoveryDone) await store.putEnumeratorRow({ cursor, noMoreSplits: bounded, complete });
  for (const [status, n] of Object.entries(counts)) metrics.addMetric(`splits${status[0]}${status.slice(1).toLowerCase()}`, MetricUnit.Count, n);
  logger.info('enumerator run', { discovered, created, discoveryDone, complete, counts });
  return { flow: flow.name, discovered, created, discoveryDone, complete, counts };
}

/**
 * An event that names its splits (S3 ObjectCreated): create rows and messages for exactly
 * those, leaving the discovery cursor alone. Known splits are dropped by the store, so a
 * redelivered notification creates nothing twice.
 */
export async function registerEventSplits(deps: ServerlessDeps, splits: SourceSplit[]): Promise<EnumeratorResult> {
  const { flow, store, queue } = deps;
  const fresh = await store.createSplits(splits.map((s) => serializeSplit(flow.source.splitSerializer, s)));
  await queue.enqueue(fresh.map((s) => ({ flow: flow.name, splitId: s.splitId, token: 0 })));
  const counts = await store.countByStatus();
  logger.info('event splits registered', { named: splits.length, created: fresh.length });
  return { flow: flow.name, discovered: splits.length, created: fresh.length, discoveryDone: false, complete: false, counts };
}
