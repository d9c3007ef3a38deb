import fc from 'fast-check';
import { kafkaPartitionForKey, murmur2, toPositive } from '../../../lib/rafka/kafkaPartitioner';

/** The reference: Kafka's Utils.murmur2 written out with BigInt 32-bit arithmetic, independent of Math.imul. */
function referenceMurmur2(data: Uint8Array): number {
  const M = 0x5bd1e995n;
  const u32 = (x: bigint) => BigInt.asUintN(32, x);
  let h = u32(0x9747b28cn ^ BigInt(data.length));
  const n4 = Math.floor(data.length / 4);
  for (let i = 0; i < n4; i++) {
    let k = BigInt(data[4 * i]!) | (BigInt(data[4 * i + 1]!) << 8n) | (BigInt(data[4 * i + 2]!) << 16n) | (BigInt(data[4 * i + 3]!) << 24n);
    k = u32(k * M);
    k ^= k >> 24n;
    k = u32(k * M);
    h = u32(h * M) ^ k;
  }
  const tail = n4 * 4;
  const rest = data.length % 4;
  if (rest >= 3) h ^= BigInt(data[tail + 2]!) << 16n;
  if (rest >= 2) h ^= BigInt(data[tail + 1]!) << 8n;
  if (rest >= 1) h = u32((h ^ BigInt(data[tail]!)) * M);
  h ^= h >> 13n;
  h = u32(h * M);
  h ^= h >> 15n;
  return Number(BigInt.asIntN(32, h));
}

describe("Kafka's default partitioner", () => {
  // The vectors of Kafka's own test: clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%j) = %i, as Kafka computes it', (text, expected) => {
    expect(murmur2(Buffer.from(text))).toBe(expected);
  });

  it('agrees with a BigInt transcription of the Java reference on any bytes (every tail length)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => murmur2(bytes) === referenceMurmur2(bytes)), { numRuns: 2_000 });
  });

  it('picks toPositive(murmur2(utf8 bytes)) % n, always in 0..n-1, and the same for a string and its bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 1, max: 65_536 }), (key, n) => {
        const p = kafkaPartitionForKey(key, n);
        return p >= 0 && p < n && p === toPositive(referenceMurmur2(Buffer.from(key, 'utf8'))) % n && p === kafkaPartitionForKey(Buffer.from(key, 'utf8'), n);
      }),
    );
  });

  it('toPositive clears the sign bit (Integer.MIN_VALUE → 0, unlike Math.abs)', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(2147483647);
  });
});
