import fc from 'fast-check';
import { pickEntries } from '../../../lib/sources/rafka/RafkaBatchAssembly';
import type { InboxEntry } from '../../../lib/sources/rafka/RafkaPartitionState';

/** The rule of protocol steps 5 and 7, one entry at a time, as a model. */
function model(inbox: InboxEntry[], maxRecords: number, maxBytes: number, maxDeliveries: number) {
  const take: InboxEntry[] = [];
  const dead: InboxEntry[] = [];
  let bytes = 0;
  while (inbox.length > 0) {
    const e = inbox[0]!;
    if (e.deliveries >= maxDeliveries) {
      dead.push(inbox.shift()!);
      continue;
    }
    const alone = e.deliveries > 1;
    if (take.length > 0 && (alone || take.length >= maxRecords || bytes >= maxBytes)) break;
    take.push(inbox.shift()!);
    bytes += e.id.length + e.fields.reduce((n, f) => n + f.length, 0);
    if (alone) break;
  }
  return { take, dead, bytes };
}

describe('pickEntries', () => {
  const entries = fc.array(fc.record({ deliveries: fc.integer({ min: 0, max: 6 }), counted: fc.boolean(), fields: fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }) }), { maxLength: 60 }).map((es) => es.map((e, i): InboxEntry => ({ ...e, id: `1-${i}` })));

  it('takes what the one-at-a-time rule takes: poison entries off, a redelivered entry alone, limits kept', () => {
    fc.assert(
      fc.property(entries, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 6 }), (inbox, maxRecords, maxBytes, maxDeliveries) => {
        const expectedInbox = [...inbox];
        const expected = model(expectedInbox, maxRecords, maxBytes, maxDeliveries);
        const got = pickEntries(inbox, { maxRecords, maxBytes }, Number.POSITIVE_INFINITY, maxDeliveries);
        expect(inbox).toEqual(expectedInbox);
        if (expected.take.length + expected.dead.length === 0) return expect(got).toBeUndefined();
        expect(got).toEqual({ ...expected, lastId: [...expected.take, ...expected.dead].map((e) => e.id).sort((a, b) => Number(a.slice(2)) - Number(b.slice(2))).at(-1) });
      }),
    );
  });
});
