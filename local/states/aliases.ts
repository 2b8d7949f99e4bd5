import type { DatabaseSync } from 'node:sqlite';
import { AwsError, validationError } from '../endpoint/aws-error.js';
import { JsonTable } from '../store/json-table.js';
import type { Clock } from '../time/clock.js';
import type { StateMachineRecord } from './execution-store.js';
import { baseStateMachineArn, type PageCursor, pageOf, parseStateMachineArn, qualifierKind, required, seconds } from './names.js';
import type { VersionRecord } from './versions.js';

/** One version an alias routes to, and the share of its executions (a percentage). */
export interface RoutingItem {
  readonly stateMachineVersionArn: string;
  readonly weight: number;
}

/** A state machine alias: a name for one or two of its versions, with their weights. */
export interface AliasRecord {
  readonly stateMachineAliasArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly description?: string;
  readonly routingConfiguration: readonly RoutingItem[];
  /** Epoch ms. */
  readonly creationDate: number;
  readonly updateDate: number;
}

/** An `AWS::StepFunctions::StateMachineAlias` of the template, its versions resolved. */
export interface AliasTemplate {
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
  readonly routingConfiguration: readonly RoutingItem[];
}

const notFound = () => new AwsError('ResourceNotFound', 'Request references a resource that does not exist.');

/**
 * State machine aliases (CreateStateMachineAlias and the rest, the template's
 * `AWS::StepFunctions::StateMachineAlias`), kept in the data folder. StartExecution on an
 * alias runs one of its versions, chosen at random by weight.
 */
export class StateMachineAliases {
  readonly #aliases: JsonTable<AliasRecord>;

  constructor(
    private readonly deps: {
      readonly db: DatabaseSync;
      readonly clock: Clock;
      readonly machine: (arn: string) => StateMachineRecord | undefined;
      readonly version: (versionArn: string) => VersionRecord | undefined;
      /** A number in [0, 1): which version an execution through a two-version alias runs. @default Math.random */
      readonly random?: () => number;
    },
  ) {
    this.#aliases = new JsonTable(deps.db, 'sfn_aliases', 'arn');
  }

  get(aliasArn: string): AliasRecord | undefined {
    return this.#aliases.get(aliasArn);
  }

  /** A machine's aliases, oldest first (as AWS's recorded ListStateMachineAliases answers list them). */
  of(machineArn: string): AliasRecord[] {
    return this.#aliases
      .all()
      .filter((a) => a.stateMachineArn === machineArn)
      .sort((a, b) => a.creationDate - b.creationDate || a.name.localeCompare(b.name));
  }

  /** The names of the aliases that route to a version. */
  referencing(versionArn: string): string[] {
    const machineArn = baseStateMachineArn(versionArn);
    return this.of(machineArn)
      .filter((a) => a.routingConfiguration.some((r) => r.stateMachineVersionArn === versionArn))
      .map((a) => a.name);
  }

  /** The version an execution through the alias runs: by weight, at random. */
  pick(alias: AliasRecord): string {
    let point = (this.deps.random ?? Math.random)() * 100;
    for (const item of alias.routingConfiguration) {
      point -= item.weight;
      if (point < 0) return item.stateMachineVersionArn;
    }
    return (alias.routingConfiguration.find((r) => r.weight > 0) ?? alias.routingConfiguration[0])?.stateMachineVersionArn ?? '';
  }

  /** Forgets a deleted machine's aliases. */
  forget(machineArn: string): void {
    for (const alias of this.of(machineArn)) this.#aliases.delete(alias.stateMachineAliasArn);
  }

