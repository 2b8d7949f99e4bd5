/**
 * The scenarios of `npm run bench:flow-control` (bench/flow-control.ts): the kit's real flow
 * controls against the local runtime's DynamoDB, driven in simulated time through the clock
 * every control reads (`FlowControlStore.now`, `TokenBudget`'s `now`). Simulated time moves
 * only between steps: everything due at one instant runs concurrently, so writers race on the
 * same items as consumers' batches would, while ten minutes pass in seconds.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { debounce, debounceSeq } from '../lambdas/kit/flow-control/debounce.js';
import { takeStart } from '../lambdas/kit/flow-control/rate-limit.js';
import type { FlowControlStore } from '../lambdas/kit/flow-control/store.js';
import { TokenBudget, TokenLimitReachedError, type TokenReservation } from '../lambdas/kit/flow-control/token-budget.js';
import { seededRandom as seeded } from '../local/random/seeded-random.js';

/** Minute-aligned, so the worst clock minute is the simulation's own minutes. */
export const T0 = Date.UTC(2026, 0, 1);
const MINUTE_MS = 60_000;

export class SimClock {
  constructor(public ms = T0) {}
  readonly now = () => this.ms;
}

/** Bursts of records: one every `everyMs`, of a seeded size around `meanSize`, over `durationMs`. */
function bursts(durationMs: number, everyMs: number, meanSize: number, random: () => number): { at: number; size: number }[] {
  const out: { at: number; size: number }[] = [];
  for (let at = 0; at < durationMs; at += everyMs) out.push({ at: T0 + at, size: Math.round(meanSize * (0.4 + 1.2 * random())) });
  return out;
}

/**
 * Consumers (`pollers`) take records from a backlog fed by bursts; each asks the control,
 * runs the record for `busyMs` if allowed, or puts it back and waits the control's
 * retry-after, as a consumer holding a record back does. `attempt` answers how long the
 * poller is busy, or a retry-after (negative: `-ms`).
 */
async function simulate(
  clock: SimClock,
  options: { durationMs: number; pollers: number; arrivals: { at: number; size: number }[] },
  attempt: (now: number, poller: number) => Promise<{ busyMs: number } | { retryAfterMs: number }>,
  /** What a poller does when its busy time ends, before its next record (a call's settlement). */
  finish: (poller: number) => Promise<void> = async () => undefined,
): Promise<void> {
  const arrivals = [...options.arrivals];
  const wake = Array.from({ length: options.pollers }, () => T0);
  let backlog = 0;
  const end = T0 + options.durationMs;
  for (;;) {
    const t = Math.min(...wake, arrivals[0]?.at ?? Number.POSITIVE_INFINITY);
    if (t >= end) return;
    clock.ms = t;
    while (arrivals.length > 0 && (arrivals[0] as { at: number }).at <= t) backlog += (arrivals.shift() as { size: number }).size;
    const due = wake.flatMap((at, i) => (at <= t ? [i] : []));
    await Promise.all(
      due.map(async (i) => {
        await finish(i);
        if (backlog === 0) {
          wake[i] = arrivals[0]?.at ?? end;
          return;
        }
        backlog--;
        const outcome = await attempt(t, i);
        if ('busyMs' in outcome) wake[i] = t + outcome.busyMs;
        else {
          backlog++;
          wake[i] = t + Math.max(1, outcome.retryAfterMs);
        }
      }),
    );
  }
}

/** The most any window of `periodMs` (from each event on: the worst ones start at an event) holds, and the most any aligned one holds. */
export function windows(events: readonly { at: number; amount: number }[], periodMs: number): { sliding: number; aligned: number } {
  const sorted = [...events].sort((a, b) => a.at - b.at);
  let sliding = 0;
  let sum = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (j < sorted.length && (sorted[j] as { at: number }).at < (sorted[i] as { at: number }).at + periodMs)
      sum += (sorted[j++] as { amount: number }).amount;
    sliding = Math.max(sliding, sum);
    sum -= (sorted[i] as { amount: number }).amount;
  }
  const perWindow = new Map<number, number>();
  for (const e of sorted)
    perWindow.set(Math.floor((e.at - T0) / periodMs), (perWindow.get(Math.floor((e.at - T0) / periodMs)) ?? 0) + e.amount);
  return { sliding, aligned: Math.max(0, ...perWindow.values()) };
}

export interface LimitResult {
  readonly limit: number;
  readonly demandPerMinute: number;
  readonly worstSliding: number;
  readonly worstAligned: number;
  /** What was let through per minute, averaged over the run. */
  readonly throughputPerMinute: number;
}

export const RUN_MS = 10 * MINUTE_MS;

/** Rate limit: 100 starts a minute per key, bursts every 20 s of twice that on average, 10 consumers. */
export async function rateLimitScenario(client: DynamoDBClient, tableName: string): Promise<LimitResult> {
  const limit = 100;
  const clock = new SimClock();
  const store: FlowControlStore = { client, tableName, now: clock.now };
  const arrivals = bursts(RUN_MS, 20_000, (2 * limit) / 3, seeded(7));
  const starts: { at: number; amount: number }[] = [];
  await simulate(clock, { durationMs: RUN_MS, pollers: 10, arrivals }, async (now) => {
    const outcome = await takeStart(store, { flow: 'bench', key: 'tenant-1', limit, periodMs: MINUTE_MS });
    if (!outcome.allowed) return { retryAfterMs: outcome.retryAfterMs };
    starts.push({ at: now, amount: 1 });
    return { busyMs: 200 };
  });
  const { sliding, aligned } = windows(starts, MINUTE_MS);
  return {
    limit,
    demandPerMinute: arrivals.reduce((sum, b) => sum + b.size, 0) / (RUN_MS / MINUTE_MS),
    worstSliding: sliding,
    worstAligned: aligned,
    throughputPerMinute: starts.length / (RUN_MS / MINUTE_MS),
  };
}

