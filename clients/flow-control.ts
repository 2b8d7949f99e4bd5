/**
 * What keyed flow control is doing now, read from its table's items (FlowControlTable, the
 * kit's `lambdas/kit/flow-control`) and the consumers' log lines: per flow and key, records
 * in flight, starts in the rate window, debounce state, pauses; token windows against their
 * budgets. Shared by `switchyard flow` and the console's Flow control page (through the read
 * API); pure, like ./history-reader.ts. The item names are the kit's (item-keys.ts:
 * `<kind>#<flow>#<key>`, `tokens#<scope>#<key>`); this file reads them back.
 */

/**
 * The part of a consumer's declared settings (FlowControlSettings in contracts/flow-control.ts,
 * the JSON of its FLOW_CONTROL variable) the report reads: the limits the items do not hold.
 */
export interface DeclaredFlowSettings {
  readonly flow: string;
  readonly key?: { readonly path?: string; readonly constant?: string };
  readonly concurrency?: { readonly limit: number };
  readonly rateLimit?: { readonly limit: number; readonly periodSeconds: number };
  readonly debounce?: { readonly periodSeconds: number; readonly maxWaitSeconds: number };
  readonly pauseOnThrottle?: { readonly defaultSeconds: number; readonly maxSeconds: number };
  readonly circuitBreaker?: {
    readonly failureThreshold: number;
    readonly windowSeconds?: number;
    readonly openSeconds: number;
    readonly maxOpenSeconds: number;
  };
}

/** A function that runs flow control: its settings and the table it keeps them in. */
export interface DeclaredFlow {
  /** The function, as the client names it (its short name from the template, or its deployed name). */
  readonly function: string;
  readonly table: string;
  readonly settings: DeclaredFlowSettings;
}

/** One item of a flow control table, unmarshalled (numbers as numbers). */
export type FlowControlItem = Readonly<Record<string, unknown>> & { readonly pk: string };

/** One flow's key as its items show it. A field is absent when the flow has no such control and no item of it. */
export interface FlowKeyState {
  readonly flow: string;
  readonly key: string;
  /** Records in flight (holders whose lease has not ended), and the limit when declared. */
  readonly inFlight?: { readonly count: number; readonly limit?: number };
  /** Starts recorded within the rate window (the whole log when the period is not known), and the limit. */
  readonly rate?: { readonly starts: number; readonly limit?: number; readonly periodSeconds?: number };
  /**
   * Records seen (the first receive of each that was the latest of its key), records run, and
   * whether the last one seen still waits; superseded = seen - ran - (pending ? 1 : 0). An
   * earlier record received after a later one is superseded without being seen, so this is a
   * lower bound. Counted since the key's item was created (kept for the queue's retention).
   */
  readonly debounce?: { readonly seen: number; readonly ran: number; readonly superseded: number; readonly pending: boolean };
  /** Until when the key is paused after a throttling answer (ISO 8601), when it is. */
  readonly pausedUntil?: string;
  /**
   * The key's circuit (the kit's breaker.ts) when it is not plainly closed: open until when
   * (ISO 8601), half-open (its open time has passed: one record probes), or closed with
   * provider failures in a row counted towards the threshold.
   */
  readonly circuit?:
    | { readonly state: 'open' | 'half-open'; readonly openUntil: string; readonly lastFailure?: string }
    | { readonly state: 'closed'; readonly failures: number; readonly threshold?: number };
  /** Records held back (their consumer logged so) since the report's `since`, when logs were read. */
  readonly heldBack?: number;
}

/** One token budget key: what its last 60 seconds and (with a day limit) its last 24 hours hold, against their limits. */
export interface TokenWindowState {
  readonly scope: string;
  readonly key: string;
  readonly minute: { readonly used: number; readonly limit?: number };
  readonly day?: { readonly used: number; readonly limit?: number };
}

/** The fair-queue metrics of one standard queue (AWS's CloudWatch names), and its noisy tenants. */
export interface FairQueueState {
  readonly queue: string;
  readonly noisyGroups: readonly string[];
  readonly metrics: Readonly<Record<string, number>>;
}

export interface FlowControlReport {
  /** When the items were read (ISO 8601). */
  readonly at: string;
  readonly declared: readonly DeclaredFlow[];
  readonly keys: readonly FlowKeyState[];
  readonly tokens: readonly TokenWindowState[];
  /** Since when held-back records were counted from the logs (ISO 8601); absent when logs were not read. */
  readonly heldBackSince?: string;
  /** The local runtime's fair queues (AWS has these metrics in CloudWatch only). */
  readonly fairQueues?: readonly FairQueueState[];
}

