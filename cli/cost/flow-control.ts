import type { DeclaredFlowSettings } from '../../clients/flow-control.js';

/** DynamoDB request units flow control spends in its table for one record (or one model call), and why. */
export interface FlowControlUnits {
  /** Write request units: a request bills one per KB of the item it writes (a failed conditional write is billed too). */
  readonly writes: number;
  /** Read request units: the kit's reads are strongly consistent, one unit per 4 KB of the item. */
  readonly reads: number;
  /** Each control's share, with the item size it assumes, for the component's name. */
  readonly parts: readonly string[];
}

/** What the estimate knows of the traffic, beyond the settings: how full the items' logs get. */
export interface FlowControlLoad {
  /** Records (model calls) a minute through the function, on average: the entries of a token budget's minute log. */
  readonly perMinute?: number;
  /**
   * The token budgets a model call draws on (the model's, a tenant's: `keys`) and whether
   * any has a day limit (25 hour buckets in the item).
   * @default - one budget (the model's), no day limit
   */
  readonly tokenBudgets?: { readonly keys: number; readonly perDay: boolean };
}

/**
 * Item sizes as DynamoDB counts them (names plus values, about): the name `pk` and the
 * kind, flow and key (`concurrency#<construct path>#<key>`, about 60 bytes), `expiresAt`
 * and `version` (about 25).
 */
const ITEM_BASE_BYTES = 90;
/** A concurrency holder: `<message id>#<uuid>` (73 characters), its lease end (8) and the map's overhead (about 3). */
const HOLDER_BYTES = 84;
/** A start in the rate limit's log: a 13-digit time (8 bytes) and a list element (1). */
const START_BYTES = 9;
/** A token budget's log entry `{id, at, tokens}` (lambdas/kit/flow-control/token-budget.ts: about 39 bytes). */
const TOKEN_ENTRY_BYTES = 39;
/** A token budget's 25 hour buckets (about 18 bytes each), with a day limit. */
const HOUR_BUCKETS_BYTES = 25 * 18;
/** The debounce mark (two sequences of about 52 characters, times, counts), the pause and the circuit items. */
const SMALL_ITEM_BYTES = 300;

const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const readUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096));
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/**
 * What each control of the kit (lambdas/kit/flow-control) costs a record that goes through
 * at once, request by request as the kit makes them, each billed by its item's size:
 * - concurrency: the slot is taken and released, 2 UpdateItems of the key's holders map,
 *   assumed full (`limit` holders: a busy key, the case a limit is for);
 * - rate limit: a start reads the key's log and writes it back (a versioned read-modify-write:
 *   1 GetItem, 1 PutItem), the log assumed full (`limit` starts);
 * - debounce: marks the record seen (1 write), holds it back for its quiet period, and on its
 *   return tries the mark again (a failed conditional write, billed), reads the item and
 *   claims the run (1 read, 2 writes); a superseded record costs less, one held at a limit more;
 * - pause: 1 read; circuit breaker: 1 read while closed (a provider failure adds a write, a
 *   success after failures one).
 * A function with the table and no settings draws on token budgets (an AgentGraph's or an
 * app's model calls): per budget key each call reserves and settles, each a versioned
 * read-modify-write (2 reads, 2 writes), of an item holding the last minute's calls (all the
 * function's calls assumed on the key: `perMinute`) and, with a day limit, 25 hour buckets.
 */
export function flowControlUnits(settings: DeclaredFlowSettings | undefined, load: FlowControlLoad = {}): FlowControlUnits {
  let writes = 0;
  let reads = 0;
  const parts: string[] = [];
  const add = (part: string, w: number, r: number) => {
    writes += w;
    reads += r;
    parts.push(part);
  };
  if (settings === undefined) {
    const budgets = load.tokenBudgets ?? { keys: 1, perDay: false };
    const entries = Math.max(1, Math.ceil(load.perMinute ?? 1));
    const bytes = ITEM_BASE_BYTES + entries * TOKEN_ENTRY_BYTES + (budgets.perDay ? HOUR_BUCKETS_BYTES : 0);
    const w = 2 * budgets.keys * writeUnits(bytes);
    const r = 2 * budgets.keys * readUnits(bytes);
    const what = `${budgets.keys === 1 ? '1 budget' : `${budgets.keys} budgets`}${budgets.perDay ? ' with a day limit' : ''}`;
    add(`tokens: reserve and settle in ${what}, ${r} R + ${w} W (items of ${entries} calls a minute, ${kb(bytes)})`, w, r);
    return { writes, reads, parts };
  }
  if (settings.concurrency) {
    const bytes = ITEM_BASE_BYTES + settings.concurrency.limit * HOLDER_BYTES;
    const w = 2 * writeUnits(bytes);
    add(`concurrency ${w} W (item of ${settings.concurrency.limit} holders, ${kb(bytes)})`, w, 0);
  }
  if (settings.rateLimit) {
    const bytes = ITEM_BASE_BYTES + settings.rateLimit.limit * START_BYTES;
    const [w, r] = [writeUnits(bytes), readUnits(bytes)];
    add(`rate ${r} R + ${w} W (log of ${settings.rateLimit.limit} starts, ${kb(bytes)})`, w, r);
  }
  if (settings.debounce) add('debounce 1 R + 3 W', 3 * writeUnits(SMALL_ITEM_BYTES), readUnits(SMALL_ITEM_BYTES));
  if (settings.pauseOnThrottle) add('pause 1 R', 0, readUnits(SMALL_ITEM_BYTES));
  if (settings.circuitBreaker) add('circuit breaker 1 R', 0, readUnits(SMALL_ITEM_BYTES));
  return { writes, reads, parts };
}

/**
 * The token budgets a function's model calls draw on, as far as the template says: a state
 * machine that calls it with a budget payload (`modelTokens`, `tenantTokens`, `perDay`, as
 * AgentGraph writes it), or a JSON variable of its own with `perMinute` (an app's model
 * budget). Undefined if neither says.
 */
export function tokenBudgetsIn(texts: readonly string[]): FlowControlLoad['tokenBudgets'] {
  let keys = 0;
  let perDay = false;
  for (const text of texts) {
    // A name then its colon, its quotes escaped or not (a JSONata payload inside a definition's JSON).
    const has = (name: string) => new RegExp(`${name}\\W{0,4}:`).test(text);
    const model = has('modelTokens') || has('perMinute') ? 1 : 0;
    const tenant = has('tenantTokens') ? 1 : 0;
    if (model + tenant === 0) continue;
    keys = Math.max(keys, model + tenant);
    perDay ||= has('perDay');
  }
  return keys === 0 ? undefined : { keys, perDay };
}
