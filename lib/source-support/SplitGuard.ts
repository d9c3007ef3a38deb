import { UntrustedSplitError } from '../errors/AdfError';
import type { AnySource } from './Source';
import type { SourceSplit } from './SourceSplit';

/**
 * Why `source` refuses `split` (the message of its UntrustedSplitError), or undefined when the
 * split belongs to the source. The runtimes call it on every split read from a store before
 * handing it to a reader; any other error (a check that could not run) is rethrown as is.
 *
 * @example
 * const refused = await refusalOf(flow.source, split);
 * if (refused) await store.release(lease, refused, 1); // FAILED at once, never read
 */
export async function refusalOf(source: AnySource, split: SourceSplit): Promise<string | undefined> {
  if (!source.validateSplit) return undefined;
  try {
    await source.validateSplit(split);
    return undefined;
  } catch (error) {
    if (error instanceof UntrustedSplitError) return error.message;
    throw error;
  }
}
