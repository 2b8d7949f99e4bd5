import { randomUUID } from 'node:crypto';
import { AwsError, validationError } from '../endpoint/aws-error.js';
import { currentTraceHeader, parseTraceHeader } from '../endpoint/trace-header.js';
import { tooDeep } from '../json/json-depth.js';
import { type IdempotentCall, IdempotentRequests } from '../store/idempotent-requests.js';
import type { ServiceState } from '../store/service-state.js';
import { Archives, type StartReplayInput } from './archives.js';
import { BusSettings, type TemplateBusPolicy } from './bus-settings.js';
import { ControlPlane } from './control-plane.js';
import type { ArchiveDefinition, BusDefinition, EventEnvelope, RouteOptions, RuleDefinition, TargetDelivery } from './definitions.js';
import { compilePattern, matchesPattern } from './pattern.js';
import { isEnabled, RuleStore } from './rule-store.js';
import { ScheduledRules } from './scheduled-rules.js';
import { EventTags } from './tags.js';
import { type DeliveryNote, TargetDeliveryOutbox } from './target-outbox.js';
import { isoSeconds, toMillis } from './time.js';

/** PutEvents limits (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html). */
const MAX_ENTRIES = 10;
/**
 * The total entry size of a PutEvents request, counted as entrySize does: "less than 1MB"
 * since EventBridge raised it from 256 KB in January 2026 (API_PutEvents.html in the
 * EventBridge API Reference; the AWS SDK's model says the same).
 */
const MAX_REQUEST_BYTES = 1024 * 1024;

interface PutEventsRequestEntry {
  Time?: number | string;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

type Accepted = { bus: BusDefinition; event: EventEnvelope; traceHeader?: string };
/** An entry for a bus that does not exist: AWS answers it with an EventId and drops it. */
type Dropped = { dropped: string; EventId: string };

/** An event a bus accepted (or a replay sent), with the rules it matched: for observers outside EventBridge. */
export interface AcceptedEventNote {
  readonly bus: BusDefinition;
  readonly event: EventEnvelope;
  /** The rules it matched, each with the targets it is owed to. */
  readonly matched: readonly RuleDefinition[];
  /** The X-Ray trace header it travels with (the entry's TraceHeader or the request's X-Amzn-Trace-Id). */
  readonly traceHeader?: string;
  readonly acceptedAt: number;
}
type EntryError = { ErrorCode: string; ErrorMessage: string };

export interface EventsServiceOptions extends ServiceState {
  readonly buses: readonly BusDefinition[];
  readonly rules: readonly RuleDefinition[];
  readonly archives: readonly ArchiveDefinition[];
  /** The template's AWS::Events::EventBusPolicy statements, put into their buses' policies at start. @default none */
  readonly busPolicies?: readonly TemplateBusPolicy[];
  /** A bus's policy changed (PutPermission, RemovePermission, the template's, a bus deleted): IAM evaluates PutEvents against it. */
  readonly onPolicyChange?: (busArn: string, policy: string | undefined) => void;
  readonly delivery: TargetDelivery;
  readonly log?: (line: string) => void;
  /** Called for every event a bus accepts, replayed ones too, with the rules it matched (the terminal's event lines). */
  readonly onEvent?: (bus: BusDefinition, event: EventEnvelope, matched: readonly RuleDefinition[]) => void;
  /**
   * Called for every event a bus accepts or a replay sends, inside the transaction that
   * accepts it on `db`: what it writes to `db` commits with the acceptance, before
   * PutEvents answers (the read API's record of the event, so that a crash never leaves the
   * archive holding an event the read API lost). It must not begin a transaction.
   */
  readonly recordAccepted?: (note: AcceptedEventNote) => void;
  /** Called for every event a bus accepts or a replay sends, with the rules it matched, once committed (the read API's live feed). */
  readonly onAccepted?: (note: AcceptedEventNote) => void;
  /** Called when a delivery to a rule target ends or is retried (the read API). */
  readonly onDelivery?: (note: DeliveryNote) => void;
}

/**
 * What an in-process caller may add to PutEvents besides a key for the whole call: a key
 * per entry (by index; undefined for an entry without one). An entry whose key was answered
 * before is answered with its first EventId and not put again; the others are put, and
 * their keys remembered, in the transaction that accepts them. A pipe keys each event by
 * the stream record it came from, so a batch read again after a crash between the bus
 * accepting it and the pipe's checkpoint, in whatever batches it is read again, puts each
 * event once. Not part of any AWS API.
 */
export interface PutEventsCall extends IdempotentCall {
  readonly entryKeys?: readonly (string | undefined)[];
}

/**
 * EventBridge: buses and rules from the template and from the API (`rule-store.ts`,
 * `control-plane.ts`), archives and replays (`archives.ts`). An accepted PutEvents entry
 * is archived and written, with one delivery per matching rule target, to SQLite before
 * the call returns; the outbox (`target-outbox.ts`) then delivers each at least once.
 */
export class EventsService {
  readonly #ruleStore: RuleStore;
  readonly #outbox: TargetDeliveryOutbox;
  readonly #archives: Archives;
  readonly #controlPlane: ControlPlane;
  readonly #busSettings: BusSettings;
  /** Replayed events routed in the replay's transaction, told to observers once it commits. */
  readonly #replayed: AcceptedEventNote[] = [];
  readonly #scheduledRules: ScheduledRules;
  readonly #requests: IdempotentRequests;
  readonly #tags: EventTags;

