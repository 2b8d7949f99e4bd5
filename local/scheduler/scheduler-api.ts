import { AwsError } from '../endpoint/aws-error.js';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelRestJsonProtocol } from '../endpoint/model-protocols/rest-json-codec.js';
import { loadModel } from '../endpoint/validation/model.js';
import { modelValidator } from '../endpoint/validation/validator.js';
import { operationTable } from '../service-registry/operation-table.js';
import type { TagPair } from '../store/tag-store.js';
import type { Clock } from '../time/clock.js';
import { type ScheduleDefinition, type ScheduleTarget, scheduleArn, validateSchedule } from './definitions.js';
import type { SchedulerService } from './scheduler-service.js';

const validation = (message: string) => new AwsError('ValidationException', message, 400);
const notFound = (message: string) => new AwsError('ResourceNotFoundException', message, 404);
const conflict = (message: string) => new AwsError('ConflictException', message, 409);

type Body = Record<string, unknown>;
/** A tag as Scheduler's API takes and answers it. */
type Tag = { readonly Key: string; readonly Value: string };

const pairsOf = (tags: readonly Tag[]): TagPair[] => tags.map((tag): TagPair => [tag.Key, tag.Value]);

/**
 * Scheduler's REST-JSON protocol over its operations, from its model: every path under
 * `/schedules` and `/schedule-groups`, and `/tags/` of its own ARNs, is its own (a method or path
 * none of its routes takes is its UnknownOperationException).
 */
export function schedulerProtocol(api: SchedulerApi): ModelRestJsonProtocol {
  return new ModelRestJsonProtocol(
    loadModel('scheduler'),
    operationTable(api, SchedulerApi) as ModelOperations,
    { serviceName: 'Scheduler', validate: modelValidator('scheduler') },
    // `/tags/<ARN>` is many services' path: Scheduler's are those of its ARNs, whose `/` (`schedule-group/<name>`) the decoded path holds.
    { paths: /^\/(schedules(\/|$)|schedule-groups(\/|$)|tags\/arn:[^:/]+:scheduler:)/, greedyLabels: ['ResourceArn'] },
  );
}

/**
 * EventBridge Scheduler's REST-JSON operations (`/schedules/{Name}`, `/schedule-groups/{Name}`):
 * Create/Get/Update/Delete/ListSchedules and the schedule group operations, over the
 * SchedulerService's registry, each taking its input in the API's shape (its path label and
 * query-string members in place) as the model-driven codec decodes it (schedulerProtocol).
 * Dates travel as epoch seconds, as the SDKs send them.
 */
export class SchedulerApi {
  constructor(
    private readonly scheduler: SchedulerService,
    private readonly where: { readonly clock: Clock; readonly region: string; readonly accountId: string },
  ) {}

  async CreateSchedule(input: Body) {
    const name = String(input.Name);
    const group = this.#group(input.GroupName);
    if (this.scheduler.schedule(name, group)) throw conflict(`Schedule ${name} already exists.`);
    const now = this.where.clock.now();
    const schedule = this.#definition(name, group, input, now, now);
    this.scheduler.saveSchedule(schedule);
    return { ScheduleArn: schedule.Arn };
  }

  async UpdateSchedule(input: Body) {
    const name = String(input.Name);
    const group = this.#group(input.GroupName);
    const existing = this.scheduler.schedule(name, group);
    if (!existing) throw notFound(`Schedule ${name} does not exist.`);
    const schedule = this.#definition(name, group, input, existing.CreationDate, this.where.clock.now());
    this.scheduler.saveSchedule(schedule);
    return { ScheduleArn: schedule.Arn };
  }

  async GetSchedule({ Name: name, GroupName: groupName }: { Name: string; GroupName?: string }) {
    const schedule = this.scheduler.schedule(name, groupName ?? 'default');
    if (!schedule) throw notFound(`Schedule ${name} does not exist.`);
    return { ...schedule, ActionAfterCompletion: schedule.ActionAfterCompletion ?? 'NONE' };
  }

  async DeleteSchedule({ Name: name, GroupName: groupName }: { Name: string; GroupName?: string }) {
    const schedule = this.scheduler.schedule(name, groupName ?? 'default');
    if (!schedule) throw notFound(`Schedule ${name} does not exist.`);
    this.scheduler.deleteSchedule(schedule.Arn);
    return {};
  }

  async ListSchedules(input: Listing & { GroupName?: string; NamePrefix?: string; State?: string }) {
    const group = input.GroupName;
    if (group !== undefined && !this.scheduler.group(group)) throw notFound(`Schedule group ${group} does not exist.`);
    const prefix = input.NamePrefix ?? '';
    // The codec has refused a State outside the model's enum.
    const state = input.State;
    const matching = this.scheduler
      .schedules()
      .filter(
        (s) => (group === undefined || s.GroupName === group) && s.Name.startsWith(prefix) && (state === undefined || s.State === state),
      )
      .sort((a, b) => (a.GroupName + a.Name).localeCompare(b.GroupName + b.Name));
    const { page, next } = paginate(matching, input);
    // Each a ScheduleSummary: the codec answers the members its model gives one (the target's Arn alone).
    return { Schedules: page, ...(next === undefined ? {} : { NextToken: next }) };
  }

  async CreateScheduleGroup({ Name: name, Tags: tags = [] }: { Name: string; Tags?: readonly Tag[] }) {
    if (this.scheduler.group(name)) throw conflict(`Schedule group ${name} already exists.`);
    const arn = this.scheduler.groupArn(name);
    this.scheduler.saveGroup({ Name: name, Arn: arn }, pairsOf(tags));
    return { ScheduleGroupArn: arn };
  }

