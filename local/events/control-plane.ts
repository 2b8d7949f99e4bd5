import { AwsError, validationError } from '../endpoint/aws-error.js';
import { tryParseArn } from '../names/arn.js';
import { isScheduleExpression, page } from './api-validation.js';
import type { BusSettings } from './bus-settings.js';
import { type BusDefinition, httpParametersOf, type RuleDefinition, ruleTargetRunsLocally, type TargetDefinition } from './definitions.js';
import { validateTargetInput } from './input-transform.js';
import type { CompiledRule, RuleStore } from './rule-store.js';
import type { EventTags } from './tags.js';

/** https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html */
const MAX_TARGETS_PER_RULE = 5;

/**
 * A request as the endpoint passes it on: checked against the model first (modelValidator in
 * module.ts: required members, lengths, ranges, patterns, enums and member types), so the
 * operations read its members without checking them again.
 */
type Input = Record<string, unknown>;
type Text = string | undefined;
/** Limit and NextToken of a List call. */
const pageOf = (input: Input) => ({ limit: input.Limit as number | undefined, token: input.NextToken as Text });

export interface ControlPlaneOptions {
  readonly ruleStore: RuleStore;
  readonly settings: BusSettings;
  readonly tags: EventTags;
  readonly accountId: string;
  readonly log?: (line: string) => void;
}

/**
 * EventBridge's control plane for buses, rules and targets: PutRule, PutTargets and the
 * rest, as the API reference documents them, over the rule store (which keeps what the
 * API creates across restarts).
 */
export class ControlPlane {
  constructor(private readonly options: ControlPlaneOptions) {}

