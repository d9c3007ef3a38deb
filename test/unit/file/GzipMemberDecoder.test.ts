import fc from 'fast-check';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { GzipMemberDecoder } from '../../../lib/sources/file/format/GzipMemberDecoder';

/** A gzip member of `data`, optionally with the header fields gzipSync never writes (FEXTRA, FNAME, FCOMMENT, FHCRC). */
function member(data: Buffer, extras: { extra?: Buffer; name?: string; comment?: string; headerCrc?: boolean }): Buffer {
  const plain = gzipSync(data);
  let flags = 0;
  const parts: Buffer[] = [];
  if (extras.extra) {
    flags |= 0x04;
    const length = Buffer.alloc(2);
    length.writeUInt16LE(extras.extra.length);
    parts.push(length, extras.extra);
  }
  if (extras.name !== undefined) {
    flags |= 0x08;
    parts.push(Buffer.from(`${extras.name}\0`, 'latin1'));
  }
  if (extras.comment !== undefined) {
    flags |= 0x10;
    parts.push(Buffer.from(`${extras.comment}\0`, 'latin1'));
  }
  if (extras.headerCrc) {
    flags |= 0x02;
    parts.push(Buffer.from([0xab, 0xcd])); // not checked, as zlib does not check it either by default
  }
  const header = Buffer.from(plain.subarray(0, 10));
  header[3] = flags;
  return Buffer.concat([header, ...parts, plain.subarray(10)]);
}

async function decode(bytes: Buffer, chunk: number): Promise<{ output: Buffer; error?: string }> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  const out: Buffer[] = [];
  try {
    for await (const part of Readable.from(chunks).pipe(new GzipMemberDecoder('f.gz', 1024))) out.push(part as Buffer);
    return { output: Buffer.concat(out) };
  } catch (error) {
    return { output: Buffer.concat(out), error: (error as Error).message };
  }
}

describe('GzipMemberDecoder', () => {
  const contents = fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a));
  const extras = fc.record(
    { extra: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)), name: fc.string({ maxLength: 12 }).map((s) => s.replace(/\0/g, '')), comment: fc.constant('c'), headerCrc: fc.boolean() },
    { requiredKeys: [] },
  );

  it('hands out every member, with any header fields, in any input chunking; zero padding is fine, trailing garbage an error after all of it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(contents, extras), { minLength: 1, maxLength: 3 }),
        fc.constantFrom('none', 'zeros', 'garbage'),
        fc.integer({ min: 1, max: 700 }),
        async (members, tail, chunk) => {
          const expected = Buffer.concat(members.map(([data]) => data));
          const body = Buffer.concat(members.map(([data, x]) => member(data, x)));
          const bytes = Buffer.concat([body, tail === 'zeros' ? Buffer.alloc(20) : tail === 'garbage' ? Buffer.from('trailing!') : Buffer.alloc(0)]);

          const result = await decode(bytes, chunk);

          expect(result.output.equals(expected)).toBe(true);
          expect(result.error).toBe(tail === 'garbage' ? `the data after the last gzip member (from compressed byte ${body.length}) is not gzip` : undefined);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('fails on a truncated member (body or trailer), a wrong checksum, and data that is not gzip', async () => {
    const good = member(Buffer.from('hello world\n'.repeat(50)), {});
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 8] ^= 0xff;

    expect((await decode(good.subarray(0, good.length - 3), 5)).error).toBe('unexpected end of file');
    expect((await decode(good.subarray(0, 20), 5)).error).toBe('unexpected end of file');
    expect((await decode(badCrc, 64)).error).toBe('incorrect data check');
    expect((await decode(Buffer.from('id\n1\n'), 64)).error).toBe('f.gz is not gzip data (it does not start with the gzip magic bytes 1f 8b)');
    expect((await decode(Buffer.alloc(0), 64)).error).toBe('unexpected end of file');
  });
});
