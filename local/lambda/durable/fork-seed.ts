/**
 * Where a durable execution that is a fork begins: the seed the runtime starts a fork with
 * (forks.ts), or the fork its event carries. Apart from forks.ts, which starts executions
 * through DurableExecutions, so that DurableExecutions can read a fork's parent without a circle.
 */

import { forkOfInput, InvalidForkInput } from '../../../contracts/fork.js';
import type { ForkOf, OperationRecord } from './durable-types.js';

/** What a fork the runtime starts begins with: its parent, and the parent's operations it replays. */
export interface ForkSeed {
  readonly of: ForkOf;
  readonly operations: readonly OperationRecord[];
}

/**
 * The parent of a fork: the one the runtime starts, or the one a fork's event
 * carries (`switchyardFork`), which a DurableFlow begins itself (lambdas/kit/durable-forks.ts).
 */
export function forkOf(input: string, seed: ForkSeed | undefined): ForkOf | undefined {
  if (seed) return seed.of;
  try {
    const carried = forkOfInput(input);
    return carried && { parent: carried.parent, from: carried.from, effects: carried.effects };
  } catch (error) {
    // Malformed: the execution fails at its first invocation, saying so (durable-forks.ts); it names no parent.
    if (error instanceof InvalidForkInput) return undefined;
    throw error;
  }
}
