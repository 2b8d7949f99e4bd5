/**
 * A seeded generator (mulberry32): the same seed draws the same workload, the same kill
 * moments and the same latencies, so `CHAOS_SEED=<seed>` replays a run's choices. (What the
 * runtime does with them under load still varies: the seed fixes the chaos, not the schedule.)
 */
export class Random {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** One to `max` items drawn from `items` (the same may come twice). */
  some<T>(items: readonly T[], max = 2): T[] {
    const count = 1 + Math.floor(this.next() * max);
    return Array.from({ length: count }, () => this.pick(items));
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

/** A seed for a run: `CHAOS_SEED` when given (a replay), else a fresh one. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
