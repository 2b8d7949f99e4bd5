/** Multinomial logistic regression with L2 regularisation, fitted by Nesterov-accelerated gradient descent. */
import type { SparseVector } from '../lambdas/triage/local-model/features.js';
import { CONFIG, K, LABELS } from './config.js';
import type { Packed } from './feature-space.js';

export interface Weights {
  /** Term-major: w[j * K + k]. */
  readonly w: Float64Array;
  readonly b: Float64Array;
}

export function rawLogits(model: Weights, x: SparseVector): number[] {
  const z = Array.from(model.b);
  for (let n = 0; n < x.indices.length; n++) {
    const base = (x.indices[n] as number) * K;
    const v = x.values[n] as number;
    for (let k = 0; k < K; k++) z[k] = (z[k] as number) + (model.w[base + k] as number) * v;
  }
  return z;
}

/**
 * Mean cross-entropy + l2/2 ||W||^2 (bias not penalised) at `model`; its gradient is written to
 * `gw` and `gb`.
 */
export function objective(model: Weights, X: Packed, y: readonly number[], l2: number, gw: Float64Array, gb: Float64Array): number {
  gw.fill(0);
  gb.fill(0);
  const z = new Float64Array(K);
  const n = X.rows;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const from = X.offsets[i] as number;
    const to = X.offsets[i + 1] as number;
    for (let k = 0; k < K; k++) z[k] = model.b[k] as number;
    for (let m = from; m < to; m++) {
      const base = (X.indices[m] as number) * K;
      const v = X.values[m] as number;
      for (let k = 0; k < K; k++) z[k] = (z[k] as number) + (model.w[base + k] as number) * v;
    }
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, z[k] as number);
    let sum = 0;
    for (let k = 0; k < K; k++) {
      z[k] = Math.exp((z[k] as number) - max);
      sum += z[k] as number;
    }
    const yi = y[i] as number;
    loss -= Math.log(Math.max((z[yi] as number) / sum, 1e-300));
    // z becomes (p - onehot(y)) / n, the gradient of this ticket's loss with respect to its logits.
    for (let k = 0; k < K; k++) z[k] = ((z[k] as number) / sum - (k === yi ? 1 : 0)) / n;
    for (let k = 0; k < K; k++) gb[k] = (gb[k] as number) + (z[k] as number);
    for (let m = from; m < to; m++) {
      const base = (X.indices[m] as number) * K;
      const v = X.values[m] as number;
      for (let k = 0; k < K; k++) gw[base + k] = (gw[base + k] as number) + (z[k] as number) * v;
    }
  }
  let penalty = 0;
  for (let j = 0; j < gw.length; j++) {
    const wj = model.w[j] as number;
    penalty += wj * wj;
    gw[j] = (gw[j] as number) + l2 * wj;
  }
  return loss / n + (l2 / 2) * penalty;
}

/**
 * Nesterov-accelerated full-batch gradient descent, fixed iteration count, from zero weights.
 * With L2-normalised features the loss gradient is (1 + l2)-Lipschitz (softmax Hessian <= 1/2,
 * ||[x; 1]||^2 <= 2), so the step 1 / (1 + l2) is safe.
 */
export function trainLogReg(X: Packed, y: readonly number[], dims: number, l2: number): Weights {
  const step = 1 / (1 + l2);
  const size = dims * K;
  const current: Weights = { w: new Float64Array(size), b: new Float64Array(K) };
  const look: Weights = { w: new Float64Array(size), b: new Float64Array(K) };
  const gw = new Float64Array(size);
  const gb = new Float64Array(K);
  for (let t = 1; t <= CONFIG.iterations; t++) {
    objective(look, X, y, l2, gw, gb);
    const momentum = (t - 1) / (t + 2);
    for (let j = 0; j < size; j++) {
      const next = (look.w[j] as number) - step * (gw[j] as number);
      look.w[j] = next + momentum * (next - (current.w[j] as number));
      current.w[j] = next;
    }
    for (let k = 0; k < K; k++) {
      const next = (look.b[k] as number) - step * (gb[k] as number);
      look.b[k] = next + momentum * (next - (current.b[k] as number));
      current.b[k] = next;
    }
  }
  return current;
}

/** Label frequencies among `ids`. */
export function labelPriors(y: readonly number[], ids: readonly number[]): number[] {
  return LABELS.map((_, k) => ids.filter((id) => y[id] === k).length / ids.length);
}
