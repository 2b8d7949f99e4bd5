import { AwsError, validationError } from '../endpoint/aws-error.js';
import { tryParseArn } from '../names/arn.js';
import {
  BUS_NAME_OR_ARN_PATTERN,
  BUS_NAME_PATTERN,
  Constraints,
  isScheduleExpression,
  NAME_PATTERN,
  page,
  paginationInput,
} from './api-validation.js';
import type { BusSettings } from './bus-settings.js';
import { type BusDefinition, type RuleDefinition, ruleTargetRunsLocally, type TargetDefinition } from './definitions.js';
import { validateTargetInput } from './input-transform.js';
import type { CompiledRule, RuleStore } from './rule-store.js';
import type { EventTags } from './tags.js';

/** https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html */
const MAX_TARGETS_PER_RULE = 5;
/** PutPermission's and RemovePermission's StatementId (botocore's model). */
const STATEMENT_ID_PATTERN = { regex: /^[a-zA-Z0-9-_]+$/, text: '[a-zA-Z0-9-_]+' };
const RULE_STATES = ['DISABLED', 'ENABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'] as const;

type Input = Record<string, unknown>;

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
    const c = new Constraints();
    const name = c.string(input.Name, 'name', { required: true, min: 1, max: 64, pattern: NAME_PATTERN });
    // An empty string is the same as leaving the member out.
    const schedule = c.string(input.ScheduleExpression, 'scheduleExpression', { max: 256 }) || undefined;
    const pattern = c.string(input.EventPattern, 'eventPattern', { max: 4096 }) || undefined;
    const state = c.string(input.State, 'state', { oneOf: RULE_STATES }) as RuleDefinition['state'] | undefined;
    const description = c.string(input.Description, 'description', { max: 512 });
    const roleArn = c.string(input.RoleArn, 'roleArn', { min: 1, max: 1600 });
    const busName = c.string(input.EventBusName, 'eventBusName', { min: 1, max: 1600, pattern: BUS_NAME_OR_ARN_PATTERN });
    c.list(input.Tags, 'tags', {});
    c.check();
    if (!name) throw validationError('Name is required');
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
    const { name, bus } = this.#ruleAddress(input, 'name', input.Name);
    checkBoolean(input.Force, 'force');
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
    const { name, bus } = this.#ruleAddress(input, 'name', input.Name);
    return { ...describeRule(this.#ruleStore.rule(name, bus.name).definition), CreatedBy: this.options.accountId };
  }

  async ListRules(input: Input) {
    const c = new Constraints();
    const prefix = c.string(input.NamePrefix, 'namePrefix', { min: 1, max: 64, pattern: NAME_PATTERN });
    const busName = c.string(input.EventBusName, 'eventBusName', { min: 1, max: 1600, pattern: BUS_NAME_OR_ARN_PATTERN });
    const { limit, token } = paginationInput(input, c);
    c.check();
    const bus = this.#ruleStore.bus(busName ?? 'default');
    const rules = this.#ruleStore.rulesOn(bus.name).filter((r) => r.definition.name.startsWith(prefix ?? ''));
    const { items, nextToken } = page(rules, (r) => r.definition.name, limit, token);
    return { Rules: items.map((r) => describeRule(r.definition)), NextToken: nextToken };
  }

  async ListRuleNamesByTarget(input: Input) {
    const c = new Constraints();
    const targetArn = c.string(input.TargetArn, 'targetArn', { required: true, min: 1, max: 1600 });
    const busName = c.string(input.EventBusName, 'eventBusName', { min: 1, max: 1600, pattern: BUS_NAME_OR_ARN_PATTERN });
    const { limit, token } = paginationInput(input, c);
    c.check();
    const bus = this.#ruleStore.bus(busName ?? 'default');
    const names = this.#ruleStore
      .rulesOn(bus.name)
      .filter((r) => r.definition.targets.some((t) => t.arn === targetArn))
      .map((r) => r.definition.name);
    const { items, nextToken } = page(names, (n) => n, limit, token);
    return { RuleNames: items, NextToken: nextToken };
  }

  async PutTargets(input: Input) {
    const c = new Constraints();
    const ruleName = c.string(input.Rule, 'rule', { required: true, min: 1, max: 64, pattern: NAME_PATTERN });
    const busName = c.string(input.EventBusName, 'eventBusName', { min: 1, max: 1600, pattern: BUS_NAME_OR_ARN_PATTERN });
    const entries = c.list(input.Targets, 'targets', { required: true, min: 1, max: 100 }) ?? [];
    const targets = entries.map((entry, index) => readTarget(c, entry, `targets.${index + 1}.member`));
    c.check();
    entries.forEach((entry, index) => {
      validateTargetInput(entry as Parameters<typeof validateTargetInput>[0], index + 1);
    });
    const rule = this.#ruleStore.rule(ruleName, busName);

    // A target AWS refuses on its own is reported in FailedEntries; the others are still added.
    const failed: { TargetId: string; ErrorCode: string; ErrorMessage: string }[] = [];
    const accepted: TargetDefinition[] = [];
    targets.forEach((target, index) => {
      const problem = targetProblem(target, index + 1);
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
    const c = new Constraints();
    const ruleName = c.string(input.Rule, 'rule', { required: true, min: 1, max: 64, pattern: NAME_PATTERN });
    const busName = c.string(input.EventBusName, 'eventBusName', { min: 1, max: 1600, pattern: BUS_NAME_OR_ARN_PATTERN });
    const ids = c.list(input.Ids, 'ids', { required: true, min: 1, max: 100 }) ?? [];
    ids.forEach((id, index) => {
      c.string(id, `ids.${index + 1}.member`, { required: true, min: 1, max: 64, pattern: NAME_PATTERN });
    });
    checkBoolean(input.Force, 'force');
    c.check();
    const rule = this.#ruleStore.rule(ruleName, busName);
    const remove = new Set(ids as string[]);
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
    const { name, bus, limit, token } = this.#ruleAddress(input, 'rule', input.Rule, true);
    const rule = this.#ruleStore.rule(name, bus.name);
    const { items, nextToken } = page(rule.definition.targets, (t) => t.id, limit, token);
    return { Targets: items.map(describeTarget), NextToken: nextToken };
  }

  async CreateEventBus(input: Input) {
    const c = new Constraints();
    const name = c.string(input.Name, 'name', { required: true, min: 1, max: 256, pattern: BUS_NAME_PATTERN });
    const source = c.string(input.EventSourceName, 'eventSourceName', { min: 1, max: 256 });
    const description = c.string(input.Description, 'description', { max: 512 });
    c.string(input.KmsKeyIdentifier, 'kmsKeyIdentifier', { max: 2048 });
    c.structure(input.DeadLetterConfig, 'deadLetterConfig');
    c.list(input.Tags, 'tags', {});
    c.check();
    if (!name) throw validationError('Name is required');
    if (source !== undefined) throw validationError('Partner event sources (EventSourceName) are not available locally.');
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
    const c = new Constraints();
    const name = c.string(input.Name, 'name', { required: true, min: 1, max: 256, pattern: BUS_NAME_PATTERN });
    c.check();
    if (name === 'default') throw validationError('Cannot delete event bus default.');
    // As in AWS, deleting a bus that does not exist succeeds; the bus's rules go with it.
    if (name !== undefined && this.#ruleStore.hasBus(name)) {
      this.#ruleStore.deleteBus(name);
      this.options.settings.deleted(name);
    }
    return {};
  }

  async DescribeEventBus(input: Input) {
    const c = new Constraints();
    const name = c.string(input.Name, 'name', { min: 1, max: 1600, pattern: BUS_NAME_OR_ARN_PATTERN });
    c.check();
    return this.#describeBus(this.#ruleStore.bus(name ?? 'default'));
  }

  async ListEventBuses(input: Input) {
    const c = new Constraints();
    const prefix = c.string(input.NamePrefix, 'namePrefix', { min: 1, max: 256, pattern: BUS_NAME_PATTERN });
    const { limit, token } = paginationInput(input, c);
    c.check();
    const buses = this.#ruleStore.buses().filter((b) => b.name.startsWith(prefix ?? ''));
    const { items, nextToken } = page(buses, (b) => b.name, limit, token);
    return { EventBuses: items.map((b) => this.#describeBus(b)), NextToken: nextToken };
  }

  #describeBus(bus: BusDefinition) {
    return { Name: bus.name, Arn: bus.arn, Description: bus.description, ...this.options.settings.describe(bus.name) };
  }

  /** PutPermission: a statement added to (or replacing one in) the bus's resource-based policy, or a whole policy. */
  async PutPermission(input: Input) {
    const c = new Constraints();
    const busName = c.string(input.EventBusName, 'eventBusName', { min: 1, max: 256, pattern: BUS_NAME_PATTERN });
    c.string(input.StatementId, 'statementId', { min: 1, max: 64, pattern: STATEMENT_ID_PATTERN });
    c.check();
    const bus = this.#ruleStore.bus(busName ?? 'default');
    this.options.settings.putPermission(bus.name, bus.arn, input);
    return {};
  }

  async RemovePermission(input: Input) {
    const c = new Constraints();
    const busName = c.string(input.EventBusName, 'eventBusName', { min: 1, max: 256, pattern: BUS_NAME_PATTERN });
    c.string(input.StatementId, 'statementId', { min: 1, max: 64, pattern: STATEMENT_ID_PATTERN });
    checkBoolean(input.RemoveAllPermissions, 'removeAllPermissions');
    c.check();
    const bus = this.#ruleStore.bus(busName ?? 'default');
    this.options.settings.removePermission(bus.name, input);
    return {};
  }

  /** Validates a rule's name and bus members (and, for a List call, its page settings). */
  #ruleAddress(input: Input, member: 'name' | 'rule', value: unknown, paged = false) {
    const c = new Constraints();
    const name = c.string(value, member, { required: true, min: 1, max: 64, pattern: NAME_PATTERN });
    const busName = c.string(input.EventBusName, 'eventBusName', { min: 1, max: 1600, pattern: BUS_NAME_OR_ARN_PATTERN });
    const pagination = paged ? paginationInput(input, c) : { limit: undefined, token: undefined };
    c.check();
    return { name: name ?? '', bus: this.#ruleStore.bus(busName ?? 'default'), ...pagination };
  }

  #setState(input: Input, state: 'ENABLED' | 'DISABLED') {
    const { name, bus } = this.#ruleAddress(input, 'name', input.Name);
    const rule: CompiledRule = this.#ruleStore.rule(name, bus.name);
    this.#ruleStore.saveRule({ ...rule.definition, state });
    return {};
  }
}

function checkBoolean(value: unknown, where: string): void {
  if (value !== undefined && value !== null && typeof value !== 'boolean')
    throw new AwsError('SerializationException', `Value at '${where}' must be a boolean`);
}

/** Reads one PutTargets entry, recording its constraint violations. */
function readTarget(c: Constraints, entry: unknown, at: string): TargetDefinition {
  const t = c.structure(entry, at) ?? {};
  // The Id's pattern and length are checked per target (targetProblem).
  const id = c.string(t.Id, `${at}.id`, { required: true, min: 1 }) ?? '';
  const arn = c.string(t.Arn, `${at}.arn`, { required: true, min: 1, max: 1600 }) ?? '';
  const roleArn = c.string(t.RoleArn, `${at}.roleArn`, { min: 1, max: 1600 });
  const input = c.string(t.Input, `${at}.input`, {});
  const inputPath = c.string(t.InputPath, `${at}.inputPath`, {});
  const transformer = c.structure(t.InputTransformer, `${at}.inputTransformer`);
  const retry = c.structure(t.RetryPolicy, `${at}.retryPolicy`);
  const maximumRetryAttempts = c.integer(retry?.MaximumRetryAttempts, `${at}.retryPolicy.maximumRetryAttempts`, { min: 0, max: 185 });
  const maximumEventAgeInSeconds = c.integer(retry?.MaximumEventAgeInSeconds, `${at}.retryPolicy.maximumEventAgeInSeconds`, {
    min: 60,
    max: 86_400,
  });
  const deadLetter = c.structure(t.DeadLetterConfig, `${at}.deadLetterConfig`);
  const deadLetterArn = c.string(deadLetter?.Arn, `${at}.deadLetterConfig.arn`, { min: 1, max: 1600 });
  const sqs = c.structure(t.SqsParameters, `${at}.sqsParameters`);
  const messageGroupId = c.string(sqs?.MessageGroupId, `${at}.sqsParameters.messageGroupId`, { max: 100 });
  const kinesis = c.structure(t.KinesisParameters, `${at}.kinesisParameters`);
  const partitionKeyPath = c.string(kinesis?.PartitionKeyPath, `${at}.kinesisParameters.partitionKeyPath`, {
    required: kinesis !== undefined,
    max: 256,
  });
  return {
    id,
    arn,
    roleArn,
    input,
    inputPath,
    inputTransformer: transformer as TargetDefinition['inputTransformer'],
    retryPolicy: retry ? { maximumRetryAttempts, maximumEventAgeInSeconds } : undefined,
    deadLetterArn,
    messageGroupId,
    partitionKeyPath,
  };
}

/**
 * Why PutTargets refuses this one target (an entry of FailedEntries), if it does: the
 * Id's constraints and the checks of its ARN are made per target, as AWS answers them.
 * @param position the target's 1-based position in the request
 */
function targetProblem(target: TargetDefinition, position: number): string | undefined {
  const at = `targets.${position}.member.id`;
  if (!NAME_PATTERN.regex.test(target.id))
    return `Value '${target.id}' at '${at}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN.text}`;
  if (target.id.length > 64)
    return `Value '${target.id}' at '${at}' failed to satisfy constraint: Member must have length less than or equal to 64`;
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
  };
}
