import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { inject } from 'vitest';

/*
 * What the test files of one `vitest run` make once for all of them (synthesized apps, templates),
 * beside the run's folder (test/global-setup.ts), whichever worker asks first.
 */

/** How long a test file waits for another one to make a shared file (a synthesis, say) before it makes its own. */
const WAIT_FOR_SYNTH_MS = 5 * 60_000;

/** Takes the lock (an atomic mkdir), or answers false when another test file holds it. */
function takeLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

/**
 * A file or folder beside the run's folder named after `key`, made by `make` (into the staging
 * path it is given) by the first test file that asks and renamed into place when complete; the
 * others wait for the rename. Undefined outside a run with test/global-setup.ts, or when the
 * wait runs out (a worker died holding the lock): the caller then makes its own.
 */
export function sharedOnce(key: string, make: (staging: string) => void): string | undefined {
  let run: string | undefined;
  try {
    run = inject('switchyardSynthDir');
  } catch {
    return undefined; // not inside a vitest worker
  }
  if (run === undefined || !existsSync(run)) return undefined;
  const ready = `${run}.${key}`;
  const lock = path.join(run, `${key}.lock`);
  const deadline = Date.now() + WAIT_FOR_SYNTH_MS;
  while (Date.now() < deadline) {
    if (existsSync(ready)) return ready;
    if (takeLock(lock)) {
      try {
        if (existsSync(ready)) return ready;
        const staging = `${ready}.staging-${process.pid}-${threadId}`;
        rmSync(staging, { recursive: true, force: true });
        make(staging);
        renameSync(staging, ready);
        return ready;
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
  return undefined;
}

/** What `sharedOnce(key, ...)` made, if a test file of this run made it already; never waits nor makes it. */
export function sharedIfReady(key: string): string | undefined {
  let run: string | undefined;
  try {
    run = inject('switchyardSynthDir');
  } catch {
    return undefined; // not inside a vitest worker
  }
  const ready = `${run}.${key}`;
  return run !== undefined && existsSync(ready) ? ready : undefined;
}
