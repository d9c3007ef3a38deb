import fc from 'fast-check';
import { makeFixtureDir, type FixtureDir } from '../../helpers/files';
import { readSplit, splitFor, values } from './readSplit';

/**
 * csv-parse counts a CR and an LF inside a quoted field as two lines. The reader skips a bad
 * record by that count; counting a quoted CRLF as one break made it skip the next good row too.
 */
describe('a bad CSV record with line breaks inside its quotes', () => {
  let fx: FixtureDir;
  beforeEach(() => (fx = makeFixtureDir()));
  afterEach(() => fx.cleanup());

  it('dead-letters only the bad record: the good row after it is kept (the case that lost it)', async () => {
    const result = await readSplit(splitFor(fx.write('a.csv', 'k,v\n"a\r\nb"x\nc,d\ne,f\n')));
    expect(values(result)).toEqual([{ k: 'c', v: 'd' }, { k: 'e', v: 'f' }]);
    expect(result.badRecords).toHaveLength(1);
    expect(result.badRecords[0]).toMatchObject({ line: 2 });
  });

  it('keeps every good row and numbers lines physically, for any breaks, terminators and quoting inside the bad record', async () => {
    const breaks = fc.array(fc.constantFrom('\r\n', '\n', '\r', '""', 'x', ','), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 5 }), breaks, fc.constantFrom('\n', '\r\n'), async (before, after, inside, eol) => {
        const good = (i: number) => `g${i},v${i}`;
        const rows = [...Array.from({ length: before }, (_, i) => good(i)), `"q${inside}q"x,bad`, ...Array.from({ length: after }, (_, i) => good(before + i))];
        const text = `k,v${eol}${rows.join(eol)}${eol}`;
        const name = `f${Math.random().toString(36).slice(2)}.csv`;
        const result = await readSplit(splitFor(fx.write(name, text)));
        expect(values(result)).toEqual(Array.from({ length: before + after }, (_, i) => ({ k: `g${i}`, v: `v${i}` })));
        expect(result.badRecords).toHaveLength(1);
        expect(result.badRecords[0]).toMatchObject({ line: 2 + before });
        // The first good row after the bad one starts on the line the file has it on.
        const breaksInside = (inside.match(/\r\n|\r|\n/g) ?? []).length;
        const next = result.records.find((r) => (r.value as { k: string }).k === `g${before}`);
        expect(next).toBeDefined();
        expect(text.slice(0, Number(next!.id.split('@')[1])).match(/\r\n|\r|\n/g)!.length + 1).toBe(2 + before + breaksInside + 1);
      }),
      { numRuns: 150 },
    );
  });
});
