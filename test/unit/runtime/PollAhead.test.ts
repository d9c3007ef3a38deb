import { PollAhead } from '../../../lib/runtime/PollAhead';
import { InputStatus } from '../../../lib/source-support/RecordBatch';
import type { PollResult } from '../../../lib/source-support/RecordBatch';
import type { SourceReader } from '../../../lib/source-support/SourceReader';

/** The read ahead both runtimes use while a batch is committed. */
function reader(pollsDuringCommit: boolean | undefined, results: (() => Promise<PollResult<unknown, never>>)[]) {
  let polls = 0;
  const r = { pollsDuringCommit, poll: () => results[polls++]!() } as unknown as SourceReader<unknown, never>;
  return { r, polls: () => polls };
}
const more = { status: InputStatus.MORE_AVAILABLE } as PollResult<unknown, never>;

describe('PollAhead', () => {
  it('polls ahead only for a reader that allows polling during a commit', async () => {
    const no = reader(undefined, [async () => more]);
    const ahead = new PollAhead<unknown, never>();
    ahead.start(no.r, {});
    expect(no.polls()).toBe(0);
    const yes = reader(true, [async () => more]);
    ahead.start(yes.r, {});
    expect(yes.polls()).toBe(1);
  });

  it('hands the poll started ahead to the next round once, then polls afresh', async () => {
    const { r, polls } = reader(true, [async () => more, async () => ({ status: InputStatus.END_OF_INPUT })]);
    const ahead = new PollAhead<unknown, never>();
    ahead.start(r, {});
    expect(await ahead.next(() => r.poll())).toBe(more);
    expect(polls()).toBe(1);
    expect((await ahead.next(() => r.poll())).status).toBe(InputStatus.END_OF_INPUT);
    expect(polls()).toBe(2);
  });

  it('a poll ahead that fails while the commit runs is no unhandled rejection; settle waits for it and drops it', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      let settled = false;
      const { r } = reader(true, [() => new Promise((_, reject) => setTimeout(() => { settled = true; reject(new Error('read failed')); }, 10)), async () => more]);
      const ahead = new PollAhead<unknown, never>();
      ahead.start(r, {});
      await new Promise((resolve) => setTimeout(resolve, 30)); // the "commit"
      await ahead.settle();
      expect(settled).toBe(true);
      expect(unhandled).not.toHaveBeenCalled();
      expect(await ahead.next(() => r.poll())).toBe(more); // nothing left ahead: a fresh poll
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
