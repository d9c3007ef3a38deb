import { byteOffsetOf, makeFixtureDir, type FixtureDir } from '../../helpers/files';
import { readSplit, splitFor, values } from './readSplit';

describe('JSON Lines records', () => {
  let fx: FixtureDir;
  beforeEach(() => {
    fx = makeFixtureDir();
  });
  afterEach(() => fx.cleanup());

  const read = (name: string, content: string | Buffer, options = {}) => readSplit(splitFor(fx.write(name, content)), options);

  it('parses one JSON value per line, ids by byte offset', async () => {
    const text = '{"a":1}\n[1,2]\n"text"\n42\nnull\n';

    const result = await read('v.jsonl', text);

    expect(values(result)).toEqual([{ a: 1 }, [1, 2], 'text', 42, null]);
    expect(result.records.map((r) => r.id)).toEqual(['v.jsonl@0', 'v.jsonl@8', 'v.jsonl@14', 'v.jsonl@21', 'v.jsonl@24']);
    expect(result.batches.at(-1)!.split.position).toEqual({ offset: text.length, line: 6, records: 5 });
  });

  it('skips blank and whitespace-only lines', async () => {
    const text = '\n{"a":1}\n\n   \n{"a":2}\n\n';

    const result = await read('blank.ndjson', text);

    expect(values(result)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(result.records.map((r) => r.id)).toEqual([`blank.ndjson@1`, `blank.ndjson@${byteOffsetOf(text, '{"a":2}')}`]);
  });

  it('tolerates CRLF and a BOM on the first line', async () => {
    const result = await read('crlf.jsonl', '\ufeff{"a":1}\r\n{"a":2}\r\n');

    expect(values(result)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(result.records.map((r) => r.id)).toEqual(['crlf.jsonl@0', 'crlf.jsonl@12']);
  });

  it('reads a last line without a newline', async () => {
    const result = await read('last.json-lines', '{"a":1}\n{"a":2}');

    expect(values(result)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('dead-letters an invalid line with its line, offset and text, and reads the rest', async () => {
    const text = '{"a":1}\n{"a":\n{"a":3}\n';

    const result = await read('bad.jsonl', text);

    expect(values(result)).toEqual([{ a: 1 }, { a: 3 }]);
    expect(result.badRecords).toEqual([
      expect.objectContaining({ id: 'bad.jsonl@8', splitId: 'bad.jsonl', line: 2, offset: 8, raw: '{"a":', file: fx.path('bad.jsonl') }),
    ]);
    expect(result.badRecords[0].reason).toMatch(/^invalid JSON: /);
  });

  it('cuts the raw text of a bad line to 1 KB', async () => {
    const result = await read('long.jsonl', `{${'x'.repeat(5000)}\n{"ok":true}\n`);

    expect((result.badRecords[0].raw as string).length).toBe(1024);
    expect(values(result)).toEqual([{ ok: true }]);
  });

  it('counts multibyte text in bytes', async () => {
    const text = '{"n":"日本"}\n{"n":"é"}\n';

    const result = await read('mb.jsonl', text);

    expect(result.records[1].id).toBe(`mb.jsonl@${byteOffsetOf(text, '{"n":"é"}')}`);
  });

  it('dead-letters a line longer than maxRecordBytes without holding it, and goes on', async () => {
    const text = `{"a":1}\n"${'y'.repeat(600_000)}"\n{"a":3}\n`;

    const result = await read('huge.jsonl', text, { maxRecordBytes: 100_000 });

    expect(values(result)).toEqual([{ a: 1 }, { a: 3 }]);
    expect(result.badRecords).toEqual([expect.objectContaining({ offset: 8, line: 2, reason: 'line longer than 100000 bytes' })]);
    expect((result.badRecords[0].raw as string).length).toBe(1024);
  });
});
