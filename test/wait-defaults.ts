/**
 * How long vi.waitFor and expect.poll wait by default (test/setup.ts, vitest.config.ts): far
 * beyond what any wait of npm test takes on a quiet machine (milliseconds), so that a loaded
 * one (seconds) fails no test, and below the test timeout, so a wait that never ends fails
 * with its own message rather than the test's timeout.
 */
export const WAIT_DEFAULTS = { timeout: 30_000, interval: 50 } as const;
