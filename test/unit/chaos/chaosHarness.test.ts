import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { generateInput } from '../../chaos/ChaosData';
import { chaosOptions, parseChaosArgs, parseFaults } from '../../chaos/ChaosOptions';
import { checkCounts, deadLetterRid, readOutput, sinkRid } from '../../chaos/ChaosVerifier';
import { SeededRandom } from '../../chaos/SeededRandom';
import { tempDir } from '../../helpers/tmp';

/** The chaos suite's own parts: a harness that cannot see a loss would prove nothing. */
describe('chaos harness', () => {
  it('counts lost, duplicated and never-input records from its own reading', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 50 }), fc.nat({ max: 3 }), (copies, strangers) => {
        const expected = copies.map((_, i) => `r${i}`);
        const counts = new Map<string, number>();
        copies.forEach((n, i) => n > 0 && counts.set(`r${i}`, n));
        for (let i = 0; i < strangers; i++) counts.set(`x${i}`, 1);
        const check = checkCounts(expected, { counts, lines: 0, corruptLines: 0, files: 0, ignoredFiles: 0 });
        expect(check.lost).toBe(copies.filter((n) => n === 0).length);
        expect(check.duplicated).toBe(copies.reduce((sum, n) => sum + Math.max(0, n - 1), 0) + strangers);
        expect(check.unexpected).toBe(strangers);
      }),
    );
  });

  it('reads JSONL part files itself: NUL padding and torn lines are corrupt, other files are ignored', async () => {
    const tmp = tempDir();
    try {
      const dir = join(tmp.dir, 'out');
      mkdirSync(join(dir, 'sub'), { recursive: true });
      writeFileSync(join(dir, 'part-a.jsonl'), `${JSON.stringify({ id: 'a@0', value: { rid: 'r0' } })}\n\0\0\0${JSON.stringify({ id: 'a@9', value: { rid: 'r1' } })}\n{"id":"a@20","val\n`);
      writeFileSync(join(dir, 'sub', 'part-b.jsonl'), `${JSON.stringify({ id: 'b@0', value: { rid: 'r0' } })}\n`);
      writeFileSync(join(dir, 'part-b.jsonl.tmp-3'), 'not read\n');
      const reading = await readOutput({ dir }, sinkRid);
      expect(reading).toMatchObject({ lines: 4, corruptLines: 2, files: 2, ignoredFiles: 1 });
      expect(checkCounts(['r0', 'r1'], reading)).toMatchObject({ lost: 1, duplicated: 1 });
    } finally {
      tmp.cleanup();
    }
  });

  it('finds the bad line a dead letter names', () => {
    expect(deadLetterRid(JSON.stringify({ id: 'f@10', reason: 'invalid JSON', raw: '{"rid":"bad-7", this line is not JSON' }))).toBe('bad-7');
    expect(() => deadLetterRid('{"torn')).toThrow();
  });

  it('reproduces the same input and the same draws from the same seed', () => {
    const a = generateInput(500, 3, 100, new SeededRandom(42));
    const b = generateInput(500, 3, 100, new SeededRandom(42));
    expect([...a.files]).toEqual([...b.files]);
    expect(a.rids).toHaveLength(500);
    expect(new Set(a.rids).size).toBe(500);
    expect(a.badRids.length).toBeGreaterThan(0);
    const draws = (seed: number) => Array.from({ length: 20 }, ((r) => () => r.int(0, 1000))(new SeededRandom(seed)));
    expect(draws(7)).toEqual(draws(7));
    expect(draws(7)).not.toEqual(draws(8));
  });

  it('switches fault kinds one by one, and rejects unknown ones', () => {
    expect(parseFaults('all,-drop,-zombie').sort()).toEqual(['duplicate', 'enumerators', 'failureHandlers', 'kill', 'killPoint', 'sinkPause']);
    expect(parseFaults('none,kill')).toEqual(['kill']);
    expect(() => parseFaults('kill,meteor')).toThrow('unknown fault "meteor"');
    expect([...chaosOptions({}, { CHAOS_FAULTS: 'drop', CHAOS_SEED: '9' }).faults]).toEqual(['drop']);
    expect(chaosOptions({}, { CHAOS_SEED: '9' }).seed).toBe(9);
    const cli = parseChaosArgs(['--seeds', '1,2,3', '--modes', 's3', '--kills', '70', '--orphan-after', '900'], {});
    expect(cli).toMatchObject({ seeds: [1, 2, 3], modes: ['s3'], options: { profile: 'long', overrides: { orphanAfterMs: 900_000, targets: { kills: 70 } } } });
    expect(() => parseChaosArgs(['--modes', 'ftp'], {})).toThrow('--modes');
  });
});