  constructor(private readonly options: EventsServiceOptions) {
    const { db, clock, accountId, region, log } = options;
    this.#requests = new IdempotentRequests(db, clock.now());
    const forget = (arn: string) => this.#tags.forget(arn);
    this.#ruleStore = new RuleStore({ db, accountId, region, buses: options.buses, rules: options.rules, log, forget });
    this.#tags = new EventTags(db, this.#ruleStore);
    const settings = new BusSettings(db, clock, region, accountId, options.onPolicyChange);
    this.#busSettings = settings;
    settings.applyTemplate(options.busPolicies ?? []);
    this.#outbox = new TargetDeliveryOutbox({
      db,
      clock,
      delivery: options.delivery,
      log,
      onDelivery: options.onDelivery,
      resolve: (ruleArn, targetId) => {
        const rule = this.#ruleStore.ruleByArn(ruleArn);
        const target = rule?.targets.get(targetId);
        return rule && target ? { rule: rule.definition, target } : undefined;
      },
    });
    this.#archives = new Archives({
      db,
      clock,
      accountId,
      region,
      archives: options.archives,
      ruleStore: this.#ruleStore,
      route: (bus, event, onlyRules) => {
        const matched = this.#route(bus, event, { onlyRules });
        const note = { bus, event, matched, acceptedAt: this.options.clock.now() };
        this.options.recordAccepted?.(note);
        this.#replayed.push(note);
      },
      routed: () => {
        this.#outbox.wake();
        this.#notify(this.#replayed.splice(0));
      },
      abandoned: () => {
        this.#replayed.length = 0;
      },
    });
    this.#controlPlane = new ControlPlane({ ruleStore: this.#ruleStore, settings, tags: this.#tags, accountId, log });
    this.#scheduledRules = new ScheduledRules({
      db,
      clock,
      accountId,
      region,
      rules: () => this.#ruleStore.rulesOn('default').map((rule) => rule.definition),
      // A scheduled rule's event goes to that rule's targets only, never through the bus's other rules.
      deliver: (rule, event) => {
        const text = JSON.stringify(event);
        for (const target of rule.targets) this.#outbox.add(text, rule.arn, target.id);
      },
      delivered: () => this.#outbox.wake(),
      log,
    });
  }

  /** Starts delivering, including deliveries left over from before a restart. */
  /** Every bus's policy, by bus ARN: what a restart tells IAM again (policies set through the API are kept in the data folder). */
  busPolicies(): { busArn: string; policy: string }[] {
    return this.#busSettings.policies();
  }

  start(): void {
    this.#archives.start();
    this.#outbox.start();
    this.#scheduledRules.start();
  }

  /** Stops delivering; resolves once the deliveries in flight have recorded their outcome (before the database closes). */
  stop(): Promise<void> {
    this.#scheduledRules.stop();
    return this.#outbox.stop();
  }

  /** Applies a reloaded template's buses and rules (RuleStore.declareTemplate); returns the rules added and changed. */
  declareTemplate(buses: readonly BusDefinition[], rules: readonly RuleDefinition[]): { added: string[]; changed: string[] } {
    return this.#ruleStore.declareTemplate(buses, rules);
  }

  /** Fires the scheduled rules due on the clock now (tests step a manual clock with it). */
  runScheduledRules(): void {
    this.#scheduledRules.runDue();
  }

  /**
   * A rule PutRule or EnableRule just saved: its schedule starts now (a rate's first firing one
   * period after the call, as EventBridge runs it), not when the scheduler's next pass finds it
   * up to a minute later, and the scheduler wakes for its first firing.
   */
  #rescheduled<T>(answer: T): T {
    this.#scheduledRules.runDue();
    return answer;
  }

  /** Each enabled scheduled rule with its next firing, for the start-up report. */
  scheduledRules(): { name: string; expression: string; next?: number }[] {
    return this.#scheduledRules.outlook();
  }

  /** Resolves once no delivery is due or in flight (for tests and benchmarks). */
  idle(): Promise<void> {
    return this.#outbox.idle();
  }

  /** The JSON-protocol operations the endpoint serves as `AWSEvents.<name>`. */
  get operations() {
    const control = this.#controlPlane;
    const archives = this.#archives;
    return {
      PutEvents: (input: { Entries?: PutEventsRequestEntry[]; EndpointId?: string }, options?: PutEventsCall) =>
        this.PutEvents(input, options),
      TestEventPattern: (input: { EventPattern?: string; Event?: string }) => this.TestEventPattern(input),
      ...requestObjectOperations(control, CONTROL_PLANE_OPERATIONS),
      // A rule put or enabled is scheduled (or not) again before the answer.
      PutRule: async (input: unknown) => this.#rescheduled(await control.PutRule(requestObject(input))),
      EnableRule: async (input: unknown) => this.#rescheduled(await control.EnableRule(requestObject(input))),
      ...requestObjectOperations(this.#tags, TAG_OPERATIONS),
      ...requestObjectOperations(archives, ARCHIVE_OPERATIONS),
      DescribeArchive: (input: { ArchiveName?: string }) => archives.DescribeArchive(input),
      StartReplay: (input: StartReplayInput) => archives.StartReplay(input),
      DescribeReplay: (input: { ReplayName?: string }) => archives.DescribeReplay(input),
      ListReplays: (input: { NamePrefix?: string }) => archives.ListReplays(input),
    };
  }

  /**
   * PutEvents. An in-process caller may pass a key (a Step Functions task, which runs again
   * after a restart): the first answer to the key is kept in the transaction that accepts
   * the events, and a repeat is answered with it without putting the events again; or a
   * key per entry (PutEventsCall), which answers a repeat entry alike.
   */
  async PutEvents(input: { Entries?: PutEventsRequestEntry[] }, options: PutEventsCall = {}) {
    const entries = input.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw validationError(
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${
          !Array.isArray(entries) || entries.length === 0 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`
        }`,
      );
    }
    const size = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
    if (size > MAX_REQUEST_BYTES) throw validationError('Total size of the entries in the request is over the limit.');
    const results = this.#accept(
      entries.map((entry) => this.#validateEntry(entry)),
      options.idempotencyKey,
      options.entryKeys,
    );
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  /**
   * Publishes an event from a local AWS service (Step Functions status changes):
   * `aws.*` sources are refused from callers but allowed here.
   */
  putServiceEvent(busName: string, event: Omit<EventEnvelope, 'version' | 'id' | 'account' | 'region' | 'time'> & { time?: string }): void {
    this.#accept([
      {
        bus: this.#ruleStore.bus(busName),
        event: {
          version: '0',
          id: randomUUID(),
          account: this.options.accountId,
          region: this.options.region,
          time: event.time ?? isoSeconds(this.options.clock.now()),
          'detail-type': event['detail-type'],
          source: event.source,
          resources: event.resources,
          detail: event.detail,
        },
      },
    ]);
  }

  /** Sends an event on to another bus unchanged (a rule target that is an event bus). */
  forward(busArn: string, event: EventEnvelope): void {
    const { 'replay-name': _replay, ...rest } = event;
    const traceHeader = currentTraceHeader();
    this.#accept([{ bus: this.#ruleStore.bus(busArn), event: rest as EventEnvelope, ...(traceHeader ? { traceHeader } : {}) }]);
  }

  async TestEventPattern(input: { EventPattern?: string; Event?: string }) {
    if (typeof input.EventPattern !== 'string') throw validationError('EventPattern is required');
    if (typeof input.Event !== 'string') throw validationError('Event is required');
    const pattern = compilePattern(input.EventPattern);
    // AWS answers an Event that is not JSON, not an object, or lacks a field every event has with this one error.
    const invalid = (cause?: unknown) => validationError('Parameter Event is not valid.', cause === undefined ? undefined : { cause });
    if (tooDeep(input.Event)) throw invalid();
    let event: unknown;
    try {
      event = JSON.parse(input.Event);
    } catch (error) {
      throw invalid(error);
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event)) throw invalid();
    for (const field of ['id', 'account', 'source', 'time', 'region', 'detail-type']) {
      if (!(field in event)) throw invalid(new Error(`the event has no '${field}'`));
    }
    return { Result: matchesPattern(pattern, event) };
  }

  /** Validates one entry; returns the event to accept or the entry's error. */
  #validateEntry(entry: PutEventsRequestEntry): Accepted | Dropped | EntryError {
    const invalid = (field: string, reason: string) => ({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Parameter ${field} is not valid. Reason: ${reason}`,
    });
    // In-process callers (Step Functions tasks) skip the endpoint's model check: wrong types are refused here too.
    if (entry === null || typeof entry !== 'object') return invalid('Entries', 'An entry must be an object.');
    for (const field of ['Source', 'DetailType', 'Detail', 'EventBusName'] as const) {
      if (entry[field] !== undefined && typeof entry[field] !== 'string') return invalid(field, `${field} must be a string.`);
    }
    if (entry.Resources !== undefined && (!Array.isArray(entry.Resources) || entry.Resources.some((arn) => typeof arn !== 'string')))
      return invalid('Resources', 'Resources must be a list of ARNs.');
    if (!entry.Source) return invalid('Source', 'Source is a required argument.');
    if (!entry.DetailType) return invalid('DetailType', 'DetailType is a required argument.');
    if (entry.Detail === undefined || entry.Detail === '') return invalid('Detail', 'Detail is a required argument.');
    if (entry.Source.startsWith('aws.'))
      return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    // Routing and archiving stringify the event again, which recursion limits to about 4,500 levels.
    if (tooDeep(entry.Detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const busName = entry.EventBusName ?? 'default';
    // EventBridge answers an entry for a bus that does not exist with an EventId and drops it (a recorded answer).
    if (!this.#ruleStore.hasBusNamed(busName)) return { dropped: busName, EventId: randomUUID() };
    const bus = this.#ruleStore.bus(busName);
    const time = entry.Time === undefined ? this.options.clock.now() : toMillis(entry.Time);
    if (time === undefined) return invalid('Time', 'Time is not a valid timestamp.');
    // The entry's TraceHeader wins over the request's header; X-Ray drops one that is not valid, the event still goes.
    const traceHeader = [entry.TraceHeader, currentTraceHeader()].find((header) => parseTraceHeader(header) !== undefined);
    return {
      bus,
      ...(traceHeader ? { traceHeader } : {}),
      event: {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: this.options.accountId,
        time: isoSeconds(time),
        region: this.options.region,
        resources: entry.Resources ?? [],
        detail,
      },
    };
  }

  /** Archives, routes and records (`recordAccepted`) accepted events in one transaction; returns PutEvents result entries. */
  #accept(validated: (Accepted | Dropped | EntryError)[], idempotencyKey?: string, entryKeys?: readonly (string | undefined)[]) {
    const { db } = this.options;
    db.exec('BEGIN');
    const accepted: AcceptedEventNote[] = [];
    try {
      const answered = this.#requests.recall<(EntryError | { EventId: string })[]>(idempotencyKey);
      if (answered) {
        db.exec('COMMIT');
        return answered;
      }
      const results = validated.map((item, index) => {
        const entryKey = entryKeys?.[index];
        const earlier = this.#requests.recall<{ EventId: string }>(entryKey);
        if (earlier) return earlier;
        if ('ErrorCode' in item) return item;
        if ('dropped' in item) {
          this.options.log?.(
            `PutEvents entry for event bus ${item.dropped}, which does not exist: answered with EventId ${item.EventId} and dropped, as EventBridge does`,
          );
          return { EventId: item.EventId };
        }
        let text: string | undefined;
        const eventText = () => (text ??= JSON.stringify(item.event));
        this.#archives.archiveEvent(item.bus, item.event, eventText);
        const matched = this.#route(item.bus, item.event, { traceHeader: item.traceHeader, eventText });
        const note = { ...item, matched, acceptedAt: this.options.clock.now() };
        this.options.recordAccepted?.(note);
        accepted.push(note);
        // Only an accepted entry's key is kept: a refused one may be sent again and accepted.
        this.#requests.remember(entryKey, { EventId: item.event.id }, this.options.clock.now());
        return { EventId: item.event.id };
      });
      this.#requests.remember(idempotencyKey, results, this.options.clock.now());
      db.exec('COMMIT');
      this.#outbox.wake();
      this.#notify(accepted);
      return results;
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Tells observers about events committed: the console log line, the read API. */
  #notify(accepted: readonly AcceptedEventNote[]): void {
    for (const note of accepted) {
      this.options.onEvent?.(note.bus, note.event, note.matched);
      this.options.onAccepted?.(note);
    }
  }

  /** Writes one delivery per target of every enabled rule on `bus` that matches; returns the rules matched. */
  #route(bus: BusDefinition, event: EventEnvelope, options: RouteOptions = {}): RuleDefinition[] {
    const { onlyRules, traceHeader, eventText = () => JSON.stringify(event) } = options;
    let text: string | undefined;
    const matched: RuleDefinition[] = [];
    for (const rule of this.#ruleStore.rulesOn(bus.name)) {
      if (!isEnabled(rule.definition)) continue;
      if (onlyRules && !onlyRules.has(rule.definition.arn)) continue;
      // A rule with only a ScheduleExpression matches no events.
      if (!rule.pattern || !matchesPattern(rule.pattern, event)) continue;
      text ??= eventText();
      matched.push(rule.definition);
      for (const target of rule.definition.targets) this.#outbox.add(text, rule.definition.arn, target.id, traceHeader);
    }
    return matched;
  }
}

/** The control plane's operations served as they are (PutRule and EnableRule also reschedule). */
const CONTROL_PLANE_OPERATIONS = [
  'DeleteRule',
  'DisableRule',
  'DescribeRule',
  'ListRules',
  'ListRuleNamesByTarget',
  'PutTargets',
  'RemoveTargets',
  'ListTargetsByRule',
  'CreateEventBus',
  'DeleteEventBus',
  'DescribeEventBus',
  'ListEventBuses',
  'PutPermission',
  'RemovePermission',
] as const;
const TAG_OPERATIONS = ['TagResource', 'UntagResource', 'ListTagsForResource'] as const;
const ARCHIVE_OPERATIONS = ['CreateArchive', 'UpdateArchive', 'DeleteArchive', 'ListArchives'] as const;

/** Every operation `operations` serves (the module declares them to the endpoint). */
export const EVENTS_OPERATIONS = [
  'PutEvents',
  'TestEventPattern',
  'PutRule',
  'EnableRule',
  ...CONTROL_PLANE_OPERATIONS,
  ...TAG_OPERATIONS,
  ...ARCHIVE_OPERATIONS,
  'DescribeArchive',
  'StartReplay',
  'DescribeReplay',
  'ListReplays',
] as const;

type RequestObjectHandler = (input: Record<string, unknown>) => unknown;

/** Operations of `handler` that take the request's JSON object as it is, each refusing a body that is not one. */
function requestObjectOperations<H extends { [N in K]: RequestObjectHandler }, K extends string>(
  handler: H,
  names: readonly K[],
): { [N in K]: (input: unknown) => Promise<Awaited<ReturnType<H[N]>>> } {
  const operation = (name: K) => async (input: unknown) => handler[name](requestObject(input));
  return Object.fromEntries(names.map((name) => [name, operation(name)])) as never;
}

/** The JSON body of a request, which must be an object (a `null` body is not). */
function requestObject(input: unknown): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new AwsError('SerializationException', 'The request body must be a JSON object.');
  return input as Record<string, unknown>;
}

/**
 * Entry size as EventBridge counts it: Time 14 bytes only when set, then the UTF-8 bytes of
 * Source, DetailType, Detail and each of Resources
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
 */
function entrySize(entry: PutEventsRequestEntry): number {
  if (entry === null || typeof entry !== 'object') return 0;
  let size = entry.Time === undefined ? 0 : 14;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (typeof text === 'string') size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}
