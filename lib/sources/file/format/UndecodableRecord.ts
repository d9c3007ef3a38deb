import { isUtf8 } from 'node:buffer';
import type { DecodedByteSource } from './DecodedByteSource';

/**
 * Why the decoded bytes of one record are not text, or undefined when they are. The record
 * cursors see UTF-8 (DecodedByteSource turns other encodings into it, undecodable input into
 * invalid UTF-8), so one check serves every encoding. The answer names the encoding and the
 * first bad byte's position inside the record, in raw bytes; with the record's offset in the
 * dead letter that is its exact place in the file.
 *
 * @example
 * undecodable(bytes, line); // 'not valid UTF-8: byte 3 of the record …' or undefined
 */
export function undecodable(bytes: DecodedByteSource, decoded: Buffer): { reason: string; raw: { base64: string } } | undefined {
  if (!bytes.mayBeInvalid || isUtf8(decoded)) return undefined;
  const at = bytes.rawBytes(decoded.subarray(0, firstInvalidUtf8(decoded))).length;
  const encoding = (bytes.encoding ?? 'utf-8').toUpperCase();
  return {
    reason: `not valid ${encoding} text: the bytes from byte ${at} of the record do not decode; the record is kept unchanged as raw bytes (base64)`,
    raw: { base64: bytes.rawBytes(decoded).toString('base64') },
  };
}

/** Index of the first byte that is not part of a well-formed UTF-8 sequence (buffer length when none). */
export function firstInvalidUtf8(buffer: Buffer): number {
  for (let i = 0; i < buffer.length; ) {
    const b = buffer[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    if (i + length > buffer.length) return i;
    const second = buffer[i + 1]!;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) if ((buffer[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return buffer.length;
}
