/**
 * mulberry32: a small, fast generator whose sequence a seed replays exactly. The one seeded
 * generator of the repository: injected faults draw from it (the same seed fails the same
 * invocations), Step Functions' seeded `States.MathRandom` and JSONata `$random(seed)` (the
 * same seed, the same number, as AWS documents), and the benchmarks' bursts.
 * Not for anything security-sensitive.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
