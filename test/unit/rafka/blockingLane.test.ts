import { claimBlockingLane } from '../../../lib/sources/rafka/RafkaBlockingLane';

describe('claimBlockingLane', () => {
  it('gives open readers with one id lanes of their own, and reuses the lowest free one', () => {
    const first = claimBlockingLane(9);
    const second = claimBlockingLane(9);
    const other = claimBlockingLane(10);
    expect([first.lane, second.lane, other.lane]).toEqual(['blocking-9', 'blocking-9-1', 'blocking-10']);

    first.release();
    const third = claimBlockingLane(9);
    first.release(); // again, late: must not free the lane the third reader holds now
    const fourth = claimBlockingLane(9);
    expect([third.lane, fourth.lane]).toEqual(['blocking-9', 'blocking-9-2']);
    for (const lane of [second, other, third, fourth]) lane.release();
  });
});
