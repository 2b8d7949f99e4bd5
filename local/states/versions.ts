import type { DatabaseSync } from 'node:sqlite';
import { AwsError, validationError } from '../endpoint/aws-error.js';
import { JsonTable } from '../store/json-table.js';
import type { Clock } from '../time/clock.js';
import type { StateMachineRecord, StateMachineType } from './execution-store.js';
import { afterKey, pageOf, parseStateMachineArn, qualifierKind, required, seconds } from './names.js';

/** A published version: an immutable copy of one revision of its state machine. */
export interface VersionRecord {
  readonly stateMachineVersionArn: string;
  readonly stateMachineArn: string;
  readonly version: number;
  readonly name: string;
  readonly type: StateMachineType;
  readonly definition: string;
  readonly roleArn: string;
  /** JSON text, as the machine keeps it. */
  readonly loggingConfiguration?: string;
  readonly tracingConfiguration?: string;
  readonly description?: string;
  /** The revision it copies; none for a machine's first revision (AWS's `INITIAL`). */
  readonly revisionId?: string;
  /** Epoch ms. */
  readonly creationDate: number;
}

/** The revision id PublishStateMachineVersion and the template's versions name a machine's first revision by. */
export const INITIAL_REVISION = 'INITIAL';

/**
 * State machine versions (PublishStateMachineVersion, CreateStateMachine's and
 * UpdateStateMachine's `publish`, the template's `AWS::StepFunctions::StateMachineVersion`),
 * kept in the data folder. Numbers count up per machine and are never given twice, even after
 * a version is deleted; publishing a revision that has a version answers that version.
 */
export class StateMachineVersions {
  readonly #versions: JsonTable<VersionRecord>;
  /** The last number each machine gave a version. */
  readonly #counters: JsonTable<{ readonly last: number }>;

  constructor(
    private readonly deps: {
      readonly db: DatabaseSync;
      readonly clock: Clock;
      /** The (unqualified) state machine an ARN names. */
      readonly machine: (arn: string) => StateMachineRecord | undefined;
      /** The names of the aliases that route to a version. */
      readonly aliasesOf: (versionArn: string) => string[];
    },
  ) {
    this.#versions = new JsonTable(deps.db, 'sfn_versions', 'arn');
    this.#counters = new JsonTable(deps.db, 'sfn_version_counters', 'arn');
  }

