import { seededRandom } from '../../random/seeded-random.js';
import type { LambdaErrorPayload } from '../core/function-definition.js';

/**
 * A failure the testing API injects into a function's invocations (switchyard-cli/testing's
 * `failFunction`): the next `times` invocations fail, or each fails with `probability`.
 * `before` fails without running the handler (a crash at its start); `after` runs it to its
 * end, effects included, then fails (a crash after the effect, before the answer): the case
 * an idempotent consumer must survive.
 */
export interface FunctionFault {
  readonly times?: number;
  readonly probability?: number;
  readonly when: 'before' | 'after';
  readonly error: LambdaErrorPayload;
}

/** A fault due now for one invocation. */
export interface DueFault {
  readonly when: FunctionFault['when'];
  readonly error: LambdaErrorPayload;
}

/** How many invocations one fault failed so far. */
export interface FaultCount {
  injected: number;
}

/**
 * The faults of a runtime's functions, by function name. The testing API hands the same
 * object to every start of a test runtime, so a restart keeps the faults and their counts.
 * Draws come from one seeded generator: the same seed and the same order of invocations
 * fail the same ones.
 */
export class InvocationFaults {
  readonly #faults = new Map<string, { fault: FunctionFault; remaining: number; count: FaultCount }>();
  readonly #next: () => number;

  constructor(seed = 1) {
    this.#next = seededRandom(seed);
  }

  /** Sets the function's fault (replacing the one it had); the count says how many invocations this fault failed. */
  set(functionName: string, fault: FunctionFault): FaultCount {
    const count = { injected: 0 };
    this.#faults.set(functionName, { fault, remaining: fault.times ?? Number.POSITIVE_INFINITY, count });
    return count;
  }

  /** Removes the fault of one function, or of every function. */
  clear(functionName?: string): void {
    if (functionName === undefined) this.#faults.clear();
    else this.#faults.delete(functionName);
  }

  /** Whether this invocation of the function fails, and how (counted as it is taken). */
  take(functionName: string): DueFault | undefined {
    const entry = this.#faults.get(functionName);
    if (entry === undefined || entry.remaining <= 0) return undefined;
    if (entry.fault.probability !== undefined && this.#next() >= entry.fault.probability) return undefined;
    entry.remaining--;
    entry.count.injected++;
    return { when: entry.fault.when, error: entry.fault.error };
  }
}
