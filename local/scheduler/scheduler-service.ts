import { createHash, randomBytes } from 'node:crypto';
import type { ScheduleFailure } from '../../clients/read-api-contract.js';
import { AwsError } from '../endpoint/aws-error.js';
import { DurableOutbox, nextRetry, type OutboxOutcome } from '../store/outbox.js';
import type { ServiceState } from '../store/service-state.js';
import type { TagPair, TagStore } from '../store/tag-store.js';
import { TemplateChanges } from '../store/template-changes.js';
import { wakeAfter } from '../time/clock.js';
import {
  DEFAULT_MAX_EVENT_AGE_SECONDS,
  DEFAULT_RETRY_ATTEMPTS,
  type ScheduleDefinition,
  type ScheduleGroupDefinition,
  type ScheduleTarget,
  type TemplateScheduleGroup,
  targetProblem,
} from './definitions.js';
import { type AttemptFailure, FiringFailures } from './firing-failures.js';
import { type FiringPlan, iso, nextFiring, parseScheduleExpression } from './schedule-expression.js';
import { type InvocationRow, type ScheduleState, ScheduleStore } from './schedule-store.js';
import { SchedulerTargetInvoker, type SchedulerTargetServices } from './target-invoker.js';

/**
 * Scheduler invokes with 60-second precision: a firing due at 1:00 may run until 1:00:59.
 * It is also how late a firing may be and still run when the runtime was not running at
 * its time (the flexible window, when longer, extends it).
 */
const PRECISION_MS = 60_000;
/** Firings handed to targets at once. */
const DELIVERY_CONCURRENCY = 16;
/** The longest a timer sleeps, so a clock that jumps (a laptop waking) is noticed within a minute. */
const MAX_SLEEP_MS = 60_000;

export interface SchedulerServiceOptions extends ServiceState {
  /**
   * The template's schedules, applied at every start as CloudFormation would deploy them, with
   * what UpdateSchedule changed of them since (kept in the data folder) but for the settings the
   * template itself changed.
   */
  readonly schedules: readonly ScheduleDefinition[];
  /** The template's schedule groups, with their Tags: a group's tags are its template's again at each start. */
  readonly groups: readonly TemplateScheduleGroup[];
  readonly targets: SchedulerTargetServices;
  readonly log?: (line: string) => void;
  /** Where in its flexible window a firing lands (0 to 1). @default Math.random */
  readonly random?: () => number;
  /**
   * IAM for a firing: AWS's message when the target's execution role may not invoke the
   * target (and IAM enforces), else undefined. @default none
   */
  readonly authorize?: (target: ScheduleTarget, scheduleArn: string) => Promise<string | undefined>;
}

interface LiveSchedule {
  readonly definition: ScheduleDefinition;
  readonly plan: Omit<FiringPlan, 'anchorMs'>;
  readonly fromTemplate: boolean;
}

/** A schedule's next firing, for the start-up report. */
export interface ScheduleOutlook {
  readonly name: string;
  readonly group: string;
  readonly expression: string;
  readonly timeZone: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly next?: number;
}

/**
 * EventBridge Scheduler: the template's schedules and those created through the API fire
 * on the runtime's clock while it runs. Each firing is written to SQLite with the
 * schedule's progress before its target is invoked, then delivered with the target's
 * retry policy and, when that is spent, sent to its dead-letter queue.
 *
 * A firing missed while the runtime was stopped runs once at start if it is still within
 * its window (the flexible window, at least Scheduler's one minute of precision):
 * Scheduler does not back-fill, and outside its window AWS would not have run it either.
 * Older missed firings are named in the log and skipped; of several within the window only
 * the most recent runs.
 */
export class SchedulerService {
  readonly #store: ScheduleStore;
  readonly #invoker: SchedulerTargetInvoker;
  readonly #schedules = new Map<string, LiveSchedule>();
  readonly #groups = new Map<string, ScheduleGroupDefinition>();
  /** The template's schedules as it declares them, by ARN; what UpdateSchedule changed of them is kept in `#templateChanges`. */
  readonly #templates = new Map<string, ScheduleDefinition>();
  readonly #templateChanges: TemplateChanges<ScheduleDefinition>;
  /** The firings owed to targets (the invocations table). */
  readonly #outbox: DurableOutbox<InvocationRow>;
  /** The schedules whose last firing failed, and the log lines of failures and recoveries. */
  readonly #failures: FiringFailures;
  #timer?: { cancel(): void };
  #running = false;
  /** Serialises firing passes: the timer and `runDue()` never interleave. */
  #pass: Promise<void> = Promise.resolve();

