import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { lines, makeFixtureDir, truncatedGzip, type FixtureDir } from '../../helpers/files';
import { SplitCannotFinishError } from '../../../lib/errors';
import { FileSource, type FileSplit } from '../../../lib/sources/file';
import { readSplit, roundTrip, splitFor, values } from './readSplit';

/** Lines that compress badly, so the gzip is long enough to damage in the middle. */
const noisy = (count: number) => lines(count, (i) => JSON.stringify({ i, h: createHash('sha256').update(String(i)).digest('hex') }));

describe('gzip files', () => {
  let fx: FixtureDir;
  beforeEach(() => {
    fx = makeFixtureDir();
  });
  afterEach(() => fx.cleanup());

  it('reads gzip CSV and JSON Lines with offsets in decompressed bytes', async () => {
    const csv = await readSplit(splitFor(fx.writeGzip('a.csv.gz', 'id,v\n1,x\n2,y\n')));
    const jsonl = await readSplit(splitFor(fx.writeGzip('b.jsonl.gz', '{"a":1}\n{"a":2}\n')));

    expect(csv.records).toEqual([
      { id: 'a.csv.gz@5', value: { id: '1', v: 'x' } },
      { id: 'a.csv.gz@9', value: { id: '2', v: 'y' } },
    ]);
    expect(jsonl.records).toEqual([
      { id: 'b.jsonl.gz@0', value: { a: 1 } },
      { id: 'b.jsonl.gz@8', value: { a: 2 } },
    ]);
  });

  it('resumes a gzip split mid-file with the same ids', async () => {
    const split = splitFor(fx.writeGzip('n.jsonl.gz', noisy(3000)));
    const whole = await readSplit(split);
    const first = await readSplit(split, {}, { maxRecords: 1234 });

    const rest = await readSplit(roundTrip(first.batches[0].split));

    expect([...first.batches[0].records, ...rest.records]).toEqual(whole.records);
    expect(rest.records[0].id).toBe(whole.records[1234].id);
  });

  it('a resumed gzip split whose skip to its position outlasts the deadline fails as one that cannot finish, naming the file and what to do', async () => {
    const split = splitFor(fx.writeGzip('big.jsonl.gz', noisy(20_000)));
    const first = await readSplit(split, {}, { maxRecords: 15_000 });
    const resumed = roundTrip(first.batches[0].split);

    const error = await readSplit(resumed, {}, { deadline: Date.now() }).then(() => undefined, (e: unknown) => e);

    expect(error).toBeInstanceOf(SplitCannotFinishError);
    expect((error as Error).message).toMatch(/big\.jsonl\.gz: gzip data cannot be read from the middle/);
    expect((error as Error).message).toMatch(/readerTimeout/);
    expect((error as SplitCannotFinishError).context).toMatchObject({ splitId: 'big.jsonl.gz', offset: resumed.position.offset });
  });

  it('a split read from its start, or plain data, is never failed by the deadline: each poll returns a record at least', async () => {
    const gz = await readSplit(splitFor(fx.writeGzip('s.jsonl.gz', noisy(2_000))), {}, { deadline: Date.now() });
    const plain = roundTrip((await readSplit(splitFor(fx.write('p.jsonl', noisy(2_000))), {}, { maxRecords: 1_500 })).batches[0].split);
    const rest = await readSplit(plain, {}, { deadline: Date.now() });

    expect(gz.records).toHaveLength(2_000);
    expect(rest.records).toHaveLength(500);
  });

  it('dead-letters the rest of a corrupt gzip file from the last record handed out', async () => {
    const good = noisy(3000);
    // A valid first member, then a second one whose deflate data is garbage: zlib fails mid-file.
    const damaged = Buffer.concat([gzipSync(good), gzipSync('{"late":1}\n').subarray(0, 10), Buffer.alloc(32, 0xff)]);
    const split = splitFor(fx.write('c.jsonl.gz', damaged));

    const result = await readSplit(split, {}, { maxRecords: 500 });

    // zlib drops the output of its failing step (at most 16 KB): those bytes belong to the dead-lettered rest.
    const originals = good.trimEnd().split('\n').map((line) => JSON.parse(line));
    const read = result.records.length;
    const handedOut = Buffer.byteLength(good.split('\n').slice(0, read).join('\n')) + 1;
    expect(read).toBeGreaterThan(2500);
    expect(values(result)).toEqual(originals.slice(0, read));
    expect(good.length - handedOut).toBeLessThan(16 * 1024);
    expect(result.badRecords).toEqual([
      expect.objectContaining({
        id: `c.jsonl.gz@${handedOut}`,
        offset: handedOut,
        line: read + 1,
        reason: `rest of file unreadable from offset ${handedOut}: invalid block type`,
      }),
    ]);
    expect(result.batches.at(-1)!.finished).toBe(true);
  });

  it('hands out what decompressed before a checksum error, then dead-letters the rest', async () => {
    const text = noisy(5000);
    const gz = gzipSync(text);
    // Flipped literal bytes decode "fine"; gzip notices only at the checksum at the end.
    for (let i = gz.length >> 1; i < (gz.length >> 1) + 64; i++) gz[i] ^= 0x5a;

    const result = await readSplit(splitFor(fx.write('crc.jsonl.gz', gz)));

    const originals = text.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(values(result).slice(0, 2000)).toEqual(originals.slice(0, 2000));
    expect(result.badRecords.at(-1)!.reason).toMatch(/^rest of file unreadable from offset \d+: incorrect data check$/);
    expect(result.batches.at(-1)!.finished).toBe(true);
  });

  it('dead-letters the rest of a truncated gzip file, including a partial last line', async () => {
    const text = noisy(5_000);
    const split = splitFor(fx.write('t.csv.gz', truncatedGzip(`i,h\n${text.replace(/[{}"]/g, '')}`, 0.6)));

    const result = await readSplit(split);

    expect(result.records.length).toBeGreaterThan(100);
    expect(result.badRecords).toHaveLength(1);
    expect(result.badRecords[0].reason).toMatch(/^rest of file unreadable from offset \d+: unexpected end of file/);
    expect(typeof result.badRecords[0].raw).toBe('string');
  });

  describe('content sniffing (issue 9 item 8)', () => {
    const discover = async (path: string, splitSize: number): Promise<FileSplit[]> => {
      const splits: FileSplit[] = [];
      for await (const page of new FileSource({ path, splitSize }, () => undefined).createDiscoverer().discover(undefined)) splits.push(...page.splits);
      return splits;
    };

    it('reads a gzip file named .csv or .jsonl as gzip (by its magic bytes), also when resumed mid-file', async () => {
      const csv = await readSplit(splitFor(fx.writeGzip('packed.csv', 'id,v\n1,x\n2,y\n')));
      const split = splitFor(fx.writeGzip('packed.jsonl', noisy(2000)));
      const whole = await readSplit(split);
      const first = await readSplit(split, {}, { maxRecords: 700 });
      const rest = await readSplit(roundTrip(first.batches[0].split));

      expect(csv.records).toEqual([
        { id: 'packed.csv@5', value: { id: '1', v: 'x' } },
        { id: 'packed.csv@9', value: { id: '2', v: 'y' } },
      ]);
      expect(csv.badRecords).toEqual([]);
      expect(whole.records).toHaveLength(2000);
      expect(whole.badRecords).toEqual([]);
      expect([...first.batches[0].records, ...rest.records]).toEqual(whole.records);
    });

    it('never cuts a gzip file named .csv into byte ranges', async () => {
      const text = 'i,h\n' + noisy(3000).replace(/[{}"]/g, '');
      const path = fx.writeGzip('big.csv', text);

      const splits = await discover(path, 1000);
      const result = await readSplit(splits[0]!);

      expect(splits.map((s) => s.splitId)).toEqual(['big.csv']);
      expect(result.records).toHaveLength(3000);
      expect(result.badRecords).toEqual([]);
    });

    it('keeps every record of a gzip member followed by trailing garbage, and dead-letters the garbage', async () => {
      const good = noisy(3000);
      const path = fx.write('tail.jsonl.gz', Buffer.concat([gzipSync(good), Buffer.from('garbage after the member')]));

      const result = await readSplit(splitFor(path));

      expect(values(result)).toEqual(good.trimEnd().split('\n').map((line) => JSON.parse(line)));
      expect(result.badRecords).toEqual([
        expect.objectContaining({ offset: good.length, reason: expect.stringMatching(/^rest of file unreadable from offset \d+: .*not gzip/) }),
      ]);
    });

    it('reads concatenated gzip members and ignores zero padding after the last one', async () => {
      const path = fx.write('multi.jsonl.gz', Buffer.concat([gzipSync('{"a":1}\n'), gzipSync('{"a":2}\n'), Buffer.alloc(64)]));

      const result = await readSplit(splitFor(path));

      expect(values(result)).toEqual([{ a: 1 }, { a: 2 }]);
      expect(result.badRecords).toEqual([]);
    });

    it('dead-letters a .gz file that is not gzip with a reason naming the file', async () => {
      const path = fx.write('plain.csv.gz', 'id\n1\n');

      const result = await readSplit(splitFor(path));

      expect(result.records).toEqual([]);
      expect(result.badRecords).toEqual([
        expect.objectContaining({ offset: 0, line: 1, file: path, reason: `rest of file unreadable from offset 0: ${path} is not gzip data (it does not start with the gzip magic bytes 1f 8b)` }),
      ]);
    });
  });
});
