import { makeFixtureDir, type FixtureDir } from '../../helpers/files';
import { readSplit, roundTrip, splitFor, type SourceOptions } from './readSplit';

/** Files full of edge cases: every batch boundary in them must be a clean resume point. */
const FILES: Record<string, { content: string; gzip?: boolean; options?: SourceOptions }> = {
  'quirks.csv': {
    content: '\ufeffid,note\r\n1,"multi\r\nline"\r\n\r\n2,plain\r\n3,"a ""quoted"" word"\r\n4,too,many\r\n5,"bad"quote\r\n6,日本\r\n7,last',
  },
  'semi.csv': { content: 'a;b\n1;x\n2;"y;z"\n\n3\n4;w\n', options: { csv: { delimiter: ';' } } },
  'events.jsonl': { content: '{"a":1}\n\n{"a":2}\r\nnot json\n[3]\n"é"\n{"a":5}' },
  'quirks.csv.gz': { content: 'id,v\n1,a\n2,"b\nc"\n3\n4,d\n', gzip: true },
  'events.ndjson.gz': { content: '{"a":1}\n{bad\n{"a":3}\n\n{"a":4}\n', gzip: true },
};

describe('resuming a file split', () => {
  let fx: FixtureDir;
  beforeAll(() => {
    fx = makeFixtureDir();
    for (const [name, file] of Object.entries(FILES)) {
      if (file.gzip) fx.writeGzip(name, file.content);
      else fx.write(name, file.content);
    }
  });
  afterAll(() => fx.cleanup());

  for (const [name, { options }] of Object.entries(FILES)) {
    for (const maxRecords of [1, 2, 3]) {
      it(`${name}: after any batch of ${maxRecords}, yields exactly the remaining records with the same ids`, async () => {
        const split = splitFor(fx.path(name));
        const whole = await readSplit(split, options);
        const batched = await readSplit(split, options, { maxRecords });
        expect(batched.records).toEqual(whole.records);
        expect(batched.badRecords).toEqual(whole.badRecords);

        for (let k = 0; k < batched.batches.length; k++) {
          const done = batched.batches.slice(0, k + 1);
          const checkpoint = roundTrip(done[k].split);

          const rest = done[k].finished ? { records: [], badRecords: [] } : await readSplit(checkpoint, options, { maxRecords: 2 });

          expect([...done.flatMap((b) => b.records), ...rest.records]).toEqual(whole.records);
          expect([...done.flatMap((b) => b.badRecords), ...rest.badRecords]).toEqual(whole.badRecords);
        }
      });
    }
  }

  it('reports positions that count lines and good records', async () => {
    const { batches } = await readSplit(splitFor(fx.path('semi.csv')), FILES['semi.csv'].options, { maxRecords: 2 });

    expect(batches.map((b) => b.split.position)).toEqual([
      { offset: 16, line: 4, records: 2, header: ['a', 'b'] },
      { offset: 23, line: 7, records: 3, header: ['a', 'b'] },
      { offset: 23, line: 7, records: 3, header: ['a', 'b'] },
    ]);
    expect(batches.map((b) => b.bytes)).toEqual([16, 7, 0]);
  });
});
