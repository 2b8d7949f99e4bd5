import { describe, expect, it } from 'vitest';
import { InvocationFaults } from '../../../local/lambda/runtime/invocation-faults.js';

const error = { errorType: 'Boom', errorMessage: 'boom' };

/** Which of `n` invocations of `fn` a fault with `probability` fails, under `seed`. */
function draws(seed: number, probability: number, n = 40): boolean[] {
  const faults = new InvocationFaults(seed);
  faults.set('fn', { probability, when: 'before', error });
  return Array.from({ length: n }, () => faults.take('fn') !== undefined);
}

describe('InvocationFaults', () => {
  it('fails the next N invocations of the function and then none, counting them', () => {
    const faults = new InvocationFaults();
    const count = faults.set('fn', { times: 2, when: 'after', error });
    expect([faults.take('fn'), faults.take('fn'), faults.take('fn')]).toEqual([
      { when: 'after', error },
      { when: 'after', error },
      undefined,
    ]);
    expect(count.injected).toBe(2);
    expect(faults.take('other')).toBeUndefined();
  });

  it('fails the same invocations for the same seed, and others for another seed', () => {
    expect(draws(7, 0.5)).toEqual(draws(7, 0.5));
    expect(draws(7, 0.5)).not.toEqual(draws(8, 0.5));
    expect(draws(7, 0.5).filter(Boolean).length).toBeGreaterThan(5);
  });

  it('never fails with probability 0, always with 1', () => {
    expect(draws(3, 0).some(Boolean)).toBe(false);
    expect(draws(3, 1).every(Boolean)).toBe(true);
  });

  it('stops failing once the fault is cleared', () => {
    const faults = new InvocationFaults();
    faults.set('fn', { probability: 1, when: 'before', error });
    faults.clear('fn');
    expect(faults.take('fn')).toBeUndefined();
  });
});