/**
 * Token budget: 20,000 tokens a minute for one model; calls estimate 500-1,500 tokens and
 * use 70-100% of it (settled when the 3 s call ends); bursts twice the budget, 10 consumers.
 * Usage counts at the call's start, with the tokens it used.
 */
export async function tokenBudgetScenario(client: DynamoDBClient, tableName: string): Promise<LimitResult> {
  const limit = 20_000;
  const clock = new SimClock();
  const budget = new TokenBudget({ client, tableName, now: clock.now });
  const random = seeded(11);
  const arrivals = bursts(RUN_MS, 20_000, (2 * limit) / 1_000 / 3, seeded(13));
  const used: { at: number; amount: number }[] = [];
  /** Each poller's call in progress: settled when its 3 s are over, before the poller's next call. */
  const calls = new Map<number, { reservation: TokenReservation; actual: number }>();
  const finish = async (poller: number) => {
    const call = calls.get(poller);
    calls.delete(poller);
    if (call) await budget.settle(call.reservation, call.actual);
  };
  const attempt = async (now: number, poller: number) => {
    const estimate = 500 + Math.floor(random() * 1_000);
    let reservation: TokenReservation;
    try {
      reservation = await budget.reserve([{ scope: 'model', key: 'bench-model', limits: { perMinute: limit } }], estimate);
    } catch (thrown) {
      if (thrown instanceof TokenLimitReachedError) return { retryAfterMs: thrown.retryAfterMs };
      throw thrown;
    }
    const actual = Math.floor(estimate * (0.7 + 0.3 * random()));
    used.push({ at: now, amount: actual });
    calls.set(poller, { reservation, actual });
    return { busyMs: 3_000 };
  };
  await simulate(clock, { durationMs: RUN_MS, pollers: 10, arrivals }, attempt, finish);
  await Promise.all([...calls.keys()].map(finish));
  const { sliding, aligned } = windows(used, MINUTE_MS);
  return {
    limit,
    demandPerMinute: (arrivals.reduce((sum, b) => sum + b.size, 0) * 1_000) / (RUN_MS / MINUTE_MS),
    worstSliding: sliding,
    worstAligned: aligned,
    throughputPerMinute: used.reduce((sum, u) => sum + u.amount, 0) / (RUN_MS / MINUTE_MS),
  };
}

export interface DebounceResult {
  readonly updates: number;
  readonly keys: number;
  /** Runs per key. */
  readonly runs: Map<string, number[]>;
  /** Each key's last update (the greatest debounceSeq). */
  readonly last: Map<string, number>;
  readonly superseded: number;
  readonly decisions: number;
}

/**
 * Debounce: 1,000 updates to 10 keys sent over 30 s, inside a 60 s period (maxWait 300 s),
 * delivered out of order (up to 2 s late, in 100 ms batches that run concurrently); a
 * record told to wait comes back after the wait, as a held-back record does.
 */
export async function debounceScenario(client: DynamoDBClient, tableName: string): Promise<DebounceResult> {
  const updates = 1_000;
  const keys = 10;
  const clock = new SimClock();
  const store: FlowControlStore = { client, tableName, now: clock.now };
  const random = seeded(17);
  const records = Array.from({ length: updates }, (_, i) => {
    const sentAt = T0 + Math.floor(random() * 30_000);
    return { payload: i, key: `doc-${i % keys}`, sentAt, seq: debounceSeq(sentAt, `m-${String(i).padStart(4, '0')}`) };
  });
  const last = new Map<string, number>();
  for (const key of new Set(records.map((r) => r.key))) {
    const mine = records.filter((r) => r.key === key).sort((a, b) => (a.seq < b.seq ? -1 : 1));
    last.set(key, (mine[mine.length - 1] as { payload: number }).payload);
  }
  const batch = (ms: number) => Math.ceil(ms / 100) * 100;
  let due = records.map((r) => ({ record: r, at: batch(r.sentAt + random() * 2_000) }));
  const runs = new Map<string, number[]>();
  let superseded = 0;
  let decisions = 0;
  while (due.length > 0) {
    const t = Math.min(...due.map((d) => d.at));
    clock.ms = t;
    const now = due.filter((d) => d.at === t);
    due = due.filter((d) => d.at !== t);
    const later = await Promise.all(
      now.map(async ({ record }) => {
        decisions++;
        const decision = await debounce(store, {
          flow: 'bench',
          key: record.key,
          seq: record.seq,
          sentAtMs: record.sentAt,
          periodMs: 60_000,
          maxWaitMs: 300_000,
          keepMs: 4 * 24 * 3600_000,
        });
        if (decision.kind === 'run') runs.set(record.key, [...(runs.get(record.key) ?? []), record.payload]);
        else if (decision.kind === 'superseded') superseded++;
        else return { record, at: batch(t + Math.max(1, decision.ms)) };
        return undefined;
      }),
    );
    due.push(...later.filter((d) => d !== undefined));
  }
  return { updates, keys, runs, last, superseded, decisions };
}
