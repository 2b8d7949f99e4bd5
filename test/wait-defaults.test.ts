import { describe, expect, it, vi } from 'vitest';
import { WAIT_DEFAULTS } from './wait-defaults.js';

/** Longer than vitest's own default for both (1 s), far shorter than WAIT_DEFAULTS.timeout. */
const PAST_VITEST_DEFAULT_MS = 1_200;

/** Resolves true once `ms` of real time have passed since it was made: a condition a busy machine meets late. */
function onceElapsed(ms: number): () => boolean {
  const started = performance.now();
  return () => performance.now() - started >= ms;
}

describe('the waits of npm test (test/wait-defaults.ts)', () => {
  it("keep vi.waitFor waiting past vitest's 1 s default when a test names no timeout", async () => {
    const done = onceElapsed(PAST_VITEST_DEFAULT_MS);
    await vi.waitFor(() => {
      if (!done()) throw new Error('not yet');
    });
  });

  it("keep expect.poll waiting past vitest's 1 s default when a test names no timeout", async () => {
    const done = onceElapsed(PAST_VITEST_DEFAULT_MS);
    await expect.poll(done).toBe(true);
  });

  it('leave a timeout a test names as it is', async () => {
    const never = () => {
      throw new Error('never');
    };
    await expect(vi.waitFor(never, { timeout: 50 })).rejects.toThrow('never');
    await expect(vi.waitFor(never, 50)).rejects.toThrow('never');
    expect(WAIT_DEFAULTS.timeout).toBeGreaterThan(PAST_VITEST_DEFAULT_MS);
  });
});