  /** Adds tags to a schedule group (the one resource Scheduler tags), a key given again taking its new value. */
  async TagResource({ ResourceArn: arn, Tags: tags }: { ResourceArn: string; Tags: readonly Tag[] }) {
    this.scheduler.tags.tag(this.#tagged(arn), pairsOf(tags));
    return {};
  }

  /** Removes the tags of these keys; a key the group does not have is no error. */
  async UntagResource({ ResourceArn: arn, TagKeys: keys }: { ResourceArn: string; TagKeys: readonly string[] }) {
    this.scheduler.tags.untag(this.#tagged(arn), keys);
    return {};
  }

  async ListTagsForResource({ ResourceArn: arn }: { ResourceArn: string }) {
    return { Tags: this.scheduler.tags.list(this.#tagged(arn)).map(([Key, Value]) => ({ Key, Value })) };
  }

  async GetScheduleGroup({ Name: name }: { Name: string }) {
    const group = this.scheduler.group(name);
    if (!group) throw notFound(`Schedule group ${name} does not exist.`);
    return { Arn: group.Arn, Name: group.Name, State: 'ACTIVE' };
  }

  async DeleteScheduleGroup({ Name: name }: { Name: string }) {
    if (name === 'default') throw validation('The default schedule group cannot be deleted.');
    if (!this.scheduler.group(name)) throw notFound(`Schedule group ${name} does not exist.`);
    this.scheduler.deleteGroup(name);
    return {};
  }

  async ListScheduleGroups(input: Listing & { NamePrefix?: string }) {
    const prefix = input.NamePrefix ?? '';
    const groups = this.scheduler
      .groups()
      .filter((g) => g.Name.startsWith(prefix))
      .sort((a, b) => a.Name.localeCompare(b.Name));
    const { page, next } = paginate(groups, input);
    return {
      ScheduleGroups: page.map((g) => ({ Arn: g.Arn, Name: g.Name, State: 'ACTIVE' })),
      ...(next === undefined ? {} : { NextToken: next }),
    };
  }

  /**
   * The ARN a tag operation names, of a schedule group that exists (the model's pattern has
   * refused any other ARN: https://docs.aws.amazon.com/scheduler/latest/APIReference/API_TagResource.html).
   * @throws AwsError ResourceNotFoundException for a group that does not exist
   */
  #tagged(arn: string): string {
    const group = this.scheduler.groups().find((g) => g.Arn === arn);
    if (group === undefined) throw notFound(`Schedule group ${arn.slice(arn.lastIndexOf('/') + 1)} does not exist.`);
    return group.Arn;
  }

  #group(value: unknown): string {
    const group = value === undefined ? 'default' : String(value);
    if (!this.scheduler.group(group)) throw notFound(`Schedule group ${group} does not exist.`);
    return group;
  }

  /**
   * The schedule a Create or Update request describes (both replace every member), validated as
   * Scheduler does: the codec has checked what the model declares (required members, enums, ranges).
   */
  #definition(name: string, group: string, input: Body, created: number, modified: number): ScheduleDefinition {
    const target = input.Target as Body;
    const window = input.FlexibleTimeWindow as Body & Pick<ScheduleDefinition['FlexibleTimeWindow'], 'Mode'>;
    const state = (input.State ?? 'ENABLED') as ScheduleDefinition['State'];
    const after = input.ActionAfterCompletion as ScheduleDefinition['ActionAfterCompletion'];
    const schedule: ScheduleDefinition = {
      Name: name,
      GroupName: group,
      Arn: scheduleArn(this.where.region, this.where.accountId, group, name),
      ScheduleExpression: String(input.ScheduleExpression),
      ...(input.ScheduleExpressionTimezone === undefined ? {} : { ScheduleExpressionTimezone: String(input.ScheduleExpressionTimezone) }),
      State: state,
      ...(input.Description === undefined ? {} : { Description: String(input.Description) }),
      ...(input.StartDate === undefined ? {} : { StartDate: epochMs(input.StartDate, 'StartDate') }),
      ...(input.EndDate === undefined ? {} : { EndDate: epochMs(input.EndDate, 'EndDate') }),
      FlexibleTimeWindow: {
        Mode: window.Mode,
        ...(window.MaximumWindowInMinutes === undefined ? {} : { MaximumWindowInMinutes: Number(window.MaximumWindowInMinutes) }),
      },
      ...(after === undefined ? {} : { ActionAfterCompletion: after }),
      ...(input.KmsKeyArn === undefined ? {} : { KmsKeyArn: String(input.KmsKeyArn) }),
      Target: target as unknown as ScheduleTarget,
      CreationDate: created,
      LastModificationDate: modified,
    };
    validateSchedule(schedule);
    return schedule;
  }
}

/** REST-JSON timestamps arrive as epoch seconds (or an ISO string from hand-written requests). */
function epochMs(value: unknown, member: string): number {
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(String(value));
  if (!Number.isFinite(ms)) throw validation(`${member} is not a timestamp.`);
  return ms;
}

/** A list's page size and where it starts, as the query string gave them. */
interface Listing {
  readonly MaxResults?: number | string;
  readonly NextToken?: string;
}

function paginate<T>(items: readonly T[], listing: Listing): { page: T[]; next?: string } {
  // The codec has checked MaxResults against the model's range (1 to 100).
  const max = Number(listing.MaxResults ?? 100);
  const start = Number(listing.NextToken ?? 0);
  if (!Number.isInteger(start) || start < 0) throw validation('The NextToken is not valid.');
  const page = items.slice(start, start + max);
  return { page, ...(start + max < items.length ? { next: String(start + max) } : {}) };
}