  /** Publishes the machine's current revision: a new number, unless that revision has a version already. */
  publish(machine: StateMachineRecord, description?: string): { stateMachineVersionArn: string; creationDate: number } {
    const existing = this.of(machine.arn).find((v) => v.revisionId === machine.revisionId);
    if (existing) return published(existing);
    const version = (this.#counters.get(machine.arn)?.last ?? 0) + 1;
    const record = versionOf(machine, version, description, this.deps.clock.now());
    this.#counters.put(machine.arn, { last: version });
    this.#versions.put(record.stateMachineVersionArn, record);
    return published(record);
  }

  /**
   * The template's versions of a machine: version 1, the machine as the template deploys it
   * (a deployment of the template publishes its machine's first revision, and every version
   * resource of one machine publishes that same revision). A reload publishes it again over
   * the machine's new definition, as the template's version always names the template's machine.
   */
  declare(machine: StateMachineRecord, description: string | undefined): void {
    const existing = this.#versions.get(`${machine.arn}:1`);
    const record = versionOf(machine, 1, description, existing?.creationDate ?? this.deps.clock.now());
    this.#versions.put(record.stateMachineVersionArn, record);
    this.#counters.put(machine.arn, { last: Math.max(1, this.#counters.get(machine.arn)?.last ?? 0) });
  }

  get(versionArn: string): VersionRecord | undefined {
    return this.#versions.get(versionArn);
  }

  /** A machine's versions, newest first. */
  of(machineArn: string): VersionRecord[] {
    return this.#versions
      .all()
      .filter((v) => v.stateMachineArn === machineArn)
      .sort((a, b) => b.version - a.version);
  }

  /** Forgets a deleted machine's versions and their numbering. */
  forget(machineArn: string): void {
    for (const version of this.of(machineArn)) this.#versions.delete(version.stateMachineVersionArn);
    this.#counters.delete(machineArn);
  }

  /** `revisionId` publishes only if it is still the machine's current revision (`INITIAL` for its first). */
  async PublishStateMachineVersion(input: { stateMachineArn?: string; revisionId?: string; description?: string }) {
    const arn = required(input.stateMachineArn, 'stateMachineArn');
    parseStateMachineArn(arn);
    const machine = this.deps.machine(arn);
    if (!machine) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    const current = machine.revisionId ?? INITIAL_REVISION;
    if (input.revisionId !== undefined && input.revisionId !== current) {
      throw new AwsError(
        'ConflictException',
        `Failed to publish the State Machine version for revision ${input.revisionId}. The current State Machine revision is ${current}.`,
      );
    }
    const answer = this.publish(machine, input.description);
    return { stateMachineVersionArn: answer.stateMachineVersionArn, creationDate: seconds(answer.creationDate) };
  }

  async ListStateMachineVersions(input: { stateMachineArn?: string; maxResults?: number; nextToken?: string }) {
    const arn = required(input.stateMachineArn, 'stateMachineArn');
    parseStateMachineArn(arn);
    // Newest first: the next page starts below the last version listed.
    const cursor = afterKey<VersionRecord, number>(
      (v) => v.version,
      (v, before) => v.version < before,
    );
    const { page, nextToken } = pageOf(this.of(arn), input, `versions|${arn}`, cursor);
    return {
      stateMachineVersions: page.map((v) => ({ stateMachineVersionArn: v.stateMachineVersionArn, creationDate: seconds(v.creationDate) })),
      nextToken,
    };
  }

  /** Deleting a version that does not exist succeeds, as on AWS; one an alias routes to is refused. */
  async DeleteStateMachineVersion(input: { stateMachineVersionArn?: string }) {
    const arn = required(input.stateMachineVersionArn, 'stateMachineVersionArn');
    const { qualifier } = parseStateMachineArn(arn);
    if (qualifier === undefined || qualifierKind(qualifier) !== 'version') {
      throw validationError(`'${arn}' is not a state machine version ARN: it must end in ':<version number>'`);
    }
    const aliases = this.deps.aliasesOf(arn);
    if (aliases.length > 0) {
      throw new AwsError(
        'ConflictException',
        `Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [${aliases.join(', ')}]`,
      );
    }
    this.#versions.delete(arn);
    return {};
  }
}

function versionOf(machine: StateMachineRecord, version: number, description: string | undefined, creationDate: number): VersionRecord {
  return {
    stateMachineVersionArn: `${machine.arn}:${version}`,
    stateMachineArn: machine.arn,
    version,
    name: machine.name,
    type: machine.type,
    definition: machine.definition,
    roleArn: machine.roleArn,
    loggingConfiguration: machine.loggingConfiguration,
    tracingConfiguration: machine.tracingConfiguration,
    description,
    revisionId: machine.revisionId,
    creationDate,
  };
}

const published = (v: VersionRecord) => ({ stateMachineVersionArn: v.stateMachineVersionArn, creationDate: v.creationDate });

/** A version as DescribeStateMachine shows it: its own ARN, creation date, revision and description, like a machine's. */
export function versionAsMachine(v: VersionRecord): StateMachineRecord {
  return {
    arn: v.stateMachineVersionArn,
    name: v.name,
    type: v.type,
    definition: v.definition,
    roleArn: v.roleArn,
    loggingConfiguration: v.loggingConfiguration,
    tracingConfiguration: v.tracingConfiguration,
    description: v.description,
    creationDate: v.creationDate,
    revisionId: v.revisionId,
  };
}
