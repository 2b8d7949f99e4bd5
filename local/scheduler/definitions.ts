import { AwsError } from '../endpoint/aws-error.js';
import { tryParseArn } from '../names/arn.js';
import { declaredResources, outsideApp, reachable, reachableKinds } from '../targets/reachable.js';
import type { LoadedApp } from '../template/load.js';
import { tagMap } from '../template/tags.js';
import { parseScheduleExpression, ScheduleExpressionError } from './schedule-expression.js';
import { isKnownTimeZone } from './time-zones.js';
import { readOnlyAction, universalTargetOf } from './universal-targets.js';

/** A schedule's target, in the API's (and CloudFormation's) shape. */
export interface ScheduleTarget {
  readonly Arn: string;
  readonly RoleArn: string;
  readonly Input?: string;
  readonly DeadLetterConfig?: { readonly Arn?: string };
  readonly RetryPolicy?: { readonly MaximumEventAgeInSeconds?: number; readonly MaximumRetryAttempts?: number };
  readonly EventBridgeParameters?: { readonly DetailType: string; readonly Source: string };
  readonly SqsParameters?: { readonly MessageGroupId?: string };
  /** A Kinesis stream target's: the shard the record goes to (required for one, 1 to 256 characters). */
  readonly KinesisParameters?: { readonly PartitionKey: string };
  readonly [other: string]: unknown;
}

/** A schedule as GetSchedule answers it (dates as epoch milliseconds here; the API layer renders them). */
export interface ScheduleDefinition {
  readonly Name: string;
  readonly GroupName: string;
  readonly Arn: string;
  readonly ScheduleExpression: string;
  readonly ScheduleExpressionTimezone?: string;
  readonly State: 'ENABLED' | 'DISABLED';
  readonly Description?: string;
  readonly StartDate?: number;
  readonly EndDate?: number;
  readonly FlexibleTimeWindow: { readonly Mode: 'OFF' | 'FLEXIBLE'; readonly MaximumWindowInMinutes?: number };
  readonly ActionAfterCompletion?: 'NONE' | 'DELETE';
  readonly KmsKeyArn?: string;
  readonly Target: ScheduleTarget;
  readonly CreationDate: number;
  readonly LastModificationDate: number;
}

export interface ScheduleGroupDefinition {
  readonly Name: string;
  readonly Arn: string;
}

/** A schedule group the template declares, with its Tags (the group's tags again at each start). */
export interface TemplateScheduleGroup extends ScheduleGroupDefinition {
  readonly tags: Readonly<Record<string, string>>;
}

/** Scheduler's defaults for a target without a retry policy. */
export const DEFAULT_RETRY_ATTEMPTS = 185;
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;

export const scheduleArn = (region: string, accountId: string, group: string, name: string) =>
  `arn:aws:scheduler:${region}:${accountId}:schedule/${group}/${name}`;
export const groupArn = (region: string, accountId: string, name: string) =>
  `arn:aws:scheduler:${region}:${accountId}:schedule-group/${name}`;

const validation = (message: string) => new AwsError('ValidationException', message, 400);

/**
 * Checks what Scheduler checks when a schedule is created (the model's lengths and
 * patterns are checked by the endpoint before this): the expression, the time zone, the
 * window, the dates and the retry policy. @throws AwsError ValidationException
 */
