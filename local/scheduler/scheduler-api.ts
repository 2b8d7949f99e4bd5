import { AwsError } from '../aws-error.js';
import type { Clock } from '../clock.js';
import type { RawRequest, RawResponse, RestProtocolService } from '../endpoint/protocols.js';
import { loadModel } from '../endpoint/validation/model.js';
import { modelValidator } from '../endpoint/validation/validator.js';
import { parseBoundedJson } from '../json-depth.js';
import { type ScheduleDefinition, type ScheduleTarget, scheduleArn, validateSchedule } from './definitions.js';
import type { SchedulerService } from './scheduler-service.js';

const validation = (message: string) => new AwsError('ValidationException', message, 400);
const notFound = (message: string) => new AwsError('ResourceNotFoundException', message, 404);
const conflict = (message: string) => new AwsError('ConflictException', message, 409);

type Body = Record<string, unknown>;

const model = loadModel('scheduler');
const validate = modelValidator('scheduler');

/**
 * Checks a request against Scheduler's model (lengths, patterns, ranges, enums, required
 * members), with its path label and query-string members in place, before it runs.
 */
function checkRequest(operation: string, name: string | undefined, query: URLSearchParams, body: Body): void {
  const shape = model.shapes[model.operations[operation]?.input ?? ''];
  const input: Record<string, unknown> = { ...body };
  for (const [member, ref] of Object.entries(shape?.members ?? {})) {
    if (ref.location === 'uri' && name !== undefined) input[member] = name;
    if (ref.location === 'querystring') {
      const value = query.get(ref.locationName ?? member);
      if (value === null) continue;
      const type = model.shapes[ref.shape]?.type;
      input[member] = type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value;
    }
  }
  validate(operation, input);
}

/**
 * EventBridge Scheduler's REST-JSON API (`/schedules/{Name}`, `/schedule-groups/{Name}`):
 * Create/Get/Update/Delete/ListSchedules and the schedule group operations, over the
 * SchedulerService's registry. Dates travel as epoch seconds, as the SDKs send them.
 */
export class SchedulerApi implements RestProtocolService {
  constructor(
    private readonly scheduler: SchedulerService,
    private readonly where: { readonly clock: Clock; readonly region: string; readonly accountId: string },
  ) {}

  #authorize?: (operation: string, input: unknown) => Promise<void>;

  /** IAM's check of each call (its module's authorizations), which the service registry gives it. */
  authorizeWith(authorize: (operation: string, input: unknown) => Promise<void>): void {
    this.#authorize = authorize;
  }

  handles(request: Pick<RawRequest, 'path'>): boolean {
    return /^\/(schedules|schedule-groups)(\/|$)/.test(request.path);
  }

