/** Where a record sits in its split, from its id: what the rafka sink's high-water mark compares. */
export interface RecordPosition {
  /** The id before its position (`dir/a.csv`, `a.csv~v2`, `orders:3`): one dedupe domain per split and prefix. */
  readonly prefix: string;
  /** Fixed width, so string order (Lua's `<=`, byte order) is the read order. */
  readonly position: string;
}

const WIDTH = 16;
/** `<prefix>@<offset>` (files), `<prefix>@<ms>-<seq>` (stream entries), each maybe fanned out `/<i>` by a transform. */
const ID = new RegExp(`^(.*)@(\\d{1,${WIDTH}})(?:-(\\d{1,${WIDTH}}))?(?:/(\\d{1,${WIDTH - 1}}))?$`, 's');
const pad = (digits: string) => digits.padStart(WIDTH, '0');

/**
 * The position the built-in sources put in their record ids (`${fileId}@${byte offset}`,
 * `${stream}@${entry id}`, and a transform's fan-out `<id>/<i>`), as a fixed-width string:
 * offset or entry time, entry sequence, then fan-out index + 1 (0 for a record not fanned
 * out), 16 digits each. Undefined for any other id (a custom source's): the sink dedupes
 * those one marker per id.
 *
 * @example
 * recordPosition('in/a.csv@1042/0'); // { prefix: 'in/a.csv', position: '0000000000001042' + '0'.repeat(16) + '0000000000000001' }
 */
export function recordPosition(id: string): RecordPosition | undefined {
  const m = ID.exec(id);
  if (!m) return undefined;
  const fanOut = m[4] === undefined ? '0' : String(Number(m[4]) + 1);
  return { prefix: m[1]!, position: pad(m[2]!) + pad(m[3] ?? '0') + pad(fanOut) };
}
