import { makeFixtureDir, type FixtureDir } from '../../helpers/files';
import { readSplit, roundTrip, splitFor } from './readSplit';

/**
 * Files larger than one read chunk (256 KB), with bad rows sprinkled through them, checked
 * against offsets computed independently from the text: parsing across chunk boundaries,
 * resynchronising after bad rows and resuming must all agree with the bytes.
 */
interface Expected {
  readonly text: string;
  readonly good: { offset: number; value: unknown }[];
  readonly bad: { offset: number; line: number }[];
}

function csvFixture(rows: number): Expected {
  let text = 'id,v\n';
  let line = 2;
  const good: Expected['good'] = [];
  const bad: Expected['bad'] = [];
  for (let i = 0; i < rows; i++) {
    const offset = Buffer.byteLength(text);
    if (i % 997 === 5) {
      text += `${i},"bad"quote\n`;
      bad.push({ offset, line });
    } else if (i % 89 === 7) {
      text += `${i},a,b\n`;
      bad.push({ offset, line });
    } else if (i % 83 === 3) {
      text += `${i},"multi\nline ${'é'.repeat(i % 7)}"\n`;
      good.push({ offset, value: { id: String(i), v: `multi\nline ${'é'.repeat(i % 7)}` } });
      line++;
    } else {
      const v = `value ${i} ${'x'.repeat(i % 50)}`;
      text += `${i},${v}\n`;
      good.push({ offset, value: { id: String(i), v } });
    }
    line++;
  }
  return { text, good, bad };
}

function jsonlFixture(rows: number): Expected {
  let text = '';
  const good: Expected['good'] = [];
  const bad: Expected['bad'] = [];
  for (let i = 0; i < rows; i++) {
    const offset = Buffer.byteLength(text);
    if (i % 101 === 9) {
      text += `{"i":${i},\n`;
      bad.push({ offset, line: i + 1 });
    } else {
      const value = { i, s: 'ü'.repeat(i % 300) };
      text += `${JSON.stringify(value)}\n`;
      good.push({ offset, value });
    }
  }
  return { text, good, bad };
}

const CASES: [string, Expected][] = [
  ['large.csv', csvFixture(9_000)],
  ['large.csv.gz', csvFixture(9_000)],
  ['large.jsonl', jsonlFixture(1_500)],
  ['large.jsonl.gz', jsonlFixture(1_500)],
];

/** Thousands of records compare much faster as one string than as a deep equality. */
const asText = (value: unknown) => JSON.stringify(value);

describe('files larger than a read chunk', () => {
  let fx: FixtureDir;
  beforeAll(() => {
    fx = makeFixtureDir();
    for (const [name, { text }] of CASES) {
      if (name.endsWith('.gz')) fx.writeGzip(name, text);
      else fx.write(name, text);
    }
  });
  afterAll(() => fx.cleanup());

  it.each(CASES)('%s: every record and bad record at its true offset', async (name, expected) => {
    expect(Buffer.byteLength(expected.text)).toBeGreaterThan(300_000);

    const result = await readSplit(splitFor(fx.path(name)), {}, { maxRecords: 777 });

    expect(asText(result.records)).toBe(asText(expected.good.map((g) => ({ id: `${name}@${g.offset}`, value: g.value }))));
    expect(result.badRecords.map((b) => ({ offset: b.offset, line: b.line }))).toEqual(expected.bad);
  });

  it.each(CASES)('%s: resuming after any of eight batches yields the rest exactly', async (name) => {
    const split = splitFor(fx.path(name));
    const whole = await readSplit(split);
    const batched = await readSplit(split, {}, { maxRecords: Math.ceil((whole.records.length + whole.badRecords.length) / 8) });

    for (let k = 0; k < batched.batches.length - 1; k++) {
      const rest = await readSplit(roundTrip(batched.batches[k].split));
      const done = batched.batches.slice(0, k + 1);
      expect(asText([...done.flatMap((b) => b.records), ...rest.records])).toBe(asText(whole.records));
      expect(asText([...done.flatMap((b) => b.badRecords), ...rest.badRecords])).toBe(asText(whole.badRecords));
    }
  });
});