export function validateSchedule(schedule: ScheduleDefinition): void {
  try {
    parseScheduleExpression(schedule.ScheduleExpression, { dialect: 'scheduler' });
  } catch (error) {
    if (!(error instanceof ScheduleExpressionError)) throw error;
    throw validation(`Invalid Schedule Expression ${schedule.ScheduleExpression}.`);
  }
  const zone = schedule.ScheduleExpressionTimezone;
  if (zone !== undefined && !isKnownTimeZone(zone)) throw validation(`Invalid Schedule Expression Timezone ${zone}.`);
  const window = schedule.FlexibleTimeWindow;
  if (window.Mode === 'FLEXIBLE' && (window.MaximumWindowInMinutes === undefined || window.MaximumWindowInMinutes < 1)) {
    throw validation('MaximumWindowInMinutes must be provided when Mode is FLEXIBLE.');
  }
  if (window.Mode === 'OFF' && window.MaximumWindowInMinutes !== undefined) {
    throw validation('MaximumWindowInMinutes must not be provided when Mode is OFF.');
  }
  if (schedule.StartDate !== undefined && schedule.EndDate !== undefined && schedule.EndDate <= schedule.StartDate) {
    throw validation('The EndDate must be after the StartDate.');
  }
  const retry = schedule.Target.RetryPolicy;
  if (retry?.MaximumRetryAttempts !== undefined && (retry.MaximumRetryAttempts < 0 || retry.MaximumRetryAttempts > 185)) {
    throw validation('MaximumRetryAttempts must be between 0 and 185.');
  }
  if (retry?.MaximumEventAgeInSeconds !== undefined && (retry.MaximumEventAgeInSeconds < 60 || retry.MaximumEventAgeInSeconds > 86_400)) {
    throw validation('MaximumEventAgeInSeconds must be between 60 and 86400.');
  }
  if (schedule.Target.Arn.startsWith('arn:aws:events:') && !schedule.Target.EventBridgeParameters) {
    throw validation('EventBridgeParameters must be provided for an EventBridge PutEvents target.');
  }
}

type Props = Record<string, unknown>;

const dateOf = (value: unknown) => {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(String(value));
  return Number.isFinite(ms) ? ms : undefined;
};

/** The template's schedules and schedule groups; a schedule Scheduler would refuse is left out with a warning. */
export function schedulerDefinitions(
  app: LoadedApp,
  where: { readonly region: string; readonly accountId: string; readonly now: number },
): { schedules: ScheduleDefinition[]; groups: TemplateScheduleGroup[]; warnings: string[] } {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const warnings: string[] = [];
  const groups = resources
    .filter((r) => r.type === 'AWS::Scheduler::ScheduleGroup')
    .map((r) => ({
      Name: r.physicalName,
      Arn: r.attributes.Arn ?? groupArn(where.region, where.accountId, r.physicalName),
      tags: tagMap(r.properties.Tags),
    }));
  const schedules: ScheduleDefinition[] = [];
  const declared = declaredResources(resources);
  for (const r of resources.filter((resource) => resource.type === 'AWS::Scheduler::Schedule')) {
    const p = r.properties as Props;
    const target = (p.Target ?? {}) as Props;
    const window = (p.FlexibleTimeWindow ?? { Mode: 'OFF' }) as Props;
    const group = p.GroupName === undefined ? 'default' : String(p.GroupName);
    const schedule: ScheduleDefinition = {
      Name: r.physicalName,
      GroupName: group,
      Arn: r.attributes.Arn ?? scheduleArn(where.region, where.accountId, group, r.physicalName),
      ScheduleExpression: String(p.ScheduleExpression ?? ''),
      ...(p.ScheduleExpressionTimezone === undefined ? {} : { ScheduleExpressionTimezone: String(p.ScheduleExpressionTimezone) }),
      State: p.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      ...(p.Description === undefined ? {} : { Description: String(p.Description) }),
      ...(dateOf(p.StartDate) === undefined ? {} : { StartDate: dateOf(p.StartDate) }),
      ...(dateOf(p.EndDate) === undefined ? {} : { EndDate: dateOf(p.EndDate) }),
      FlexibleTimeWindow: {
        Mode: window.Mode === 'FLEXIBLE' ? 'FLEXIBLE' : 'OFF',
        ...(window.MaximumWindowInMinutes === undefined ? {} : { MaximumWindowInMinutes: Number(window.MaximumWindowInMinutes) }),
      },
      ...(p.ActionAfterCompletion === undefined ? {} : { ActionAfterCompletion: p.ActionAfterCompletion === 'DELETE' ? 'DELETE' : 'NONE' }),
      ...(p.KmsKeyArn === undefined ? {} : { KmsKeyArn: String(p.KmsKeyArn) }),
      Target: normalizeTarget(target),
      CreationDate: where.now,
      LastModificationDate: where.now,
    };
    const problem = targetProblem(schedule.Target.Arn) ?? missingTarget(schedule.Target.Arn, declared);
    if (problem) warnings.push(`${r.stackName}/${r.logicalId} (AWS::Scheduler::Schedule): ${problem}`);
    if (schedule.KmsKeyArn) {
      warnings.push(
        `${r.stackName}/${r.logicalId} (AWS::Scheduler::Schedule): KmsKeyArn is accepted; the schedule is not encrypted locally`,
      );
    }
    try {
      validateSchedule(schedule);
    } catch (error) {
      warnings.push(`${r.stackName}/${r.logicalId} (AWS::Scheduler::Schedule): ${(error as Error).message} It is left out.`);
      continue;
    }
    schedules.push(schedule);
  }
  return { schedules, groups, warnings };
}