/** What a consumer's log line says flow control did with one record (FLOW_OUTCOMES in contracts/flow-control.ts). */
export interface FlowOutcome {
  readonly outcome: 'held-back' | 'superseded' | 'paused' | 'circuit-opened' | 'circuit-closed';
  readonly key: string;
  readonly messageId?: string;
  readonly eventId?: string;
  /** Held back: why (concurrency, rate, debounce, paused) and when it comes back. */
  readonly reason?: string;
  readonly retryInSeconds?: number;
  /** Superseded: the debounce sequence of the record that runs instead (`<sent at>#<message id>`). */
  readonly supersededBy?: string;
  /** Paused: until when. */
  readonly pausedUntil?: string;
  /** Circuit opened: until when. */
  readonly openUntil?: string;
  readonly message: string;
}

/** The `name` of the kit's FlowHeldBackError (ERROR_NAMES.flowHeldBack in contracts/wiring.ts). */
export const FLOW_HELD_BACK_ERROR = 'FlowHeldBack';

/** A CloudWatch Logs filter pattern for a consumer's held-back lines (what `heldBackByKey` counts). */
export const HELD_BACK_FILTER = `{ $.error.name = "${FLOW_HELD_BACK_ERROR}" }`;

/**
 * The flow control outcome a consumer's log line reports, or undefined: a held-back record
 * (a line whose `error` is a FlowHeldBackError, which carries the key and reason), a
 * superseded one, a paused key or a key's circuit opened or closed (a line with `flowControl.outcome`).
 */
export function flowOutcomeOf(line: string): FlowOutcome | undefined {
  const start = line.indexOf('{');
  if (start < 0) return undefined;
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(line.slice(start)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof fields !== 'object' || fields === null) return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const common = {
    message: text(fields.message) ?? '',
    ...(text(fields.messageId) ? { messageId: text(fields.messageId) } : {}),
    ...(text(fields.eventId) ? { eventId: text(fields.eventId) } : {}),
  };
  const error = fields.error as Record<string, unknown> | undefined;
  const control = fields.flowControl as Record<string, unknown> | undefined;
  // A throttled record's line names the pause too, but it is held back: the error decides.
  if (error?.name === FLOW_HELD_BACK_ERROR) {
    return {
      outcome: 'held-back',
      key: text(error.flowKey) ?? '',
      ...(text(error.reason) ? { reason: text(error.reason) } : {}),
      ...(typeof fields.retryInSeconds === 'number' ? { retryInSeconds: fields.retryInSeconds } : {}),
      ...common,
    };
  }
  const outcome = control?.outcome;
  if (outcome === 'superseded' || outcome === 'paused' || outcome === 'circuit-opened' || outcome === 'circuit-closed') {
    return {
      outcome,
      key: text(control?.key) ?? '',
      ...(text(control?.supersededBy) ? { supersededBy: text(control?.supersededBy) } : {}),
      ...(text(control?.pausedUntil) ? { pausedUntil: text(control?.pausedUntil) } : {}),
      ...(text(control?.openUntil) ? { openUntil: text(control?.openUntil) } : {}),
      ...common,
    };
  }
  return undefined;
}

/** Held-back records per key in one function's log lines. */
export function heldBackByKey(lines: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const outcome = flowOutcomeOf(line);
    if (outcome?.outcome === 'held-back') counts.set(outcome.key, (counts.get(outcome.key) ?? 0) + 1);
  }
  return counts;
}

type ParsedKey =
  | { readonly kind: 'concurrency' | 'rate' | 'debounce' | 'pause'; readonly flow: string; readonly key: string }
  | { readonly kind: 'breaker'; readonly flow: string; readonly key: string }
  | { readonly kind: 'tokens'; readonly scope: string; readonly key: string };

/**
 * An item's name read back. Flow names (construct paths) hold no `#`; a key may, so it is
 * everything between the flow and the end. Token scopes and keys are percent-encoded by the kit.
 */
export function parseFlowItemKey(pk: string): ParsedKey | undefined {
  const [kind, ...rest] = pk.split('#');
  if (kind === 'tokens') {
    if (rest.length !== 2) return undefined;
    const decode = (part: string) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    };
    return { kind, scope: decode(rest[0] ?? ''), key: decode(rest[1] ?? '') };
  }
  const [flow, ...keyParts] = rest;
  if (flow === undefined || keyParts.length === 0) return undefined;
  // An event's key is one escaped segment (the kit's escapeSegment): shown as the event had it,
  // as the consumers' log lines name it. More segments are a lane's slots (`lane#<name>`) or an
  // item written before keys were escaped: shown as stored.
  const key = keyParts.length === 1 ? unescapeSegment(keyParts[0] ?? '') : keyParts.join('#');
  if (kind === 'concurrency' || kind === 'rate' || kind === 'debounce' || kind === 'pause' || kind === 'breaker')
    return { kind, flow, key };
  return undefined;
}

