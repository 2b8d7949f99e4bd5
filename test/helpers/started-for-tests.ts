import { afterAll, beforeAll } from 'vitest';

/**
 * What `start` starts before the tests of the file (or describe) that calls this, then `setUp`
 * prepares (what they share), and `stop` stops after them: an engine, a runtime, an app. The
 * handle stands for it from then on: each member read is the started one's. Read before it has
 * started, it fails naming `what`.
 */
export function startedForTests<T extends object>(
  what: string,
  start: () => Promise<T>,
  stop: (started: T) => Promise<unknown>,
  options: { setUp?: (started: T) => Promise<unknown>; timeoutMs?: number } = {},
): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
    await options.setUp?.(started);
  }, options.timeoutMs);
  afterAll(async () => {
    if (started !== undefined) await stop(started);
  });
  return new Proxy({} as T, {
    get(_, member) {
      if (started === undefined) throw new Error(`${what} starts before the tests: use it in a test or a hook`);
      const value = Reflect.get(started, member, started);
      return typeof value === 'function' ? value.bind(started) : value;
    },
  });
}
