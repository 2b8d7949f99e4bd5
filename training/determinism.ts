/** Determinism helpers: seeded fold assignment and rounding, so a re-run writes the same files. */
import { K } from './config.js';

/** mulberry32: a small seeded PRNG, so fold assignment is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Fold number for each position of `ids`, stratified by label. */
export function stratifiedFolds(ids: readonly number[], y: readonly number[], folds: number, seed: number): number[] {
  const random = rng(seed);
  const fold = new Array<number>(ids.length).fill(0);
  let next = 0;
  for (let label = 0; label < K; label++) {
    const positions = ids.map((id, pos) => ({ id, pos })).filter(({ id }) => y[id] === label);
    for (const { pos } of shuffle(positions, random)) fold[pos] = next++ % folds;
  }
  return fold;
}

export const round = (x: number, decimals = 4): number => {
  const f = 10 ** decimals;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
};