/** The inverse of the kit's `escapeSegment` (`%23` is `#`, `%25` is `%`). */
function unescapeSegment(part: string): string {
  return part.replace(/%2[35]/g, (code) => (code === '%23' ? '#' : '%'));
}

export interface ReportInput {
  readonly items: readonly FlowControlItem[];
  readonly declared: readonly DeclaredFlow[];
  /** Epoch ms. */
  readonly now: number;
  /** Held-back records per flow, then key, and since when they were counted. */
  readonly heldBack?: { readonly since: number; readonly byFlow: ReadonlyMap<string, ReadonlyMap<string, number>> };
  readonly fairQueues?: readonly FairQueueState[];
}

/** The report of what the items say now, each key's counts against its flow's declared limits. */
export function flowControlReport(input: ReportInput): FlowControlReport {
  const { now } = input;
  const settingsOf = new Map(input.declared.map((d) => [d.settings.flow, d.settings]));
  const keys = new Map<string, Mutable<FlowKeyState>>();
  const keyState = (flow: string, key: string) => {
    const id = `${flow}\u0000${key}`;
    const state = keys.get(id) ?? { flow, key };
    keys.set(id, state);
    return state;
  };
  const tokens = new Map<string, Mutable<TokenWindowState>>();

  for (const item of input.items) {
    const parsed = parseFlowItemKey(item.pk);
    if (parsed === undefined) continue;
    if (parsed.kind === 'tokens') {
      tokens.set(`${parsed.scope}\u0000${parsed.key}`, tokenWindowsOf(parsed, item, now));
      continue;
    }
    const settings = settingsOf.get(parsed.flow);
    if (parsed.kind === 'concurrency') {
      // One item per key (the kit's concurrency.ts): `holders` maps each holder to its lease end.
      // An item without it is a slot of the kit before (`…#<key>#<slot>`), which TTL deletes.
      const holders = item.holders;
      if (typeof holders !== 'object' || holders === null) continue;
      const live = Object.values(holders).filter((until) => numberIn(until) > now).length;
      keyState(parsed.flow, parsed.key).inFlight = { count: live, ...limitOf(settings?.concurrency) };
    } else if (parsed.kind === 'rate') {
      const period = settings?.rateLimit?.periodSeconds;
      const log = Array.isArray(item.log) ? item.log.filter((at): at is number => typeof at === 'number') : [];
      const starts = period === undefined ? log.length : log.filter((at) => at > now - period * 1000).length;
      keyState(parsed.flow, parsed.key).rate = {
        starts,
        ...limitOf(settings?.rateLimit),
        ...(period === undefined ? {} : { periodSeconds: period }),
      };
    } else if (parsed.kind === 'debounce') {
      const seen = numberIn(item.seen);
      const ran = numberIn(item.ran);
      const pending = typeof item.latestSeq === 'string' && item.latestSeq !== item.ranSeq;
      keyState(parsed.flow, parsed.key).debounce = { seen, ran, pending, superseded: Math.max(0, seen - ran - (pending ? 1 : 0)) };
    } else if (parsed.kind === 'breaker') {
      const circuit = circuitOf(item, now, settings?.circuitBreaker);
      if (circuit) keyState(parsed.flow, parsed.key).circuit = circuit;
    } else if (typeof item.pausedUntil === 'number' && item.pausedUntil > now) {
      keyState(parsed.flow, parsed.key).pausedUntil = new Date(item.pausedUntil).toISOString();
    }
  }
  for (const [flow, byKey] of input.heldBack?.byFlow ?? []) {
    for (const [key, count] of byKey) keyState(flow, key).heldBack = count;
  }
  // A declared limit shows even for keys with no item of their own (none in flight).
  for (const state of keys.values()) {
    const settings = settingsOf.get(state.flow);
    if (settings?.concurrency && state.inFlight === undefined) state.inFlight = { count: 0, limit: settings.concurrency.limit };
  }
  const byName = (a: { flow: string; key: string }, b: { flow: string; key: string }) =>
    a.flow.localeCompare(b.flow) || a.key.localeCompare(b.key);
  return {
    at: new Date(now).toISOString(),
    declared: input.declared,
    keys: [...keys.values()].sort(byName),
    tokens: [...tokens.values()].sort((a, b) => a.scope.localeCompare(b.scope) || a.key.localeCompare(b.key)),
    ...(input.heldBack ? { heldBackSince: new Date(input.heldBack.since).toISOString() } : {}),
    ...(input.fairQueues ? { fairQueues: input.fairQueues } : {}),
  };
}

