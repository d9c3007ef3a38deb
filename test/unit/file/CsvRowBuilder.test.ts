import fc from 'fast-check';
import { csvRowBuilder } from '../../../lib/sources/file/format/CsvRowBuilder';

/** What a CSV record object must be: each column an own, enumerable, writable data property, in column order, on a plain object. */
function reference(columns: readonly string[], fields: readonly string[]): Record<string, string> {
  const value: Record<string, string> = {};
  columns.forEach((name, i) => Object.defineProperty(value, name, { value: fields[i], enumerable: true, writable: true, configurable: true }));
  return value;
}

const tricky = fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', '1', '10', '4294967295', '-1', '1.5', '', ' ', '"', '\\', "'", '`', '${x}', '}', '\u2028', '\u2029', '\ud800', '\udc00', '\u0000', '\n', 'a"b', '😀', 'id');
const name = fc.oneof(tricky, fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
const columns = fc.uniqueArray(name, { minLength: 1, maxLength: 12 });

function expectSameRecord(actual: Record<string, string>, expected: Record<string, string>): void {
  expect(Object.getPrototypeOf(actual)).toBe(Object.prototype);
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
  for (const key of Object.keys(expected)) {
    expect(Object.getOwnPropertyDescriptor(actual, key)).toEqual(Object.getOwnPropertyDescriptor(expected, key));
  }
}

describe('csvRowBuilder', () => {
  it('builds the same record as defining each column in order, for any column names and fields', () => {
    fc.assert(
      fc.property(columns, fc.array(fc.string({ unit: 'binary' }), { minLength: 12, maxLength: 12 }), (cols, fields) => {
        expectSameRecord(csvRowBuilder(cols)(fields), reference(cols, fields));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a __proto__ column as an own property and the prototype untouched', () => {
    const row = csvRowBuilder(['a', '__proto__', 'b'])(['1', '2', '3']);

    expectSameRecord(row, reference(['a', '__proto__', 'b'], ['1', '2', '3']));
    expect(Object.prototype.hasOwnProperty.call(row, '__proto__')).toBe(true);
  });

  it('builds wide rows (past the generated-code limit) the same way', () => {
    const cols = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? String(i) : `c${i}`));
    const fields = cols.map((_, i) => `v${i}`);

    expectSameRecord(csvRowBuilder(cols)(fields), reference(cols, fields));
  });

  it('returns a fresh object per row', () => {
    const build = csvRowBuilder(['a']);
    const first = build(['1']);
    first.a = 'changed';

    expect(build(['1'])).toEqual({ a: '1' });
  });
});
