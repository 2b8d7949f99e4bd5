import type { AnyEventContract } from '../contracts/index.js';
import { known, TestAppError } from './poll.js';
import { type SendOptions, type Sent, send } from './send.js';
import type { RunningApp } from './start.js';
import { uniqueMatch } from './waits.js';

export interface FailFunctionOptions {
  /** Fail the next `times` invocations (give this or `probability`). @default - none: `probability` is given */
  readonly times?: number;
  /** Fail each invocation with this probability, 0 to 1, drawn from the app's seed (give this or `times`). @default - none: `times` is given */
  readonly probability?: number;
  /**
   * `before`: the handler does not run (a crash at its start); `after`: it runs, effects
   * included, and then the invocation fails (a crash before it answered), the case an
   * idempotent consumer must survive. @default 'before'
   */
  readonly when?: 'before' | 'after';
  /** The error the invocation fails with, as Lambda reports a function error. @default 'InjectedFault' */
  readonly errorType?: string;
  /** The error's message. @default 'a fault the test injected into <function name>' */
  readonly errorMessage?: string;
}

/** A fault on one function: how many invocations it failed, and its removal. */
export interface FunctionFaultHandle {
  /** The function's name in the app. */
  readonly functionName: string;
  /** How many invocations the fault failed so far (restarts included). */
  injected(): number;
  /** Removes the fault: the next invocations run as usual. */
  clear(): void;
}

/**
 * Makes a function of the app fail: every path that invokes it (event source mappings,
 * asynchronous invokes, Step Functions tasks, Invoke) sees a function error, with Lambda's
 * retries, dead-letter queues and Retry policies taking it from there. A function the app
 * does not have fails at once, naming the ones it has.
 */
export function failFunction(app: RunningApp, name: string, options: FailFunctionOptions): FunctionFaultHandle {
  app.inProcess('failFunction');
  const names = app.runtime.definitions.functions.map((f) => f.name);
  const functionName = known('function', name, names, uniqueMatch(name, names));
  const { times, probability } = options;
  if ((times === undefined) === (probability === undefined)) {
    throw new TestAppError(`failFunction ${name}: give either times (how many invocations fail) or probability (0 to 1)`);
  }
  if (times !== undefined && (!Number.isInteger(times) || times < 1)) {
    throw new TestAppError(`failFunction ${name}: times is ${times}; it must be a whole number from 1`);
  }
  if (probability !== undefined && !(probability >= 0 && probability <= 1)) {
    throw new TestAppError(`failFunction ${name}: probability is ${probability}; it must be from 0 to 1`);
  }
  const errorType = options.errorType ?? 'InjectedFault';
  const errorMessage = options.errorMessage ?? `a fault the test injected into ${functionName}`;
  const count = app.faults.set(functionName, {
    ...(times === undefined ? {} : { times }),
    ...(probability === undefined ? {} : { probability }),
    when: options.when ?? 'before',
    error: { errorType, errorMessage, trace: [] },
  });
  return { functionName, injected: () => count.injected, clear: () => app.faults.clear(functionName) };
}

export interface DuplicateOptions extends SendOptions {
  /** How many copies. @default 2 */
  readonly copies?: number;
  /** Milliseconds between copies. @default 0: all at once */
  readonly apartMs?: number;
}

/**
 * Sends the same detail several times, each a PutEvents of its own (so each copy has its own
 * event id, as a producer's retry or a webhook's redelivery has): a flow keyed on its
 * contract's `idempotencyFields` must apply it once.
 */
export async function sendDuplicates(
  app: RunningApp,
  contract: AnyEventContract,
  detail: object,
  options: DuplicateOptions = {},
): Promise<Sent[]> {
  const copies = options.copies ?? 2;
  if (!Number.isInteger(copies) || copies < 2) throw new TestAppError(`copies is ${copies}; a duplicate is 2 copies or more`);
  const apartMs = options.apartMs ?? 0;
  if (apartMs === 0) return Promise.all(Array.from({ length: copies }, () => send(app, contract, detail, options)));
  const sent: Sent[] = [];
  for (let i = 0; i < copies; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, apartMs));
    sent.push(await send(app, contract, detail, options));
  }
  return sent;
}

/**
 * Sends the event once `after` has settled (a wait, a promise of the flow's end) and then
 * `delayMs` more: the copy that arrives after the fact was handled, or an event that comes
 * after the one it should have followed.
 */
export async function sendLate(
  app: RunningApp,
  contract: AnyEventContract,
  detail: object,
  options: SendOptions & { readonly after?: Promise<unknown>; readonly delayMs?: number } = {},
): Promise<Sent> {
  await options.after?.catch(() => undefined);
  if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  return send(app, contract, detail, options);
}
