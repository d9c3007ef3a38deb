/** Text encodings the file source reads. A byte order mark overrides the configured one for its file. */
export const TEXT_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'latin1'] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

/** The encoding a byte order mark at the start of a file declares, and the mark's length. */
export function encodingOfBom(head: Buffer): { encoding: TextEncoding; length: number } | undefined {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return undefined;
}

/** Bytes needed to recognise any byte order mark. */
export const BOM_SNIFF_BYTES = 3;

/** Share of NUL bytes at one parity above which 8-bit text is taken for UTF-16 without a BOM. */
const NUL_SHARE = 0.3;

/**
 * Why `sample` (bytes starting at absolute offset `offset`) looks like UTF-16 rather than
 * 8-bit text, or undefined. Text in UTF-8 or Latin-1 has (almost) no NUL bytes, while
 * UTF-16 of mostly-ASCII text has a NUL in every other byte; reading it as 8-bit text would
 * yield records full of NULs that look good. The parity is taken from the file's start, so
 * a byte range that starts mid-file is judged the same way.
 *
 * @example
 * utf16Suspicion(Buffer.from('a,b\n', 'utf16le'), 0); // 'looks like UTF-16LE …'
 */
export function utf16Suspicion(sample: Buffer, offset: number): string | undefined {
  if (sample.length < 2) return undefined;
  const nuls = [0, 0];
  const counts = [0, 0];
  for (let i = 0; i < sample.length; i++) {
    const parity = (offset + i) & 1;
    counts[parity]++;
    if (sample[i] === 0) nuls[parity]++;
  }
  const even = nuls[0]! / Math.max(1, counts[0]!);
  const odd = nuls[1]! / Math.max(1, counts[1]!);
  if (Math.max(even, odd) < NUL_SHARE) return undefined;
  // ASCII in UTF-16LE puts the NUL second (odd offsets), in UTF-16BE first (even offsets).
  const guess = odd >= even ? 'utf-16le' : 'utf-16be';
  const share = Math.round(Math.max(even, odd) * 100);
  return `looks like ${guess.toUpperCase()} text without a byte order mark (${share}% of the bytes at ${odd >= even ? 'odd' : 'even'} offsets are NUL), not the configured 8-bit encoding; set encoding: '${guess}' (--encoding ${guess}) to read it`;
}
