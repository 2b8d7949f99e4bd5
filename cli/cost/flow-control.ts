import type { DeclaredFlowSettings } from '../../clients/flow-control.js';

/** DynamoDB request units flow control spends in its table for one record (or one model call), and why. */
export interface FlowControlUnits {
  /** Write request units (a failed conditional write is billed as one too). */
  readonly writes: number;
  /** Read request units: the kit's reads are strongly consistent, one unit each (items under 4 KB). */
  readonly reads: number;
  /** Each control's share, for the component's name. */
  readonly parts: readonly string[];
}

/**
 * What each control of the kit (lambdas/kit/flow-control) costs a record that goes through
 * at once, as the kit writes: a concurrency slot is taken and released (2 writes); a start
 * against the rate limit reads the key's log and rewrites it (1 read, 1 write); debounce
 * marks the record seen (1 write), holds it back for its quiet period, and on its return
 * tries the mark again (a failed conditional write, billed), reads the item and claims the
 * run (1 read, 2 writes); a pause is one read, and so is a closed circuit (a provider
 * failure adds a write, a success after failures one). A record held back at a limit, or contending
 * writers, cost more; a superseded record less (its claim is not made). A function with the
 * table and no settings draws on token budgets (an AgentGraph's model calls): each call
 * reserves its estimate in a window and settles it there (2 writes; a per-day or per-tenant
 * window adds 2 more each).
 */
export function flowControlUnits(settings: DeclaredFlowSettings | undefined): FlowControlUnits {
  if (settings === undefined) return { writes: 2, reads: 0, parts: ['tokens: reserve and settle in one window'] };
  let writes = 0;
  let reads = 0;
  const parts: string[] = [];
  if (settings.concurrency) {
    writes += 2;
    parts.push('concurrency 2 W');
  }
  if (settings.rateLimit) {
    writes += 1;
    reads += 1;
    parts.push('rate 1 R + 1 W');
  }
  if (settings.debounce) {
    writes += 3;
    reads += 1;
    parts.push('debounce 1 R + 3 W');
  }
  if (settings.pauseOnThrottle) {
    reads += 1;
    parts.push('pause 1 R');
  }
  if (settings.circuitBreaker) {
    reads += 1;
    parts.push('circuit breaker 1 R');
  }
  return { writes, reads, parts };
}
