import { randomUUID } from 'node:crypto';
import { AwsError, validationError } from '../endpoint/aws-error.js';
import type { Clock } from '../time/clock.js';
import type { StateMachineAliases } from './aliases.js';
import { AWS_OWNED_KEY, machineType } from './api-input.js';
import type { DefinitionCompiler } from './definition-compiler.js';
import type { StateMachineTemplate } from './definitions.js';
import type { Machine } from './engine/index.js';
import type { ExecutionLogging } from './execution-logging.js';
import type { ExecutionStore, StateMachineRecord, StateMachineType } from './execution-store.js';
import {
  assertValidName,
  BY_NAME,
  baseStateMachineArn,
  byName,
  pageOf,
  parseStateMachineArn,
  qualifierKind,
  required,
  seconds,
} from './names.js';
import type { StatesTag, StatesTags } from './resource-tags.js';
import { variableReferences } from './variable-references.js';
import { type StateMachineVersions, versionAsMachine } from './versions.js';

/**
 * What an ARN given to StartExecution names: the machine, and what an execution of it runs
 * (the version's definition and role for a version's or an alias's ARN), with the version and
 * alias the execution records.
 */
export interface ExecutionTarget {
  readonly machine: StateMachineRecord;
  readonly definition: string;
  readonly roleArn: string;
  readonly stateMachineVersionArn?: string;
  readonly stateMachineAliasArn?: string;
}

export interface CreateStateMachineInput {
  name?: string;
  definition?: string;
  roleArn?: string;
  type?: string;
  loggingConfiguration?: unknown;
  tracingConfiguration?: unknown;
  tags?: Partial<StatesTag>[];
  publish?: boolean;
  versionDescription?: string;
}

export interface UpdateStateMachineInput {
  stateMachineArn?: string;
  definition?: string;
  roleArn?: string;
  loggingConfiguration?: unknown;
  tracingConfiguration?: unknown;
  publish?: boolean;
  versionDescription?: string;
}

export interface ValidateStateMachineDefinitionInput {
  definition?: string;
  type?: string;
  severity?: string;
  maxResults?: number;
}

/**
 * The state machines: the template's, registered at every start as a deployment would,
 * and those created through the API, all persisted. Operations on executions find their
 * machine here, and the version or alias a qualified ARN names. A change of a machine's
 * definition, role, logging or tracing is a new revision (a new `revisionId`); publishing
 * copies the current revision into a version (versions.ts).
 */
export class StateMachineRegistry {
  readonly #machines = new Map<string, StateMachineRecord>();
  /** Template machines' problems by ARN: StartExecution's InvalidDefinition names the resource (it never deploys on AWS). */
  readonly #problems = new Map<string, string>();

  constructor(
    private readonly deps: {
      readonly store: ExecutionStore;
      readonly compiler: DefinitionCompiler;
      readonly clock: Clock;
      readonly region: string;
      readonly accountId: string;
      readonly versions: StateMachineVersions;
      readonly aliases: StateMachineAliases;
      readonly tags: StatesTags;
      /** Checks a logging configuration against the log groups there are, and opens its group's delivery check stream. */
      readonly logging: ExecutionLogging;
      readonly log?: (line: string) => void;
    },
  ) {
    for (const machine of deps.store.stateMachines()) this.#machines.set(machine.arn, machine);
  }

  /** The machine an unqualified ARN names (a version's or alias's ARN names none: UpdateStateMachine refuses them so). */
  get(arn: string): StateMachineRecord {
    parseStateMachineArn(arn);
    const machine = this.#machines.get(arn);
    if (!machine) throw doesNotExist(arn);
    return machine;
  }

  /** What StartExecution (and ListExecutions) given this ARN runs: the machine, one of its versions, or an alias's pick. */
  target(arn: string, pick = true): ExecutionTarget {
    const { qualifier } = parseStateMachineArn(arn);
    const machine = this.#machines.get(baseStateMachineArn(arn));
    if (!machine) throw doesNotExist(arn);
    if (qualifier === undefined) return { machine, definition: machine.definition, roleArn: machine.roleArn };
    const alias = qualifierKind(qualifier) === 'alias' ? this.deps.aliases.get(arn) : undefined;
    if (qualifierKind(qualifier) === 'alias' && !alias) throw doesNotExist(arn);
    const versionArn = alias ? (pick ? this.deps.aliases.pick(alias) : undefined) : arn;
    const version = versionArn === undefined ? undefined : this.deps.versions.get(versionArn);
    if (versionArn !== undefined && !version) throw doesNotExist(arn);
    return {
      machine,
      definition: version?.definition ?? machine.definition,
      roleArn: version?.roleArn ?? machine.roleArn,
      stateMachineVersionArn: versionArn,
      stateMachineAliasArn: alias?.stateMachineAliasArn,
    };
  }