/** The columns both clients show for a key, as text: `2/5`, `paused until 06:14:03Z`, ... */
export function flowKeyCells(state: FlowKeyState): {
  inFlight: string;
  rate: string;
  heldBack: string;
  debounce: string;
  paused: string;
  circuit: string;
} {
  const ofLimit = (count: number, limit?: number) => (limit === undefined ? String(count) : `${count}/${limit}`);
  const d = state.debounce;
  return {
    inFlight: state.inFlight ? ofLimit(state.inFlight.count, state.inFlight.limit) : '-',
    rate: state.rate
      ? `${ofLimit(state.rate.starts, state.rate.limit)}${state.rate.periodSeconds === undefined ? '' : ` per ${state.rate.periodSeconds} s`}`
      : '-',
    heldBack: state.heldBack === undefined ? '-' : String(state.heldBack),
    debounce: d ? `${d.pending ? 'pending, ' : ''}${d.ran} ran, ${d.superseded} superseded` : '-',
    paused: state.pausedUntil ? `until ${state.pausedUntil.slice(11, 19)}Z` : '-',
    circuit: circuitCell(state.circuit),
  };
}

function circuitCell(circuit: FlowKeyState['circuit']): string {
  if (circuit === undefined) return '-';
  if (circuit.state !== 'closed')
    return circuit.state === 'open' ? `open until ${circuit.openUntil.slice(11, 19)}Z` : 'half-open (probing)';
  return `closed, ${circuit.failures}${circuit.threshold === undefined ? '' : `/${circuit.threshold}`} failures`;
}

/**
 * A key's breaker item read back (the kit's breaker.ts): open while `openUntil` is ahead,
 * half-open once it has passed, closed with a count while failures in a row are counted
 * (a count whose first failure is older than the window no longer counts, as in the kit).
 */
function circuitOf(item: FlowControlItem, now: number, declared: DeclaredFlowSettings['circuitBreaker']): FlowKeyState['circuit'] {
  const lastFailure = typeof item.lastFailure === 'string' ? { lastFailure: item.lastFailure } : {};
  if (typeof item.openUntil === 'number') {
    return { state: item.openUntil > now ? 'open' : 'half-open', openUntil: new Date(item.openUntil).toISOString(), ...lastFailure };
  }
  const failures = numberIn(item.failures);
  const window = declared?.windowSeconds;
  if (failures === 0 || (window !== undefined && numberIn(item.since) <= now - window * 1000)) return undefined;
  return { state: 'closed', failures, ...(declared === undefined ? {} : { threshold: declared.failureThreshold }) };
}

/**
 * A token budget key's item read back (the kit's token-budget.ts): the tokens of its minute
 * log's entries within the last 60 s, and of its hour buckets that overlap the last 24 hours.
 */
function tokenWindowsOf(key: { scope: string; key: string }, item: FlowControlItem, now: number): TokenWindowState {
  const log = Array.isArray(item.log) ? (item.log as { at?: unknown; tokens?: unknown }[]) : [];
  const minute = log.filter((entry) => numberIn(entry.at) > now - 60_000).reduce((sum, entry) => sum + numberIn(entry.tokens), 0);
  const hours = Object.entries((item.hours ?? {}) as Record<string, unknown>);
  const day = hours
    .filter(([hour]) => Date.parse(`${hour}:00:00Z`) + 3600_000 > now - 24 * 3600_000)
    .reduce((sum, [, tokens]) => sum + numberIn(tokens), 0);
  const withDay = typeof item.dayLimit === 'number' || hours.length > 0;
  return {
    scope: key.scope,
    key: key.key,
    minute: { used: minute, ...(typeof item.limit === 'number' ? { limit: item.limit } : {}) },
    ...(withDay ? { day: { used: day, ...(typeof item.dayLimit === 'number' ? { limit: item.dayLimit } : {}) } } : {}),
  };
}

function limitOf(control: { readonly limit: number } | undefined): { limit?: number } {
  return control === undefined ? {} : { limit: control.limit };
}

function numberIn(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