/** Numbers from the template may come as strings; the API answers them as numbers. */
function normalizeTarget(target: Props): ScheduleTarget {
  const retry = target.RetryPolicy as Props | undefined;
  return {
    ...target,
    Arn: String(target.Arn ?? ''),
    RoleArn: String(target.RoleArn ?? ''),
    ...(retry
      ? {
          RetryPolicy: {
            ...(retry.MaximumRetryAttempts === undefined ? {} : { MaximumRetryAttempts: Number(retry.MaximumRetryAttempts) }),
            ...(retry.MaximumEventAgeInSeconds === undefined ? {} : { MaximumEventAgeInSeconds: Number(retry.MaximumEventAgeInSeconds) }),
          },
        }
      : {}),
  };
}

/**
 * The services of Scheduler's templated targets, by the ARN's service: AWS's complete list
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html:
 * CodeBuild, CodePipeline, ECS, EventBridge, Inspector, Kinesis, Firehose, Lambda, SageMaker
 * AI, SNS, SQS, Step Functions). Another service's API is called through a universal target.
 */
const TEMPLATED_TARGET_SERVICES: ReadonlySet<string> = new Set([
  'codebuild',
  'codepipeline',
  'ecs',
  'events',
  'inspector',
  'kinesis',
  'firehose',
  'lambda',
  'sagemaker',
  'sns',
  'sqs',
  'states',
]);

/**
 * A target the app does not declare (imported by name or ARN): it exists in the AWS account the
 * app deploys to, not in the local runtime until it is created through the API, so each firing
 * meets what AWS does with a target that does not exist.
 */
function missingTarget(arn: string, declared: ReadonlySet<string>): string | undefined {
  if (!outsideApp(arn, declared)) return undefined;
  const parsed = tryParseArn(arn);
  if (parsed?.service === 'events') {
    return `its target ${arn} is not in the app (an event bus imported by name or ARN): each firing's event is answered and dropped, as EventBridge drops an event for a bus that does not exist, until one is created here (aws events create-event-bus --name ${parsed.resourceId})`;
  }
  return `its target ${arn} is not in the app (imported by name or ARN): each firing fails (ResourceNotFoundException) under its retry policy, then goes to its dead-letter queue, until it is created here through the API`;
}

/**
 * Why a target cannot be invoked locally, or `undefined` when it can: a templated target the
 * target dispatcher reaches (local/targets/dispatcher.ts) is invoked, and a universal target
 * Scheduler accepts is called if the runtime hosts its action (universal-targets.ts).
 */
export function targetProblem(arn: string): string | undefined {
  const service = tryParseArn(arn)?.service;
  const invoked = `only templated targets that are ${reachableKinds()} are`;
  const universal = universalTargetOf(arn);
  if (universal) {
    // Called through Step Functions' AWS SDK integrations: whether the runtime hosts the action is known once they run (universalProblem).
    const readOnly = readOnlyAction(universal.action);
    return readOnly === undefined ? undefined : `its universal target ${arn}: ${readOnly}; AWS refuses the schedule`;
  }
  if (service !== undefined && !TEMPLATED_TARGET_SERVICES.has(service)) {
    return `its target ${arn} is not one of Scheduler's templated targets (${service} has none; its API is called through a universal target, arn:aws:scheduler:::aws-sdk:<service>:<action>): each firing fails and goes to its dead-letter queue`;
  }
  if (!reachable(arn)) {
    return `its target ${arn} is not invoked locally (${invoked}): each firing fails and goes to its dead-letter queue`;
  }
  return undefined;
}
