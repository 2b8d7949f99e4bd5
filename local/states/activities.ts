import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { JsonTable } from '../store/json-table.js';
import type { Clock } from '../time/clock.js';
import { LongPollWaiters } from '../time/long-poll.js';
import { AWS_OWNED_KEY } from './api-input.js';
import type { ActivityTasks } from './integrations/callback.js';
import { assertValidName, BY_NAME, byName, pageOf, parseActivityArn, required, seconds } from './names.js';
import type { StatesTag, StatesTags } from './resource-tags.js';
import type { TaskCallbacks } from './task-callbacks.js';

/** An activity, created through the API or declared by the template (`AWS::StepFunctions::Activity`). */
export interface ActivityRecord {
  readonly activityArn: string;
  readonly name: string;
  /** Epoch ms. */
  readonly creationDate: number;
}

/** An `AWS::StepFunctions::Activity` of the template. */
export interface ActivityTemplate {
  readonly name: string;
  readonly arn: string;
}

/** How long GetActivityTask holds a poll that finds no task ("The maximum time the service holds on to the request before responding is 60 seconds"). */
const POLL_MS = 60_000;

const doesNotExist = (arn: string) => new AwsError('ActivityDoesNotExist', `Activity Does Not Exist: '${arn}'`);

/**
 * Step Functions' activities: the template's and those created through the API, kept in the
 * data folder, and the long polls of their workers. A Task naming an activity stores its task
 * as claimable (task-callbacks.ts, under its token); GetActivityTask hands the oldest unclaimed
 * one to a worker, waiting up to 60 seconds of the service's clock for one to be scheduled.
 */
export class Activities implements ActivityTasks {
  readonly #table: JsonTable<ActivityRecord>;
  readonly #polls: LongPollWaiters<string>;
  #closed = false;

  constructor(
    private readonly deps: {
      readonly db: DatabaseSync;
      readonly callbacks: TaskCallbacks;
      readonly clock: Clock;
      readonly region: string;
      readonly accountId: string;
      readonly tags: StatesTags;
    },
  ) {
    this.#table = new JsonTable(deps.db, 'sfn_activities', 'arn');
    this.#polls = new LongPollWaiters(deps.clock, { waitOnClock: true });
  }

  /** Registers the template's activities, as a deployment creates them (an existing one keeps its creation date). */
  declare(activities: readonly ActivityTemplate[]): void {
    for (const { name, arn } of activities) {
      if (this.#table.get(arn) === undefined) this.#table.put(arn, { activityArn: arn, name, creationDate: this.deps.clock.now() });
    }
  }

  exists(activityArn: string): boolean {
    return this.#table.get(activityArn) !== undefined;
  }

  scheduled(activityArn: string): void {
    this.#polls.wake(activityArn, 1);
  }

  /** Ends the polls in flight (they answer without a task). */
  close(): void {
    this.#closed = true;
    this.#polls.close();
  }

  /** Idempotent by name: the same name again answers the activity it made (tags are not compared, as AWS documents). */
  async CreateActivity(input: { name?: string; tags?: Partial<StatesTag>[]; encryptionConfiguration?: unknown }) {
    const name = required(input.name, 'name');
    assertValidName(name);
    const activityArn = `arn:aws:states:${this.deps.region}:${this.deps.accountId}:activity:${name}`;
    const existing = this.#table.get(activityArn);
    if (existing) return { activityArn, creationDate: seconds(existing.creationDate) };
    const record: ActivityRecord = { activityArn, name, creationDate: this.deps.clock.now() };
    this.#table.put(activityArn, record);
    this.deps.tags.tag(activityArn, input.tags);
    return { activityArn, creationDate: seconds(record.creationDate) };
  }

  async DescribeActivity(input: { activityArn?: string }) {
    const activity = this.#get(required(input.activityArn, 'activityArn'));
    return {
      activityArn: activity.activityArn,
      name: activity.name,
      creationDate: seconds(activity.creationDate),
      encryptionConfiguration: AWS_OWNED_KEY,
    };
  }

  async ListActivities(input: { maxResults?: number; nextToken?: string }) {
    const { page, nextToken } = pageOf(this.#table.all().sort(byName), input, 'activities', BY_NAME);
    return {
      activities: page.map((a) => ({ activityArn: a.activityArn, name: a.name, creationDate: seconds(a.creationDate) })),
      nextToken,
    };
  }

  /** Deleting what does not exist succeeds, as on AWS; tasks already scheduled on it stay. */
  async DeleteActivity(input: { activityArn?: string }) {
    const arn = required(input.activityArn, 'activityArn');
    parseActivityArn(arn);
    this.#table.delete(arn);
    this.deps.tags.forget(arn);
    return {};
  }

  /**
   * A worker's poll: the oldest unclaimed task of the activity, as `{ taskToken, input }`, or
   * `{}` when none is scheduled within 60 seconds of the clock (AWS answers a null token).
   */
  async GetActivityTask(
    input: { activityArn?: string; workerName?: string },
    options: { signal?: AbortSignal } = {},
  ): Promise<{ taskToken?: string; input?: string }> {
    const arn = required(input.activityArn, 'activityArn');
    this.#get(arn);
    const claim = input.workerName === undefined ? {} : { workerName: input.workerName };
    const until = this.deps.clock.now() + POLL_MS;
    for (;;) {
      const task = this.deps.callbacks.claim(arn, claim);
      if (task) return task;
      const left = until - this.deps.clock.now();
      if (left <= 0 || this.#closed || options.signal?.aborted) return {};
      await this.#polls.wait(arn, left, options.signal);
    }
  }

  #get(arn: string): ActivityRecord {
    parseActivityArn(arn);
    const activity = this.#table.get(arn);
    if (!activity) throw doesNotExist(arn);
    return activity;
  }
}
