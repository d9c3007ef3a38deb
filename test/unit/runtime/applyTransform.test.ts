import { applyTransform } from '../../../lib/runtime/applyTransform';

const input = [1, 2, 3].map((n) => ({ id: `s@${n}`, value: n }));

describe('applyTransform', () => {
  it('passes records through without a transform', async () => {
    expect((await applyTransform(input, undefined, 's')).records).toBe(input);
  });

  it('maps, drops, and fans out with deterministic ids', async () => {
    const { records, droppedRecords } = await applyTransform(input, (n: number) => (n === 1 ? n * 10 : n === 2 ? null : [n, -n]), 's');
    expect(droppedRecords).toBe(1);
    expect(records).toEqual([
      { id: 's@1', value: 10 },
      { id: 's@3/0', value: 3 },
      { id: 's@3/1', value: -3 },
    ]);
  });

  it('dead-letters a record whose transform throws and keeps the rest', async () => {
    const result = await applyTransform(input, async (n: number) => {
      if (n === 2) throw new Error('no twos');
      return n;
    }, 's');
    expect(result.records.map((r) => r.id)).toEqual(['s@1', 's@3']);
    expect(result.badRecords).toEqual([{ id: 's@2', splitId: 's', reason: 'transform failed: no twos', raw: 2 }]);
  });
});