  /** Every machine, the template's and those created through the API. */
  records(): StateMachineRecord[] {
    return [...this.#machines.values()];
  }

  /** The machine an execution started from, if it has not been deleted since. */
  find(arn: string): StateMachineRecord | undefined {
    return this.#machines.get(arn);
  }

  registerDeclared(declared: StateMachineTemplate): void {
    const { store, clock } = this.deps;
    const type = declared.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD';
    const existing = this.#machines.get(declared.arn);
    const record: StateMachineRecord = {
      arn: declared.arn,
      name: declared.name,
      type,
      definition: declared.definition,
      roleArn: declared.roleArn ?? '',
      loggingConfiguration:
        declared.loggingConfiguration === undefined ? existing?.loggingConfiguration : JSON.stringify(declared.loggingConfiguration),
      tracingConfiguration: existing?.tracingConfiguration,
      creationDate: existing?.creationDate ?? clock.now(),
      updateDate: existing && existing.definition !== declared.definition ? clock.now() : existing?.updateDate,
      revisionId: existing?.revisionId,
    };
    for (const other of this.#machines.values()) if (other.name === record.name && other.arn !== record.arn) this.#forget(other.arn);
    store.putStateMachine(record);
    this.#machines.set(record.arn, record);
    if (declared.problem !== undefined) {
      // The start-up report says it already.
      this.#problems.set(declared.arn, declared.problem);
      return;
    }
    this.#problems.delete(declared.arn);
    try {
      JSON.parse(declared.definition);
    } catch (error) {
      this.deps.log?.(`state machine ${declared.name}: the definition is not JSON (${(error as Error).message})`);
    }
  }

  /**
   * Compiles a machine's definition for an execution; the InvalidDefinition of a template
   * machine whose definition would not deploy names the template resource and why.
   */
  compileFor(machineArn: string, definition: string, type: StateMachineType): Machine {
    try {
      return this.deps.compiler.compile(definition, type);
    } catch (error) {
      const problem = this.#problems.get(machineArn);
      if (problem === undefined || !(error instanceof AwsError) || error.code !== 'InvalidDefinition') throw error;
      throw new AwsError('InvalidDefinition', `${error.message} (${problem})`, 400, { cause: error });
    }
  }

  async CreateStateMachine(input: CreateStateMachineInput) {
    const name = required(input.name, 'name');
    const definition = required(input.definition, 'definition');
    const roleArn = required(input.roleArn, 'roleArn');
    assertValidName(name);
    checkVersionDescription(input);
    const type = machineType(input.type);
    this.deps.compiler.validate(definition, type);
    const logging = this.deps.logging.check(input.loggingConfiguration);
    const arn = `arn:aws:states:${this.deps.region}:${this.deps.accountId}:stateMachine:${name}`;
    const tracing = input.tracingConfiguration === undefined ? undefined : JSON.stringify(input.tracingConfiguration);
    const existing = [...this.#machines.values()].find((m) => m.name === name);
    if (existing) {
      // CreateStateMachine is idempotent: the same request again answers the same machine.
      const same =
        existing.definition === definition &&
        existing.roleArn === roleArn &&
        existing.type === type &&
        existing.loggingConfiguration === logging;
      if (!same) throw new AwsError('StateMachineAlreadyExists', `State Machine Already Exists: '${existing.arn}'`);
      return { stateMachineArn: existing.arn, creationDate: seconds(existing.creationDate), ...this.#published(existing, input) };
    }
    const record: StateMachineRecord = {
      arn,
      name,
      type,
      definition,
      roleArn,
      loggingConfiguration: logging,
      tracingConfiguration: tracing,
      creationDate: this.deps.clock.now(),
    };
    this.deps.store.putStateMachine(record);
    this.#machines.set(arn, record);
    this.deps.tags.tag(arn, input.tags);
    this.deps.logging.configured(logging);
    return { stateMachineArn: arn, creationDate: seconds(record.creationDate), ...this.#published(record, input) };
  }

  /** The version `publish` makes of the machine's current revision (CreateStateMachine, UpdateStateMachine). */
  #published(machine: StateMachineRecord, input: { publish?: boolean; versionDescription?: string }) {
    if (input.publish !== true) return {};
    return { stateMachineVersionArn: this.deps.versions.publish(machine, input.versionDescription).stateMachineVersionArn };
  }

  /** A version's ARN describes that version; an alias's names no state machine here. */
  async DescribeStateMachine(input: { stateMachineArn?: string; includedData?: string }) {
    const arn = required(input.stateMachineArn, 'stateMachineArn');
    const { qualifier } = parseStateMachineArn(arn);
    if (qualifier === undefined) return describeMachine(this.get(arn));
    const version = qualifierKind(qualifier) === 'version' ? this.deps.versions.get(arn) : undefined;
    if (!version || !this.#machines.has(version.stateMachineArn)) throw doesNotExist(arn);
    return describeMachine(versionAsMachine(version));
  }

  async ListStateMachines(input: { maxResults?: number; nextToken?: string }) {
    const { page, nextToken } = pageOf([...this.#machines.values()].sort(byName), input, 'state-machines', BY_NAME);
    return {
      stateMachines: page.map((m) => ({ stateMachineArn: m.arn, name: m.name, type: m.type, creationDate: seconds(m.creationDate) })),
      nextToken,
    };
  }

  async UpdateStateMachine(input: UpdateStateMachineInput) {
    const machine = this.get(required(input.stateMachineArn, 'stateMachineArn'));
    if (
      input.definition === undefined &&
      input.roleArn === undefined &&
      input.loggingConfiguration === undefined &&
      input.tracingConfiguration === undefined
    ) {
      throw new AwsError(
        'MissingRequiredParameter',
        'Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified',
      );
    }
    if (input.definition !== undefined) this.deps.compiler.validate(input.definition, machine.type);
    const logging = this.deps.logging.check(input.loggingConfiguration);
    checkVersionDescription(input);
    const changes = {
      definition: input.definition ?? machine.definition,
      roleArn: input.roleArn ?? machine.roleArn,
      loggingConfiguration: logging ?? machine.loggingConfiguration,
      tracingConfiguration:
        input.tracingConfiguration === undefined ? machine.tracingConfiguration : JSON.stringify(input.tracingConfiguration),
    };
    // An update that changes nothing is no new revision (AWS's recorded answers: no revisionId, the same version published).
    const changed = (Object.keys(changes) as (keyof typeof changes)[]).some((key) => changes[key] !== machine[key]);
    const updated: StateMachineRecord = changed
      ? { ...machine, ...changes, updateDate: this.deps.clock.now(), revisionId: randomUUID() }
      : machine;
    if (changed) {
      this.deps.store.putStateMachine(updated);
      this.#machines.set(updated.arn, updated);
    }
    this.deps.logging.configured(logging);
    return {
      updateDate: seconds(updated.updateDate ?? updated.creationDate),
      revisionId: updated.revisionId,
      ...this.#published(updated, input),
    };
  }

  /** Running executions keep running: each carries the definition it started with. */
  async DeleteStateMachine(input: { stateMachineArn?: string }) {
    const arn = required(input.stateMachineArn, 'stateMachineArn');
    parseStateMachineArn(arn);
    this.#forget(arn);
    return {};
  }

  /** A machine goes with its versions and aliases (DeleteStateMachine: "This API action also deletes all versions and aliases"). */
  #forget(arn: string): void {
    this.deps.store.deleteStateMachine(arn);
    this.#machines.delete(arn);
    this.#problems.delete(arn);
    this.deps.aliases.forget(arn);
    this.deps.versions.forget(arn);
    this.deps.tags.forget(arn);
  }

  async ValidateStateMachineDefinition(input: ValidateStateMachineDefinitionInput) {
    const definition = required(input.definition, 'definition');
    try {
      this.deps.compiler.validate(definition, machineType(input.type));
      return { result: 'OK', diagnostics: [], truncated: false };
    } catch (error) {
      if (!(error instanceof AwsError) || error.code !== 'InvalidDefinition') throw error;
      const m = /^Invalid State Machine Definition: '([A-Z_]+): ([\s\S]*?)(?: at (\/[^']*))?'$/.exec(error.message);
      const diagnostic: Record<string, string> = {
        severity: 'ERROR',
        code: m?.[1] ?? 'SCHEMA_VALIDATION_FAILED',
        message: m?.[2] ?? error.message,
      };
      // Jackson's message ends with its location, which the diagnostic repeats
      const location = m?.[3] ?? /\n at (\[Source: [\s\S]*\])$/.exec(diagnostic.message as string)?.[1];
      if (location) diagnostic.location = location;
      return { result: 'FAIL', diagnostics: [diagnostic], truncated: false };
    }
  }
}

const doesNotExist = (arn: string) => new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);

/** `versionDescription` is for the version `publish` makes (AWS's recorded answer when it is given alone). */
function checkVersionDescription(input: { publish?: boolean; versionDescription?: string }): void {
  if (input.versionDescription !== undefined && input.publish !== true)
    throw validationError('Version description can only be set when publish is true');
}

export function describeMachine(m: StateMachineRecord) {
  return {
    stateMachineArn: m.arn,
    name: m.name,
    status: 'ACTIVE',
    definition: m.definition,
    roleArn: m.roleArn,
    type: m.type,
    creationDate: seconds(m.creationDate),
    loggingConfiguration: m.loggingConfiguration
      ? (JSON.parse(m.loggingConfiguration) as unknown)
      : { level: 'OFF', includeExecutionData: false },
    tracingConfiguration: m.tracingConfiguration ? (JSON.parse(m.tracingConfiguration) as unknown) : { enabled: false },
    revisionId: m.revisionId,
    description: m.description,
    encryptionConfiguration: AWS_OWNED_KEY,
    variableReferences: variableReferences(m.definition),
  };
}