  async handle(request: RawRequest): Promise<RawResponse> {
    try {
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(await this.#route(request)) };
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return {
        status: error.status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
        body: JSON.stringify({ Message: error.message }),
      };
    }
  }

  async #route(request: RawRequest): Promise<unknown> {
    const [, collection, encodedName, extra] = request.path.split('/');
    const name = encodedName === undefined || encodedName === '' ? undefined : encodedName;
    const operation = extra === undefined ? operationOf(request.method, collection, name) : undefined;
    if (operation === undefined)
      throw new AwsError('UnknownOperationException', `no Scheduler operation is ${request.method} ${request.path}`, 404);
    const body = request.method === 'POST' || request.method === 'PUT' ? parseBody(request.body) : {};
    checkRequest(operation, name, request.query, body);
    const group = request.query.get('groupName') ?? undefined;
    // IAM reads the schedule's or group's name and group, and the target's role a create or update passes.
    await this.#authorize?.(operation, {
      ...body,
      ...(name === undefined ? {} : { Name: name }),
      ...(group === undefined ? {} : { GroupName: group }),
    });
    switch (operation) {
      case 'CreateSchedule':
        return this.CreateSchedule(name ?? '', body);
      case 'UpdateSchedule':
        return this.UpdateSchedule(name ?? '', body);
      case 'GetSchedule':
        return this.GetSchedule(name ?? '', group);
      case 'DeleteSchedule':
        return this.DeleteSchedule(name ?? '', group);
      case 'ListSchedules':
        return this.ListSchedules(request.query);
      case 'CreateScheduleGroup':
        return this.CreateScheduleGroup(name ?? '');
      case 'GetScheduleGroup':
        return this.GetScheduleGroup(name ?? '');
      case 'DeleteScheduleGroup':
        return this.DeleteScheduleGroup(name ?? '');
      default:
        return this.ListScheduleGroups(request.query);
    }
  }

  CreateSchedule(name: string, input: Body) {
    const group = this.#group(input.GroupName);
    if (this.scheduler.schedule(name, group)) throw conflict(`Schedule ${name} already exists.`);
    const now = this.where.clock.now();
    const schedule = this.#definition(name, group, input, now, now);
    this.scheduler.saveSchedule(schedule);
    return { ScheduleArn: schedule.Arn };
  }

  UpdateSchedule(name: string, input: Body) {
    const group = this.#group(input.GroupName);
    const existing = this.scheduler.schedule(name, group);
    if (!existing) throw notFound(`Schedule ${name} does not exist.`);
    const schedule = this.#definition(name, group, input, existing.CreationDate, this.where.clock.now());
    this.scheduler.saveSchedule(schedule);
    return { ScheduleArn: schedule.Arn };
  }

  GetSchedule(name: string, groupName: string | undefined) {
    const schedule = this.scheduler.schedule(name, groupName ?? 'default');
    if (!schedule) throw notFound(`Schedule ${name} does not exist.`);
    return render(schedule);
  }

  DeleteSchedule(name: string, groupName: string | undefined) {
    const schedule = this.scheduler.schedule(name, groupName ?? 'default');
    if (!schedule) throw notFound(`Schedule ${name} does not exist.`);
    this.scheduler.deleteSchedule(schedule.Arn);
    return {};
  }

  ListSchedules(query: URLSearchParams) {
    const group = query.get('ScheduleGroup') ?? undefined;
    if (group !== undefined && !this.scheduler.group(group)) throw notFound(`Schedule group ${group} does not exist.`);
    const prefix = query.get('NamePrefix') ?? '';
    const state = query.get('State') ?? undefined;
    if (state !== undefined && state !== 'ENABLED' && state !== 'DISABLED') {
      throw validation(
        `1 validation error detected: Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]`,
      );
    }
    const matching = this.scheduler
      .schedules()
      .filter(
        (s) => (group === undefined || s.GroupName === group) && s.Name.startsWith(prefix) && (state === undefined || s.State === state),
      )
      .sort((a, b) => (a.GroupName + a.Name).localeCompare(b.GroupName + b.Name));
    const { page, next } = paginate(matching, query);
    return {
      Schedules: page.map((s) => ({
        Arn: s.Arn,
        CreationDate: s.CreationDate / 1000,
        GroupName: s.GroupName,
        LastModificationDate: s.LastModificationDate / 1000,
        Name: s.Name,
        State: s.State,
        Target: { Arn: s.Target.Arn },
      })),
      ...(next === undefined ? {} : { NextToken: next }),
    };
  }

  CreateScheduleGroup(name: string) {
    if (this.scheduler.group(name)) throw conflict(`Schedule group ${name} already exists.`);
    const arn = this.scheduler.groupArn(name);
    this.scheduler.saveGroup({ Name: name, Arn: arn });
    return { ScheduleGroupArn: arn };
  }

  GetScheduleGroup(name: string) {
    const group = this.scheduler.group(name);
    if (!group) throw notFound(`Schedule group ${name} does not exist.`);
    return { Arn: group.Arn, Name: group.Name, State: 'ACTIVE' };
  }

  DeleteScheduleGroup(name: string) {
    if (name === 'default') throw validation('The default schedule group cannot be deleted.');
    if (!this.scheduler.group(name)) throw notFound(`Schedule group ${name} does not exist.`);
    this.scheduler.deleteGroup(name);
    return {};
  }

  ListScheduleGroups(query: URLSearchParams) {
    const prefix = query.get('NamePrefix') ?? '';
    const groups = this.scheduler
      .groups()
      .filter((g) => g.Name.startsWith(prefix))
      .sort((a, b) => a.Name.localeCompare(b.Name));
    const { page, next } = paginate(groups, query);
    return {
      ScheduleGroups: page.map((g) => ({ Arn: g.Arn, Name: g.Name, State: 'ACTIVE' })),
      ...(next === undefined ? {} : { NextToken: next }),
    };
  }

  #group(value: unknown): string {
    const group = value === undefined ? 'default' : String(value);
    if (!this.scheduler.group(group)) throw notFound(`Schedule group ${group} does not exist.`);
    return group;
  }

  /** The schedule a Create or Update request describes (both replace every member), validated as Scheduler does. */
  #definition(name: string, group: string, input: Body, created: number, modified: number): ScheduleDefinition {
    for (const member of ['ScheduleExpression', 'FlexibleTimeWindow', 'Target'] as const) {
      if (input[member] === undefined || input[member] === null) {
        throw validation(
          `1 validation error detected: Value null at '${member[0]?.toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must not be null`,
        );
      }
    }
    const target = input.Target as Body;
    if (typeof target !== 'object' || typeof target.Arn !== 'string' || typeof target.RoleArn !== 'string') {
      throw validation('Target must have an Arn and a RoleArn.');
    }
    const window = input.FlexibleTimeWindow as Body;
    if (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE') throw validation(`Invalid FlexibleTimeWindow Mode ${String(window.Mode)}.`);
    const state = input.State ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') throw validation(`Invalid State ${String(state)}.`);
    const after = input.ActionAfterCompletion;
    if (after !== undefined && after !== 'NONE' && after !== 'DELETE') throw validation(`Invalid ActionAfterCompletion ${String(after)}.`);
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

/** The operation a REST request names, by method and path. */
function operationOf(method: string, collection: string | undefined, name: string | undefined): string | undefined {
  const byMethod: Record<string, string> =
    collection === 'schedules'
      ? name === undefined
        ? { GET: 'ListSchedules' }
        : { POST: 'CreateSchedule', PUT: 'UpdateSchedule', GET: 'GetSchedule', DELETE: 'DeleteSchedule' }
      : name === undefined
        ? { GET: 'ListScheduleGroups' }
        : { POST: 'CreateScheduleGroup', GET: 'GetScheduleGroup', DELETE: 'DeleteScheduleGroup' };
  return byMethod[method];
}

/** GetSchedule's answer: the definition with its dates in epoch seconds. */
function render(schedule: ScheduleDefinition) {
  return {
    ...schedule,
    CreationDate: schedule.CreationDate / 1000,
    LastModificationDate: schedule.LastModificationDate / 1000,
    ...(schedule.StartDate === undefined ? {} : { StartDate: schedule.StartDate / 1000 }),
    ...(schedule.EndDate === undefined ? {} : { EndDate: schedule.EndDate / 1000 }),
    ActionAfterCompletion: schedule.ActionAfterCompletion ?? 'NONE',
  };
}

function parseBody(body: Buffer): Body {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = parseBoundedJson(body);
  } catch {
    throw new AwsError('SerializationException', 'request body is not valid JSON', 400);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AwsError('SerializationException', 'The request body must be a JSON object.', 400);
  }
  return parsed as Body;
}

/** REST-JSON timestamps arrive as epoch seconds (or an ISO string from hand-written requests). */
function epochMs(value: unknown, member: string): number {
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(String(value));
  if (!Number.isFinite(ms)) throw validation(`${member} is not a timestamp.`);
  return ms;
}

function paginate<T>(items: readonly T[], query: URLSearchParams): { page: T[]; next?: string } {
  const max = Number(query.get('MaxResults') ?? 100);
  if (!Number.isInteger(max) || max < 1 || max > 100) throw validation('MaxResults must be from 1 to 100.');
  const start = Number(query.get('NextToken') ?? 0);
  if (!Number.isInteger(start) || start < 0) throw validation('The NextToken is not valid.');
  const page = items.slice(start, start + max);
  return { page, ...(start + max < items.length ? { next: String(start + max) } : {}) };
}
