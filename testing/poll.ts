/** How long a wait polls before it gives up, unless told otherwise. */
export const DEFAULT_WAIT_MS = 10_000;
const POLL_INTERVAL_MS = 50;

/** A wait that timed out, or a wait or fault given something the app does not have. */
export class TestAppError extends Error {
  override readonly name = 'TestAppError';
}

export interface WaitOptions {
  /** @default 10000 */
  readonly timeoutMs?: number;
}

/**
 * Calls `check` until it returns something other than undefined; after `timeoutMs` fails
 * with `what` and what `seen` reports was there instead, so the message says why it timed out.
 */
export async function poll<T>(
  check: () => Promise<T | undefined>,
  what: string,
  seen: () => Promise<string>,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline)
      throw new TestAppError(`timed out after ${timeoutMs} ms waiting for ${what}; seen instead: ${await seen()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** `items` as a short list for a message: the first `max`, then how many more. */
export function listed(items: readonly string[], max = 10, none = 'none'): string {
  if (items.length === 0) return none;
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} (and ${items.length - max} more)` : shown;
}

/** The one of `names` that `wanted` names, or an error naming what exists. */
export function known(kind: string, wanted: string, names: readonly string[], matches: (name: string) => boolean): string {
  const found = names.find(matches);
  if (found === undefined) throw new TestAppError(`no ${kind} "${wanted}" in the app; it has: ${listed(names, 30)}`);
  return found;
}
