/**
 * Seeded pseudo-random numbers for the synthetic city (mulberry32). Every random choice
 * in `src/synth` goes through an `Rng`, never `Math.random`, so that the same seed gives
 * byte-identical output.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [a, b). */
  range(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /** Uniform integer in [a, b] (inclusive). */
  int(a: number, b: number): number {
    return a + Math.floor(this.next() * (b - a + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const v = items[Math.floor(this.next() * items.length)];
    if (v === undefined) throw new RangeError("Rng.pick: empty list");
    return v;
  }

  /** Approximately normal (sum of uniforms), mean 0, standard deviation 1. */
  normal(): number {
    return this.next() + this.next() + this.next() + this.next() - 2;
  }

  /** An independent generator derived from this one's next value and a salt. */
  fork(salt: number): Rng {
    return new Rng(hashSeed(Math.floor(this.next() * 4294967296), salt));
  }
}

/** Mixes integers into one 32-bit seed (splitmix-style finaliser per part). */
export function hashSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = (h ^ (p >>> 0)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h >>> 0;
}

/** The sub-seed of sequence `seq` of a dataset generated with `seed`. */
export function sequenceSeed(seed: number, seq: number): number {
  return hashSeed(seed, seq, 0x5e9);
}