  /** Registers the template's aliases, as a deployment creates or updates them. */
  declare(aliases: readonly AliasTemplate[]): void {
    const now = this.deps.clock.now();
    for (const alias of aliases) {
      const existing = this.#aliases.get(alias.arn);
      this.#aliases.put(alias.arn, {
        stateMachineAliasArn: alias.arn,
        stateMachineArn: baseStateMachineArn(alias.arn),
        name: alias.name,
        description: alias.description,
        routingConfiguration: alias.routingConfiguration,
        creationDate: existing?.creationDate ?? now,
        updateDate: existing && sameAlias(existing, alias) ? existing.updateDate : now,
      });
    }
  }

  /** Idempotent: the same name, description and routing again answer the alias; a different one is a conflict. */
  async CreateStateMachineAlias(input: { name?: string; description?: string; routingConfiguration?: RoutingItem[] }) {
    const name = required(input.name, 'name');
    const routing = this.#routing(required(input.routingConfiguration, 'routingConfiguration'));
    const machineArn = baseStateMachineArn((routing[0] as RoutingItem).stateMachineVersionArn);
    const arn = `${machineArn}:${name}`;
    const existing = this.#aliases.get(arn);
    if (existing) {
      if (!sameAlias(existing, { description: input.description, routingConfiguration: routing })) {
        throw new AwsError(
          'ConflictException',
          'Failed to create alias because an alias with the same name and a different routing configuration already exists.',
        );
      }
      return { stateMachineAliasArn: arn, creationDate: seconds(existing.creationDate) };
    }
    const now = this.deps.clock.now();
    const record: AliasRecord = {
      stateMachineAliasArn: arn,
      stateMachineArn: machineArn,
      name,
      description: input.description,
      routingConfiguration: routing,
      creationDate: now,
      updateDate: now,
    };
    this.#aliases.put(arn, record);
    return { stateMachineAliasArn: arn, creationDate: seconds(now) };
  }

  async DescribeStateMachineAlias(input: { stateMachineAliasArn?: string }) {
    const alias = this.#get(required(input.stateMachineAliasArn, 'stateMachineAliasArn'));
    return {
      stateMachineAliasArn: alias.stateMachineAliasArn,
      name: alias.name,
      description: alias.description,
      routingConfiguration: alias.routingConfiguration,
      creationDate: seconds(alias.creationDate),
      updateDate: seconds(alias.updateDate),
    };
  }

  async UpdateStateMachineAlias(input: { stateMachineAliasArn?: string; description?: string; routingConfiguration?: RoutingItem[] }) {
    const alias = this.#get(required(input.stateMachineAliasArn, 'stateMachineAliasArn'));
    if (input.description === undefined && input.routingConfiguration === undefined) {
      throw validationError('Either the description or the routingConfiguration must be specified');
    }
    const routing = input.routingConfiguration === undefined ? alias.routingConfiguration : this.#routing(input.routingConfiguration);
    if (routing.some((r) => baseStateMachineArn(r.stateMachineVersionArn) !== alias.stateMachineArn)) {
      throw validationError(`Routing configuration must contain versions of the alias's state machine ${alias.stateMachineArn}`);
    }
    const updated: AliasRecord = {
      ...alias,
      description: input.description ?? alias.description,
      routingConfiguration: routing,
      updateDate: this.deps.clock.now(),
    };
    this.#aliases.put(alias.stateMachineAliasArn, updated);
    return { updateDate: seconds(updated.updateDate) };
  }

  /** Deleting an alias that does not exist succeeds, as on AWS; its versions stay. */
  async DeleteStateMachineAlias(input: { stateMachineAliasArn?: string }) {
    const arn = required(input.stateMachineAliasArn, 'stateMachineAliasArn');
    aliasName(arn);
    this.#aliases.delete(arn);
    return {};
  }

  /** A machine's aliases, or a version's (the aliases that route to it). */
  async ListStateMachineAliases(input: { stateMachineArn?: string; maxResults?: number; nextToken?: string }) {
    const arn = required(input.stateMachineArn, 'stateMachineArn');
    const machineArn = baseStateMachineArn(arn);
    if (!this.deps.machine(machineArn) || (arn !== machineArn && !this.deps.version(arn)))
      throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    const all = this.of(machineArn).filter(
      (a) => arn === machineArn || a.routingConfiguration.some((r) => r.stateMachineVersionArn === arn),
    );
    // After the alias the token names; from the first again when it was deleted meanwhile.
    const cursor: PageCursor<AliasRecord, string> = {
      positionOf: (a) => a.stateMachineAliasArn,
      start: (items, after) => items.findIndex((a) => a.stateMachineAliasArn === after) + 1,
    };
    const { page, nextToken } = pageOf(all, input, `aliases|${arn}`, cursor);
    return {
      stateMachineAliases: page.map((a) => ({ stateMachineAliasArn: a.stateMachineAliasArn, creationDate: seconds(a.creationDate) })),
      nextToken,
    };
  }

  /**
   * A routing configuration as AWS checks it (its recorded answers give the texts): version
   * ARNs only, each once, of one state machine, the weights adding up to 100, the versions there.
   */
  #routing(items: readonly RoutingItem[]): RoutingItem[] {
    const arns = items.map((r) => r.stateMachineVersionArn);
    const received = `Received: [${arns.join(', ')}]`;
    const versionArns = arns.every((arn) => {
      const { qualifier } = parseStateMachineArn(arn);
      return qualifier !== undefined && qualifierKind(qualifier) === 'version';
    });
    if (!versionArns) throw validationError(`Routing configuration must contain state machine version ARNs. ${received}`);
    if (new Set(arns).size !== arns.length)
      throw validationError(`Routing configuration must contain distinct state machine version ARNs. ${received}`);
    if (new Set(arns.map(baseStateMachineArn)).size > 1)
      throw validationError(`Routing configuration must contain versions of one state machine. ${received}`);
    const weights = items.map((r) => r.weight);
    if (weights.reduce((sum, w) => sum + w, 0) !== 100)
      throw validationError(`Sum of routing configuration weights must equal 100. Received: [${weights.join(', ')}]`);
    if (arns.some((arn) => !this.deps.version(arn))) throw notFound();
    return items.map((r) => ({ stateMachineVersionArn: r.stateMachineVersionArn, weight: r.weight }));
  }

  #get(arn: string): AliasRecord {
    aliasName(arn);
    const alias = this.#aliases.get(arn);
    if (!alias) throw notFound();
    return alias;
  }
}

/** An alias ARN's name: a state machine ARN whose qualifier is not a version number; else InvalidArn. */
function aliasName(arn: string): string {
  const { qualifier } = parseStateMachineArn(arn);
  if (qualifier === undefined || qualifierKind(qualifier) !== 'alias') throw new AwsError('InvalidArn', `Invalid Arn: '${arn}'`);
  return qualifier;
}

function sameAlias(
  a: Pick<AliasRecord, 'description' | 'routingConfiguration'>,
  b: Pick<AliasRecord, 'description' | 'routingConfiguration'>,
) {
  return a.description === b.description && JSON.stringify(a.routingConfiguration) === JSON.stringify(b.routingConfiguration);
}
