import { invalidDefinition as invalid } from './errors.js';

/** A Retry rule as compiled from the definition (the engine applies it in retry-policy.ts). */
export interface Retrier {
  errorEquals: string[];
  intervalSeconds: number;
  maxAttempts: number;
  backoffRate: number;
  maxDelaySeconds?: number;
  jitter: 'FULL' | 'NONE';
}

export function compileRetrier(r: Record<string, unknown>, where: string): Retrier {
  if (!Array.isArray(r.ErrorEquals) || r.ErrorEquals.length === 0)
    throw invalid(`SCHEMA_VALIDATION_FAILED: ErrorEquals must be a non-empty array at ${where}`);
  const num = (k: string, d: number) => {
    const v = r[k];
    if (v === undefined) return d;
    if (typeof v !== 'number') throw invalid(`SCHEMA_VALIDATION_FAILED: ${k} must be a number at ${where}/${k}`);
    return v;
  };
  const retrier: Retrier = {
    errorEquals: r.ErrorEquals as string[],
    intervalSeconds: num('IntervalSeconds', 1),
    maxAttempts: num('MaxAttempts', 3),
    backoffRate: num('BackoffRate', 2),
    jitter: r.JitterStrategy === 'FULL' ? 'FULL' : 'NONE',
  };
  if (r.MaxDelaySeconds !== undefined) retrier.maxDelaySeconds = num('MaxDelaySeconds', 0);
  if (retrier.backoffRate < 1) throw invalid(`SCHEMA_VALIDATION_FAILED: BackoffRate must be at least 1.0 at ${where}/BackoffRate`);
  checkErrorEquals(retrier.errorEquals, where);
  return retrier;
}

/** States.ALL matches every error, so AWS refuses it beside others in one ErrorEquals (of a Retry or a Catch). */
export function checkErrorEquals(errors: string[], where: string): void {
  const all = errors.indexOf('States.ALL');
  if (all >= 0 && errors.length > 1) throw invalid(`SCHEMA_VALIDATION_FAILED: States.ALL must appear alone in ErrorEquals at ${where}`);
}
