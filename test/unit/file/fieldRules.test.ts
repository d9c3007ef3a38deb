import fc from 'fast-check';
import { parseJsonKeepingDigits } from '../../../lib/util/parseJsonKeepingDigits';
import { FileSource, type FileSourceOptions, type FileSplit } from '../../../lib/sources/file';
import { makeFixtureDir, type FixtureDir } from '../../helpers/files';
import { readSplit, splitFor, values } from './readSplit';

describe('no column or field is dropped', () => {
  let fx: FixtureDir;
  beforeEach(() => {
    fx = makeFixtureDir();
  });
  afterEach(() => fx.cleanup());

  const read = (name: string, content: string | Buffer, options = {}) => readSplit(splitFor(fx.write(name, content)), options);

  describe('a CSV header naming a column twice', () => {
    it('dead-letters the file with a reason naming the duplicates (default)', async () => {
      const result = await read('dup.csv', 'k,v,v\n1,a,b\n2,c,d\n');

      expect(result.records).toEqual([]);
      expect(result.badRecords).toHaveLength(1);
      expect(result.badRecords[0]!.reason).toMatch(/duplicate column name in the CSV header: "v" \(columns 2, 3\)/);
      expect(result.badRecords[0]!.reason).toMatch(/line 1/);
      expect(result.badRecords[0]!.raw).toBe('1,a,b\n2,c,d\n');
    });

    it("renames the later ones with duplicateHeaders: 'rename', keeping every value", async () => {
      const result = await read('dup.csv', 'k,v,v,v_2\n1,a,b,c\n', { csv: { duplicateHeaders: 'rename' } });

      expect(values(result)).toEqual([{ k: '1', v: 'a', v_3: 'b', v_2: 'c' }]);
      expect(result.badRecords).toEqual([]);
    });

    it('refuses configured columns that repeat a name', async () => {
      await expect(read('a.csv', '1,2\n', { csv: { header: false, columns: ['a', 'a'] } })).rejects.toThrow('csv.columns must not name a column twice');
    });

    it('dead-letters every byte range of a large file, and renames in every range on request', async () => {
      const body = Array.from({ length: 200 }, (_, i) => `${i},x${i},y${i}\n`).join('');
      fx.write('big.csv', `k,v,v\n${body}`);
      const options = { path: fx.root, splitSize: 512 };

      const splits = await discoverSplits(options);
      const strict = await Promise.all(splits.map((split) => readSplit(split, options)));
      const renamed = await Promise.all(splits.map((split) => readSplit(split, { ...options, csv: { duplicateHeaders: 'rename' as const } })));

      expect(splits.length).toBeGreaterThan(1);
      expect(strict.flatMap((r) => r.records)).toEqual([]);
      expect(strict.every((r) => r.badRecords.length === 1 && /duplicate column name/.test(r.badRecords[0]!.reason))).toBe(true);
      expect(renamed.flatMap((r) => values(r))).toEqual(Array.from({ length: 200 }, (_, i) => ({ k: String(i), v: `x${i}`, v_2: `y${i}` })));
    });
  });

  describe('JSON Lines integers beyond 2^53', () => {
    it('keeps their digits as strings', async () => {
      const result = await read('big.jsonl', '{"id":12345678901234567890,"n":-9007199254740993,"ok":9007199254740991,"f":1.5,"s":"12345678901234567890"}\n');

      expect(values(result)).toEqual([{ id: '12345678901234567890', n: '-9007199254740993', ok: 9007199254740991, f: 1.5, s: '12345678901234567890' }]);
    });

    it('keeps every integer exact, wherever it sits in a JSON value (property)', () => {
      const anyInteger = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n });
      const value = fc.letrec((tie) => ({
        node: fc.oneof({ depthSize: 'small' }, anyInteger, fc.string(), fc.boolean(), fc.constant(null), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 })),
      })).node;
      fc.assert(
        fc.property(value, (v) => {
          const text = toJson(v);
          expect(parseJsonKeepingDigits(text)).toEqual(expected(v));
        }),
        { numRuns: 500 },
      );
    });

    it('still rejects invalid JSON with the message of the text as written', () => {
      expect(() => parseJsonKeepingDigits('{"a":012345678901234567890}')).toThrow(SyntaxError);
      expect(() => parseJsonKeepingDigits('{"a":12345678901234567890')).toThrow(SyntaxError);
    });
  });
});

/** JSON text of a value holding BigInts, written as plain integer literals. */
function toJson(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`).join(',')}}`;
  return JSON.stringify(v);
}

/** What the parse must return: safe integers as numbers, the others as their digits. */
function expected(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(expected);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: expected(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

async function discoverSplits(options: FileSourceOptions): Promise<FileSplit[]> {
  const splits: FileSplit[] = [];
  for await (const page of new FileSource(options, () => undefined).createDiscoverer().discover(undefined)) splits.push(...page.splits);
  return splits;
}