  constructor(private readonly options: SchedulerServiceOptions) {
    this.#store = new ScheduleStore(options.db);
    this.#invoker = new SchedulerTargetInvoker(options.targets);
    this.#failures = new FiringFailures(options.db, (line) => options.log?.(line));
    this.#outbox = new DurableOutbox<InvocationRow>({
      db: options.db,
      clock: options.clock,
      table: { name: 'invocations', id: 'id', dueAt: 'next_at' },
      handle: (row) => this.#deliver(row),
      concurrency: DELIVERY_CONCURRENCY,
      maxSleepMs: MAX_SLEEP_MS,
      onError: (error) => (this.options.log ?? console.error)(error.stack ?? error.message),
    });
    this.#groups.set('default', { Name: 'default', Arn: this.groupArn('default') });
    for (const { tags, ...group } of options.groups) {
      this.#groups.set(group.Name, group);
      this.#store.tags.replace(group.Arn, Object.entries(tags));
    }
    for (const group of this.#store.apiGroups.all()) if (!this.#groups.has(group.Name)) this.#groups.set(group.Name, group);
    // A group the template no longer declares (nor the API made) takes its tags with it.
    const kept = new Set([...this.#groups.values()].map((group) => group.Arn));
    for (const arn of this.#store.tags.arnsUnder(this.groupArn(''))) if (!kept.has(arn)) this.#store.tags.forget(arn);
    this.#templateChanges = new TemplateChanges(options.db, 'template_schedule_changes', (schedule) => {
      // The dates are the service's stamps, not settings: a template schedule's are when the runtime started.
      const { CreationDate: _created, LastModificationDate: _modified, ...settings } = schedule;
      return settings;
    });
    this.#templateChanges.keepOnly(new Set(options.schedules.map((schedule) => schedule.Arn)));
    for (const schedule of options.schedules) {
      if (this.#store.state(schedule.Arn)?.deleted) continue;
      this.#templates.set(schedule.Arn, schedule);
      // A template schedule UpdateSchedule changed (paused, say) stays as it left it but for what the template changed since.
      const { definition, changed, changedAt } = this.#templateChanges.reconcile(schedule.Arn, schedule, options.clock.now());
      this.#put(changed ? { ...definition, LastModificationDate: changedAt } : schedule, true);
    }
    for (const schedule of this.#store.apiSchedules.all()) {
      if (!this.#schedules.has(schedule.Arn)) this.#put(schedule, false);
    }
  }

  groupArn(name: string): string {
    return `arn:aws:scheduler:${this.options.region}:${this.options.accountId}:schedule-group/${name}`;
  }

  /**
   * The start-up lines of the template's schedules whose universal target the runtime cannot
   * call (a service it does not host, an action not implemented): known only once Step
   * Functions' integrations exist, so not among the definitions' warnings.
   */
  universalTargetWarnings(): string[] {
    return this.options.schedules.flatMap((schedule) => {
      // Scheduler's own refusals (a read-only action) are among the definitions' warnings already.
      const problem = targetProblem(schedule.Target.Arn) === undefined ? this.#invoker.universalProblem(schedule.Target.Arn) : undefined;
      const fate = schedule.Target.DeadLetterConfig?.Arn ? 'each firing fails and goes to its dead-letter queue' : 'each firing fails';
      return problem ? [`schedule ${schedule.GroupName}/${schedule.Name}: ${problem}; ${fate}`] : [];
    });
  }

  /** Fires the firings missed while stopped that are still within their window, then keeps firing on time. */
  start(): void {
    this.#running = true;
    this.#outbox.start();
    this.#enqueue(() => this.#fireDue(true));
  }

  /** Stops firing and waits for the pass and the deliveries in progress, so nothing touches the store after the runtime closes it. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#timer?.cancel();
    await this.#pass;
    await this.#outbox.stop();
  }

  /** Fires what is due on the clock now and delivers what is owed (tests step a manual clock with it). */
  runDue(): Promise<void> {
    return this.#enqueue(() => this.#fireDue(false));
  }

  /** The schedules whose last firing failed, latest failure first (the read API's `/schedule-failures`). */
  failures(): ScheduleFailure[] {
    return this.#failures.all();
  }

  /** Every schedule with its next firing, for the start-up report. */
  outlook(): ScheduleOutlook[] {
    return [...this.#schedules.values()].map(({ definition, plan }) => ({
      name: definition.Name,
      group: definition.GroupName,
      expression: definition.ScheduleExpression,
      timeZone: plan.timeZone,
      state: definition.State,
      next: definition.State === 'ENABLED' ? this.#nextFiringOf(definition.Arn) : undefined,
    }));
  }

  // The registry the API operations (scheduler-api.ts) work on.

  schedule(name: string, group = 'default'): ScheduleDefinition | undefined {
    return this.#schedules.get(this.#arn(group, name))?.definition;
  }

  schedules(): ScheduleDefinition[] {
    return [...this.#schedules.values()].map((live) => live.definition);
  }

  group(name: string): ScheduleGroupDefinition | undefined {
    return this.#groups.get(name);
  }

  groups(): ScheduleGroupDefinition[] {
    return [...this.#groups.values()];
  }

  /** Creates or replaces a schedule made through the API and keeps it in the data folder. */
  saveSchedule(schedule: ScheduleDefinition): void {
    // The start-up report names a template schedule's target the runtime cannot reach; one
    // created or changed through the API is named when it is saved, not first at its firing.
    const problem = this.#invoker.problem(schedule.Target.Arn);
    if (problem) this.options.log?.(`[not as in AWS] schedule ${schedule.Name}: ${problem}`);
    const live = this.#put(schedule, this.#schedules.get(schedule.Arn)?.fromTemplate ?? false);
    const template = this.#templates.get(schedule.Arn);
    if (!live.fromTemplate) this.#store.apiSchedules.put(schedule.Arn, schedule);
    else if (template) this.#templateChanges.save(schedule.Arn, template, schedule, schedule.LastModificationDate);
    this.#arm();
  }

  deleteSchedule(arn: string): void {
    const live = this.#schedules.get(arn);
    if (!live) return;
    this.#schedules.delete(arn);
    this.#failures.forget(arn);
    if (live.fromTemplate) {
      const state = this.#stateOf(live);
      this.#store.saveState(arn, { ...state, deleted: true });
      this.#templateChanges.forget(arn);
    } else {
      this.#store.apiSchedules.delete(arn);
    }
  }

  /** Keeps a group the API created, with its tags. */
  saveGroup(group: ScheduleGroupDefinition, tags: readonly TagPair[] = []): void {
    this.#groups.set(group.Name, group);
    this.#store.atomically(() => {
      this.#store.apiGroups.put(group.Name, group);
      this.#store.tags.tag(group.Arn, tags);
    });
  }

  /** Schedule groups' tags, by the group's ARN. */
  get tags(): TagStore {
    return this.#store.tags;
  }

  /** Deletes a group and every schedule in it, as Scheduler does. */
  deleteGroup(name: string): void {
    for (const live of [...this.#schedules.values()]) if (live.definition.GroupName === name) this.deleteSchedule(live.definition.Arn);
    const group = this.#groups.get(name);
    this.#groups.delete(name);
    this.#store.apiGroups.delete(name);
    if (group !== undefined) this.#store.tags.forget(group.Arn);
  }

  #arn(group: string, name: string): string {
    return `arn:aws:scheduler:${this.options.region}:${this.options.accountId}:schedule/${group}/${name}`;
  }

  #put(definition: ScheduleDefinition, fromTemplate: boolean): LiveSchedule {
    const live: LiveSchedule = {
      definition,
      fromTemplate,
      plan: {
        expression: parseScheduleExpression(definition.ScheduleExpression, { dialect: 'scheduler' }),
        timeZone: definition.ScheduleExpressionTimezone ?? 'UTC',
        ...(definition.StartDate === undefined ? {} : { startMs: definition.StartDate }),
        ...(definition.EndDate === undefined ? {} : { endMs: definition.EndDate }),
      },
    };
    this.#schedules.set(definition.Arn, live);
    // The state belongs to the expression it was made for: a changed schedule starts afresh (nothing to catch up).
    const signature = planSignature(live);
    const state = this.#store.state(definition.Arn);
    if (!state || state.plan !== signature) {
      const now = this.options.clock.now();
      this.#store.saveState(definition.Arn, { createdAt: now, handledUntil: now - 1, plan: signature, deleted: false });
    }
    return live;
  }

  #stateOf(live: LiveSchedule): ScheduleState {
    const state = this.#store.state(live.definition.Arn);
    if (state) return state;
    const now = this.options.clock.now();
    return { createdAt: now, handledUntil: now - 1, plan: planSignature(live), deleted: false };
  }

  #nextFiringOf(arn: string): number | undefined {
    const live = this.#schedules.get(arn);
    if (!live) return undefined;
    const state = this.#stateOf(live);
    return nextFiring({ ...live.plan, anchorMs: state.createdAt }, state.handledUntil);
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    const pass = this.#pass.then(work).catch((error: unknown) => {
      this.options.log?.(`scheduler pass failed: ${(error as Error).stack ?? String(error)}`);
    });
    this.#pass = pass.then(() => this.#arm());
    return pass;
  }

  async #fireDue(catchUp: boolean): Promise<void> {
    const now = this.options.clock.now();
    for (const live of [...this.#schedules.values()]) {
      if (live.definition.State !== 'ENABLED') continue;
      this.#fireSchedule(live, now, catchUp);
    }
    await this.#outbox.runDue();
  }

  #fireSchedule(live: LiveSchedule, now: number, catchUp: boolean): void {
    const { definition } = live;
    const state = this.#stateOf(live);
    const plan: FiringPlan = { ...live.plan, anchorMs: state.createdAt };
    const first = nextFiring(plan, state.handledUntil);
    if (first === undefined || first > now) return;
    const windowMs =
      definition.FlexibleTimeWindow.Mode === 'FLEXIBLE' ? (definition.FlexibleTimeWindow.MaximumWindowInMinutes ?? 0) * 60_000 : 0;
    const oldest = now - Math.max(windowMs, PRECISION_MS);
    const due: number[] = [];
    for (let t = nextFiring(plan, Math.max(state.handledUntil, oldest - 1)); t !== undefined && t <= now; t = nextFiring(plan, t)) {
      due.push(t);
    }
    if (first < oldest) {
      this.options.log?.(
        `schedule ${definition.Name}: the firings from ${iso(first)} to before ${iso(oldest)} were missed (the runtime was not running, or the schedule was disabled) and are past its window; not fired`,
      );
    }
    const firing = catchUp ? due.slice(-1) : due;
    if (catchUp && due.length > 1) {
      this.options.log?.(`schedule ${definition.Name}: ${due.length - 1} earlier firings within its window are folded into the latest`);
    }
    const random = this.options.random ?? Math.random;
    const firings = firing.map((scheduledTime) => ({
      scheduledTime,
      // Somewhere in the flexible window, but never in the past.
      deliverAt: Math.max(now, scheduledTime + Math.floor(random() * windowMs)),
    }));
    const target = JSON.stringify(definition.Target);
    this.#store.recordFirings(definition.Arn, { ...state, handledUntil: now }, () => {
      for (const f of firings) {
        this.#outbox.enqueue({
          schedule_arn: definition.Arn,
          scheduled_time: f.scheduledTime,
          target,
          first_at: now,
          next_at: f.deliverAt,
        });
      }
    });
    for (const f of firings) this.options.log?.(`schedule ${definition.Name} fired for ${iso(f.scheduledTime)}`);
    if (definition.ActionAfterCompletion === 'DELETE' && nextFiring(plan, now) === undefined) {
      this.options.log?.(`schedule ${definition.Name} completed; deleted (ActionAfterCompletion DELETE)`);
      this.deleteSchedule(definition.Arn);
    }
  }

  async #deliver(row: InvocationRow): Promise<OutboxOutcome> {
    const target = JSON.parse(row.target) as ScheduleTarget;
    const attempt = row.attempts + 1;
    const input = withContext(target.Input ?? '{}', {
      'schedule-arn': row.schedule_arn,
      'scheduled-time': iso(row.scheduled_time),
      // A new id for every attempt, as Scheduler assigns one per attempted invocation.
      'execution-id': randomBytes(8).toString('hex'),
      'attempt-number': String(attempt),
    });
    // A role that may not invoke the target fails the firing without retries (unverified against AWS, as EventBridge rules do with NO_PERMISSIONS).
    const denied = await this.options.authorize?.(target, row.schedule_arn);
    if (denied !== undefined) return this.#giveUp(row, target, input, { errorCode: 'AccessDeniedException', errorMessage: denied });
    try {
      // One firing, one deduplication id (FIFO queue targets), within SQS's 128 characters.
      const firingId = createHash('sha256').update(`${row.schedule_arn}#${row.scheduled_time}`).digest('hex');
      await this.#invoker.invoke(target, input, firingId);
      this.#failures.succeeded(row, attempt);
      return { kind: 'done' };
    } catch (error) {
      const failure = { errorCode: error instanceof AwsError ? error.code : 'InternalFailure', errorMessage: (error as Error).message };
      const now = this.options.clock.now();
      const next = nextRetry(
        {
          maximumRetryAttempts: target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
          maximumEventAgeMs: (target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000,
        },
        { failures: attempt, firstAt: row.first_at, now },
      );
      if ('at' in next) {
        this.#failures.retrying(row, target, failure, attempt, now, next.at);
        return { kind: 'retry', at: next.at, set: { attempts: attempt, last_error: `${failure.errorCode}: ${failure.errorMessage}` } };
      }
      return this.#giveUp(row, target, input, { ...failure, exhausted: next.exhausted });
    }
  }

  async #giveUp(
    row: InvocationRow,
    target: ScheduleTarget,
    input: string,
    failure: AttemptFailure & { exhausted?: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds' },
  ): Promise<OutboxOutcome> {
    const queueArn = target.DeadLetterConfig?.Arn;
    if (queueArn) {
      try {
        await this.#invoker.deadLetter(queueArn, input, {
          scheduleArn: row.schedule_arn,
          targetArn: target.Arn,
          errorCode: failure.errorCode,
          errorMessage: failure.errorMessage,
          retryAttempts: row.attempts,
          exhaustedRetryCondition: failure.exhausted,
        });
      } catch (error) {
        // Scheduler drops the firing when its DLQ is unreachable too; we keep it and try again in a minute.
        const at = this.options.clock.now() + 60_000;
        const refused = {
          errorCode: 'DLQ',
          errorMessage: `${failure.errorCode}: ${failure.errorMessage}; then its dead-letter queue ${queueArn} refused it: ${(error as Error).message}`,
        };
        this.#failures.deadLetterRefused(row, target, refused, this.options.clock.now(), at);
        return { kind: 'retry', at, set: { attempts: row.attempts + 1, last_error: `DLQ: ${(error as Error).message}` } };
      }
    }
    this.#failures.gaveUp(row, target, failure, this.options.clock.now(), queueArn);
    return { kind: 'done' };
  }

  #arm(): void {
    this.#timer?.cancel();
    if (!this.#running) return;
    const now = this.options.clock.now();
    // Only firings: the outbox wakes itself for the deliveries it owes.
    let soonest = Number.POSITIVE_INFINITY;
    for (const live of this.#schedules.values()) {
      if (live.definition.State !== 'ENABLED') continue;
      soonest = Math.min(soonest, this.#nextFiringOf(live.definition.Arn) ?? Number.POSITIVE_INFINITY);
    }
    if (soonest === Number.POSITIVE_INFINITY) return;
    // On a test's clock the firing wakes when the clock gets there; in real time at most a minute on.
    this.#timer = wakeAfter(
      this.options.clock,
      Math.max(0, soonest - now),
      () => void this.#enqueue(() => this.#fireDue(false)),
      MAX_SLEEP_MS,
    );
  }
}

/** What a firing's state depends on: when any of it changes, the schedule starts afresh. */
function planSignature(live: LiveSchedule): string {
  const { definition } = live;
  return JSON.stringify([definition.ScheduleExpression, live.plan.timeZone, definition.StartDate ?? null]);
}

/** Replaces Scheduler's context attribute keywords (`<aws.scheduler.scheduled-time>`, ...) in a target's input. */
function withContext(input: string, values: Record<string, string>): string {
  return input.replace(/<aws\.scheduler\.([a-z-]+)>/g, (keyword, name: string) => values[name] ?? keyword);
}
