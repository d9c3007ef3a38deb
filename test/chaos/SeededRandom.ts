/**
 * A small seeded PRNG (mulberry32) so that one seed reproduces one fault schedule. Not for
 * anything but test scheduling: 32 bits of state are plenty to pick kill times and victims.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** A derived generator, e.g. one per child process, so adding a child does not shift the others' draws. */
  fork(salt: number): SeededRandom {
    return new SeededRandom((this.state ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0);
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[Math.floor(this.next() * items.length)];
  }

  /** Exponentially distributed wait with this mean (a Poisson process of faults). */
  exp(meanMs: number): number {
    return Math.round(-Math.log(1 - this.next()) * meanMs);
  }
}
