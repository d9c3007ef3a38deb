import { byteOffsetOf, makeFixtureDir, type FixtureDir } from '../../helpers/files';
import { readSplit, splitFor, values } from './readSplit';

describe('CSV records', () => {
  let fx: FixtureDir;
  beforeEach(() => {
    fx = makeFixtureDir();
  });
  afterEach(() => fx.cleanup());

  const read = (name: string, content: string | Buffer, options = {}) => readSplit(splitFor(fx.write(name, content)), options);

  it('maps rows to objects by the header row and ids them by byte offset', async () => {
    const text = 'sku,qty\nA1,3\nB2,5\n';

    const result = await read('orders.csv', text);

    expect(result.records).toEqual([
      { id: `orders.csv@${byteOffsetOf(text, 'A1')}`, value: { sku: 'A1', qty: '3' } },
      { id: `orders.csv@${byteOffsetOf(text, 'B2')}`, value: { sku: 'B2', qty: '5' } },
    ]);
    expect(result.badRecords).toEqual([]);
    expect(result.batches.at(-1)!.split.position).toEqual({ offset: text.length, line: 4, records: 2, header: ['sku', 'qty'] });
  });

  it('uses a custom delimiter, quote and escape', async () => {
    const result = await read('a.csv', "id;text\n1;'a;b'\n2;'it\\'s'\n", { csv: { delimiter: ';', quote: "'", escape: '\\' } });

    expect(values(result)).toEqual([
      { id: '1', text: 'a;b' },
      { id: '2', text: "it's" },
    ]);
  });

  it('reads .tsv files with a tab delimiter unless one is given', async () => {
    const result = await read('a.tsv', 'id\tname\n1\tAda, Lovelace\n');

    expect(values(result)).toEqual([{ id: '1', name: 'Ada, Lovelace' }]);
  });

  it('strips a UTF-8 BOM and counts it in the offsets', async () => {
    const result = await read('bom.csv', '\ufeffid,name\n1,a\n');

    expect(result.records).toEqual([{ id: 'bom.csv@11', value: { id: '1', name: 'a' } }]);
  });

  it('reads CRLF line endings', async () => {
    const result = await read('crlf.csv', 'id,name\r\n1,a\r\n2,b\r\n');

    expect(result.records.map((r) => r.id)).toEqual(['crlf.csv@9', 'crlf.csv@14']);
    expect(values(result)).toEqual([
      { id: '1', name: 'a' },
      { id: '2', name: 'b' },
    ]);
  });

  it('keeps newlines inside quoted fields and counts their lines', async () => {
    const text = 'id,note\n1,"two\nlines"\n2,"x"\n';

    const result = await read('q.csv', text, { csv: {} });

    expect(values(result)).toEqual([
      { id: '1', note: 'two\nlines' },
      { id: '2', note: 'x' },
    ]);
    expect(result.records[1].id).toBe(`q.csv@${byteOffsetOf(text, '2,')}`);
    expect(result.batches.at(-1)!.split.position.line).toBe(5);
  });

  it('counts multibyte text in bytes', async () => {
    const text = 'name,city\nJosé,Zürich\n日本語,東京\nz,z\n';

    const result = await read('mb.csv', text);

    expect(values(result)[1]).toEqual({ name: '日本語', city: '東京' });
    expect(result.records.map((r) => r.id)).toEqual([
      `mb.csv@${byteOffsetOf(text, 'José')}`,
      `mb.csv@${byteOffsetOf(text, '日本語')}`,
      `mb.csv@${byteOffsetOf(text, 'z,z')}`,
    ]);
  });

  it('reads nothing from an empty file or a header-only file', async () => {
    const empty = await read('empty.csv', '');
    const headerOnly = await read('header.csv', 'id,name\n');

    expect(empty.records).toEqual([]);
    expect(empty.batches).toHaveLength(1);
    expect(empty.batches[0].finished).toBe(true);
    expect(headerOnly.records).toEqual([]);
    expect(headerOnly.batches.at(-1)!.finished).toBe(true);
  });

  it('skips blank lines and reads a last row without a newline', async () => {
    const result = await read('blank.csv', 'id\n\n1\n\r\n2');

    expect(values(result)).toEqual([{ id: '1' }, { id: '2' }]);
    expect(result.records.map((r) => r.id)).toEqual(['blank.csv@4', 'blank.csv@8']);
  });

  it('dead-letters a ragged row with its line, offset and fields, and reads the rest', async () => {
    const text = 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n';

    const result = await read('ragged.csv', text);

    expect(values(result)).toEqual([
      { a: '1', b: '2', c: '3' },
      { a: '10', b: '11', c: '12' },
    ]);
    expect(result.badRecords).toEqual([
      expect.objectContaining({ id: `ragged.csv@${byteOffsetOf(text, '4,5')}`, reason: 'expected 3 fields, got 2', line: 3, offset: byteOffsetOf(text, '4,5'), raw: ['4', '5'] }),
      expect.objectContaining({ reason: 'expected 3 fields, got 4', line: 4, raw: ['6', '7', '8', '9'] }),
    ]);
    expect(result.badRecords[0]).toMatchObject({ splitId: 'ragged.csv', file: fx.path('ragged.csv') });
  });

  it('dead-letters the rest of the file at an unclosed quote and keeps the records before it', async () => {
    const text = 'id,v\n1,a\n2,b\n3,"open\n4,d\n5,e\n';

    const result = await read('open.csv', text);

    expect(values(result)).toEqual([
      { id: '1', v: 'a' },
      { id: '2', v: 'b' },
    ]);
    expect(result.badRecords).toHaveLength(1);
    expect(result.badRecords[0]).toMatchObject({ offset: byteOffsetOf(text, '3,'), line: 4, raw: '3,"open\n4,d\n5,e\n' });
    expect(result.badRecords[0].reason).toMatch(/quote not closed; the rest of the file from offset 13 \(line 4\)/);
    expect(result.batches.at(-1)!.finished).toBe(true);
  });

  it('dead-letters a row with a bad closing quote up to its line end and resumes parsing after it', async () => {
    const text = 'id,v\n1,a\n2,"b"x\n3,c\n4,d"e\n5,f\n';

    const result = await read('quotes.csv', text);

    expect(values(result)).toEqual([
      { id: '1', v: 'a' },
      { id: '3', v: 'c' },
      { id: '5', v: 'f' },
    ]);
    expect(result.badRecords.map((b) => [b.offset, b.line, b.raw])).toEqual([
      [byteOffsetOf(text, '2,'), 3, '2,"b"x\n'],
      [byteOffsetOf(text, '4,'), 5, '4,d"e\n'],
    ]);
    expect(result.badRecords[0].reason).toMatch(/invalid closing quote/);
    expect(result.records[1].id).toBe(`quotes.csv@${byteOffsetOf(text, '3,c')}`);
  });

  it('names columns explicitly, with or without a header row', async () => {
    const withHeader = await read('h.csv', 'x,y\n1,2\n', { csv: { columns: ['a', 'b'] } });
    const withoutHeader = await read('n.csv', '1,2\n', { csv: { header: false, columns: ['a', 'b'] } });

    expect(values(withHeader)).toEqual([{ a: '1', b: '2' }]);
    expect(values(withoutHeader)).toEqual([{ a: '1', b: '2' }]);
  });

  it('yields arrays of fields for a file without header or columns', async () => {
    const result = await read('raw.csv', '1,2\n3\n', { csv: { header: false } });

    expect(values(result)).toEqual([['1', '2'], ['3']]);
  });

  it('keeps a __proto__ column as an ordinary field', async () => {
    const result = await read('proto.csv', '__proto__,a\nx,1\n');

    const value = values(result)[0] as Record<string, string>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
  });

  it('dead-letters a record longer than maxRecordBytes and goes on', async () => {
    const text = `id,v\n1,"${'x'.repeat(3000)}"\n2,b\n`;

    const result = await read('big.csv', text, { maxRecordBytes: 1024 });

    expect(values(result)).toEqual([{ id: '2', v: 'b' }]);
    expect(result.badRecords).toHaveLength(1);
    expect(result.badRecords[0]).toMatchObject({ offset: 5, line: 2 });
    expect(result.badRecords[0].reason).toMatch(/maximum record size/);
  });
});