  get #ruleStore() {
    return this.options.ruleStore;
  }

  async PutRule(input: Input) {
    const name = input.Name as string;
    // An empty string is the same as leaving the member out.
    const schedule = (input.ScheduleExpression as Text) || undefined;
    const pattern = (input.EventPattern as Text) || undefined;
    const state = input.State as RuleDefinition['state'] | undefined;
    const description = input.Description as Text;
    const roleArn = input.RoleArn as Text;
    const busName = input.EventBusName as Text;
    if (schedule === undefined && pattern === undefined)
      throw validationError('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    const bus = this.#ruleStore.bus(busName ?? 'default');
    if (schedule !== undefined) {
      if (bus.name !== 'default') throw validationError('ScheduleExpression is supported only on the default event bus.');
      if (!isScheduleExpression(schedule)) throw validationError('Parameter ScheduleExpression is not valid.');
    }

    const existing = this.#ruleStore.findRule(name, bus.name);
    // PutRule replaces the rule with what this call specifies; only its targets are kept.
    const rule: RuleDefinition = {
      name,
      arn: existing?.definition.arn ?? this.#ruleStore.ruleArn(bus.name, name),
      busName: bus.name,
      eventPattern: pattern,
      scheduleExpression: schedule,
      state: state ?? 'ENABLED',
      description,
      roleArn,
      targets: existing?.definition.targets ?? [],
    };
    // saveRule compiles the pattern before it stores anything: a bad one fails with InvalidEventPatternException.
    this.#ruleStore.saveRule(rule);
    this.options.tags.tag(rule.arn, input.Tags);
    return { RuleArn: rule.arn };
  }

  async DeleteRule(input: Input) {
    const { name, bus } = this.#ruleAddress(input, input.Name);
    const rule = this.#ruleStore.findRule(name, bus.name);
    // Deleting a rule that does not exist succeeds, so that a repeated call does too.
    if (!rule) return {};
    if (rule.definition.targets.length > 0) throw validationError("Rule can't be deleted since it has targets.");
    this.#ruleStore.deleteRule(rule.definition.arn);
    return {};
  }

  async EnableRule(input: Input) {
    return this.#setState(input, 'ENABLED');
  }

  async DisableRule(input: Input) {
    return this.#setState(input, 'DISABLED');
  }

  async DescribeRule(input: Input) {
    const { name, bus } = this.#ruleAddress(input, input.Name);
    return { ...describeRule(this.#ruleStore.rule(name, bus.name).definition), CreatedBy: this.options.accountId };
  }

  async ListRules(input: Input) {
    const { limit, token } = pageOf(input);
    const bus = this.#ruleStore.bus((input.EventBusName as Text) ?? 'default');
    const rules = this.#ruleStore.rulesOn(bus.name).filter((r) => r.definition.name.startsWith((input.NamePrefix as Text) ?? ''));
    const { items, nextToken } = page(rules, (r) => r.definition.name, limit, token);
    return { Rules: items.map((r) => describeRule(r.definition)), NextToken: nextToken };
  }

  async ListRuleNamesByTarget(input: Input) {
    const targetArn = input.TargetArn as string;
    const { limit, token } = pageOf(input);
    const bus = this.#ruleStore.bus((input.EventBusName as Text) ?? 'default');
    const names = this.#ruleStore
      .rulesOn(bus.name)
      .filter((r) => r.definition.targets.some((t) => t.arn === targetArn))
      .map((r) => r.definition.name);
    const { items, nextToken } = page(names, (n) => n, limit, token);
    return { RuleNames: items, NextToken: nextToken };
  }

  async PutTargets(input: Input) {
    const entries = input.Targets as Input[];
    const targets = entries.map(readTarget);
    for (const entry of entries) validateTargetInput(entry as Parameters<typeof validateTargetInput>[0]);
    const rule = this.#ruleStore.rule(input.Rule as string, input.EventBusName as Text);

    // A target AWS refuses on its own is reported in FailedEntries; the others are still added.
    const failed: { TargetId: string; ErrorCode: string; ErrorMessage: string }[] = [];
    const accepted: TargetDefinition[] = [];
    targets.forEach((target) => {
      const problem = targetProblem(target);
      if (problem === undefined) accepted.push(target);
      else failed.push({ TargetId: target.id, ErrorCode: 'ValidationException', ErrorMessage: problem });
    });
    const merged = new Map(rule.definition.targets.map((t) => [t.id, t]));
    // A later entry with the same Id replaces an earlier one, as it replaces a target the rule has.
    for (const target of accepted) merged.set(target.id, target);
    if (merged.size > MAX_TARGETS_PER_RULE)
      throw new AwsError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
    if (accepted.length > 0) this.#ruleStore.saveRule({ ...rule.definition, targets: [...merged.values()] });
    for (const target of accepted) {
      if (!ruleTargetRunsLocally(target.arn)) {
        const parsed = tryParseArn(target.arn);
        const kind = parsed?.resourceType === 'api-destination' ? 'API destination' : (parsed?.service ?? '');
        this.options.log?.(
          `rule ${rule.definition.name} target ${target.id}: ${kind} targets are not run locally; deliveries to ${target.arn} will fail and be retried`,
        );
      }
    }
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }

  async RemoveTargets(input: Input) {
    const rule = this.#ruleStore.rule(input.Rule as string, input.EventBusName as Text);
    const remove = new Set(input.Ids as string[]);
    const failed = [...remove]
      .filter((id) => !rule.targets.has(id))
      .map((id) => ({
        TargetId: id,
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Rule '${rule.definition.name}' does not have a target with the Id '${id}'.`,
      }));
    this.#ruleStore.saveRule({ ...rule.definition, targets: rule.definition.targets.filter((t) => !remove.has(t.id)) });
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }

  async ListTargetsByRule(input: Input) {
    const { name, bus } = this.#ruleAddress(input, input.Rule);
    const { limit, token } = pageOf(input);
    const rule = this.#ruleStore.rule(name, bus.name);
    const { items, nextToken } = page(rule.definition.targets, (t) => t.id, limit, token);
    return { Targets: items.map(describeTarget), NextToken: nextToken };
  }

  async CreateEventBus(input: Input) {
    const name = input.Name as string;
    const description = input.Description as Text;
    if (input.EventSourceName !== undefined) throw validationError('Partner event sources (EventSourceName) are not available locally.');
    if (name.includes('/')) throw validationError(`Event bus name must not contain '/': ${name}`);
    if (name.startsWith('aws.')) throw validationError(`Event bus name must not start with 'aws.': ${name}`);
    if (this.#ruleStore.hasBus(name)) throw new AwsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    const bus: BusDefinition = { name, arn: this.#ruleStore.busArn(name), description };
    this.#ruleStore.saveBus(bus);
    this.options.settings.created(name);
    this.options.tags.tag(bus.arn, input.Tags);
    return { EventBusArn: bus.arn, Description: description };
  }

  async DeleteEventBus(input: Input) {
    const name = input.Name as string;
    if (name === 'default') throw validationError('Cannot delete event bus default.');
    // As in AWS, deleting a bus that does not exist succeeds; the bus's rules go with it.
    if (this.#ruleStore.hasBus(name)) {
      this.#ruleStore.deleteBus(name);
      this.options.settings.deleted(name);
    }
    return {};
  }

  async DescribeEventBus(input: Input) {
    return this.#describeBus(this.#ruleStore.bus((input.Name as Text) ?? 'default'));
  }

  async ListEventBuses(input: Input) {
    const { limit, token } = pageOf(input);
    const buses = this.#ruleStore.buses().filter((b) => b.name.startsWith((input.NamePrefix as Text) ?? ''));
    const { items, nextToken } = page(buses, (b) => b.name, limit, token);
    return { EventBuses: items.map((b) => this.#describeBus(b)), NextToken: nextToken };
  }

  #describeBus(bus: BusDefinition) {
    return { Name: bus.name, Arn: bus.arn, Description: bus.description, ...this.options.settings.describe(bus.name) };
  }

  /** PutPermission: a statement added to (or replacing one in) the bus's resource-based policy, or a whole policy. */
  async PutPermission(input: Input) {
    const bus = this.#ruleStore.bus((input.EventBusName as Text) ?? 'default');
    this.options.settings.putPermission(bus.name, bus.arn, input);
    return {};
  }

  async RemovePermission(input: Input) {
    const bus = this.#ruleStore.bus((input.EventBusName as Text) ?? 'default');
    this.options.settings.removePermission(bus.name, input);
    return {};
  }

  /** The rule a request names (`Name` or `Rule`) and its bus. */
  #ruleAddress(input: Input, name: unknown) {
    return { name: name as string, bus: this.#ruleStore.bus((input.EventBusName as Text) ?? 'default') };
  }

  #setState(input: Input, state: 'ENABLED' | 'DISABLED') {
    const { name, bus } = this.#ruleAddress(input, input.Name);
    const rule: CompiledRule = this.#ruleStore.rule(name, bus.name);
    this.#ruleStore.saveRule({ ...rule.definition, state });
    return {};
  }
}

/** One PutTargets entry, as the model has checked it. */
function readTarget(t: Input): TargetDefinition {
  const retry = t.RetryPolicy as { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number } | undefined;
  return {
    id: t.Id as string,
    arn: t.Arn as string,
    roleArn: t.RoleArn as Text,
    input: t.Input as Text,
    inputPath: t.InputPath as Text,
    inputTransformer: t.InputTransformer as TargetDefinition['inputTransformer'],
    retryPolicy: retry
      ? { maximumRetryAttempts: retry.MaximumRetryAttempts, maximumEventAgeInSeconds: retry.MaximumEventAgeInSeconds }
      : undefined,
    deadLetterArn: (t.DeadLetterConfig as { Arn?: string } | undefined)?.Arn,
    messageGroupId: (t.SqsParameters as { MessageGroupId?: string } | undefined)?.MessageGroupId,
    partitionKeyPath: (t.KinesisParameters as { PartitionKeyPath?: string } | undefined)?.PartitionKeyPath,
    ...(t.HttpParameters === undefined ? {} : { httpParameters: httpParametersOf(t.HttpParameters) }),
  };
}

/**
 * Why PutTargets refuses this one target (an entry of FailedEntries), if it does: the checks
 * of its ARN are made per target, as AWS answers them (the Id's constraints are the model's,
 * which refuse the whole request).
 */
function targetProblem(target: TargetDefinition): string | undefined {
  const arn = tryParseArn(target.arn);
  if (arn === undefined) return `Parameter ${target.arn} is not valid. Reason: Provided Arn is not in correct format.`;
  if (arn.service === 'sqs' && target.arn.endsWith('.fifo') && target.messageGroupId === undefined)
    return `Parameter(s) SqsParameters must be specified for target: ${target.id}.`;
  // Dead-lettered events are sent to SQS only; any other ARN could never take them.
  if (target.deadLetterArn !== undefined && !target.deadLetterArn.startsWith('arn:aws:sqs:'))
    return `Parameter DeadLetterConfig.Arn of target ${target.id} is not valid: '${target.deadLetterArn}' is not an SQS queue ARN.`;
  return undefined;
}

function describeRule(rule: RuleDefinition) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventPattern:
      rule.eventPattern === undefined
        ? undefined
        : typeof rule.eventPattern === 'string'
          ? rule.eventPattern
          : JSON.stringify(rule.eventPattern),
    ScheduleExpression: rule.scheduleExpression,
    State: rule.state,
    Description: rule.description,
    RoleArn: rule.roleArn,
    EventBusName: rule.busName,
  };
}

function describeTarget(t: TargetDefinition) {
  return {
    Id: t.id,
    Arn: t.arn,
    RoleArn: t.roleArn,
    Input: t.input,
    InputPath: t.inputPath,
    InputTransformer: t.inputTransformer,
    RetryPolicy: t.retryPolicy && {
      MaximumRetryAttempts: t.retryPolicy.maximumRetryAttempts,
      MaximumEventAgeInSeconds: t.retryPolicy.maximumEventAgeInSeconds,
    },
    DeadLetterConfig: t.deadLetterArn ? { Arn: t.deadLetterArn } : undefined,
    SqsParameters: t.messageGroupId ? { MessageGroupId: t.messageGroupId } : undefined,
    KinesisParameters: t.partitionKeyPath === undefined ? undefined : { PartitionKeyPath: t.partitionKeyPath },
    HttpParameters:
      t.httpParameters === undefined
        ? undefined
        : {
            PathParameterValues: t.httpParameters.pathParameterValues,
            HeaderParameters: t.httpParameters.headerParameters,
            QueryStringParameters: t.httpParameters.queryStringParameters,
          },
  };
}
