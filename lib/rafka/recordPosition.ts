/** Where a record sits in its split, from its id: what the rafka sink's high-water mark compares. */
export interface RecordPosition {
  /** The id before its position (`dir/a.csv`, `a.csv~v2`, `orders:3`): one dedupe domain per split and prefix. */
  readonly prefix: string;
  /** Sortable as a string (Lua's `<=`, byte order) in read order; see recordPosition. */
  readonly position: string;
}

/** Digits per number at most: 16 keeps every value exact in Lua's doubles and JS numbers alike. */
const MAX_DIGITS = 16;

/**
 * The position the built-in sources put in their record ids (`${fileId}@${byte offset}`,
 * `${stream}@${ms}-${seq}` for stream entries, each maybe fanned out `/<i>` by a transform),
 * as a string whose byte order is the numbers' order: each number is written as one letter
 * for its digit count (`a` for 1, `b` for 2, …) and its digits without leading zeros, for the offset or
 * entry time, the entry sequence (absent: none) and the fan-out index + 1 (absent: none).
 * Undefined for any other id (a custom source's): the sink dedupes those one marker per id.
 * Parsed by hand, not by a regular expression: it runs once per record sent.
 *
 * @example
 * recordPosition('in/a.csv@1042/0'); // { prefix: 'in/a.csv', position: 'd1042/a1' }
 */
export function recordPosition(id: string): RecordPosition | undefined {
  const at = id.lastIndexOf('@');
  if (at < 0) return undefined;
  let i = at + 1;
  const first = number(id, i);
  if (!first) return undefined;
  let position = first.encoded;
  i = first.end;
  if (id.charCodeAt(i) === 45 /* - */) {
    const seq = number(id, i + 1);
    if (!seq) return undefined;
    position += `-${seq.encoded}`;
    i = seq.end;
  }
  if (id.charCodeAt(i) === 47 /* / */) {
    const fan = number(id, i + 1);
    if (!fan || fan.value >= Number.MAX_SAFE_INTEGER) return undefined;
    position += `/${encode(String(fan.value + 1))}`;
    i = fan.end;
  }
  return i === id.length ? { prefix: id.slice(0, at), position } : undefined;
}

/*
 * The separators keep the order right between ids of one split: `-` (45) and `/` (47) sort
 * after the end of a string (a record at an offset before its fan-out) and `-` before `/`;
 * within one split every id has the same shape, so only the numbers decide.
 */
function number(id: string, from: number): { encoded: string; value: number; end: number } | undefined {
  let end = from;
  while (end < id.length && id.charCodeAt(end) >= 48 && id.charCodeAt(end) <= 57) end++;
  if (end === from || end - from > MAX_DIGITS) return undefined;
  let start = from;
  while (start < end - 1 && id.charCodeAt(start) === 48) start++; // leading zeros would break the order by length
  const digits = id.slice(start, end);
  return { encoded: encode(digits), value: Number(digits), end };
}

const encode = (digits: string) => String.fromCharCode(96 + digits.length) + digits;
