import type { DatabaseSync } from 'node:sqlite';
import { AwsError, validationError } from '../endpoint/aws-error.js';
import { JsonTable } from '../store/json-table.js';
import type { Clock } from '../time/clock.js';

/** A statement of a bus's resource-based policy, as DescribeEventBus shows it. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly [member: string]: unknown;
}

/** What a bus keeps besides its definition: when it was created and changed, and its resource-based policy. */
interface BusState {
  readonly creationTime: number;
  readonly lastModifiedTime: number;
  readonly statements?: readonly PolicyStatement[];
}

/** A statement a template's AWS::Events::EventBusPolicy declares. */
export interface TemplateBusPolicy {
  readonly busName: string;
  readonly statement: PolicyStatement;
}

const PRINCIPAL = /^(\d{12}|\*)$/;

/**
 * Each bus's creation and modification times and resource-based policy (PutPermission,
 * RemovePermission, a template's AWS::Events::EventBusPolicy), kept in SQLite by bus name.
 * Every change of a policy is told to `onPolicyChange` (IAM evaluates PutEvents against it).
 */
export class BusSettings {
  readonly #table: JsonTable<BusState>;

  constructor(
    db: DatabaseSync,
    private readonly clock: Clock,
    private readonly region: string,
    private readonly accountId: string,
    private readonly onPolicyChange: (busArn: string, policy: string | undefined) => void = () => {},
  ) {
    this.#table = new JsonTable(db, 'bus_settings', 'name');
  }

  /** A bus's state, recording now as its creation time the first time a bus is seen (the default bus, a template's). */
  #state(name: string): BusState {
    const kept = this.#table.get(name);
    if (kept) return kept;
    const now = this.clock.now();
    const state = { creationTime: now, lastModifiedTime: now };
    this.#table.put(name, state);
    return state;
  }

  #save(name: string, state: BusState): void {
    const before = this.#policyOf(name);
    this.#table.put(name, { ...state, lastModifiedTime: this.clock.now() });
    this.#changed(name, before);
  }

  /** The bus's policy document as DescribeEventBus gives it, if it has statements. */
  #policyOf(name: string): string | undefined {
    const statements = this.#table.get(name)?.statements;
    return statements?.length ? JSON.stringify({ Version: '2012-10-17', Statement: statements }) : undefined;
  }

  #changed(name: string, before: string | undefined): void {
    const after = this.#policyOf(name);
    if (after !== before) this.onPolicyChange(this.#arn(name), after);
  }

  #arn(name: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:event-bus/${name}`;
  }

  /** Every bus's policy that has statements, by bus ARN (what a restart tells IAM again). */
  policies(): { busArn: string; policy: string }[] {
    return this.#table.entries().flatMap(([name]) => {
      const policy = this.#policyOf(name);
      return policy === undefined ? [] : [{ busArn: this.#arn(name), policy }];
    });
  }

  /** Starts a new bus's record (CreateEventBus): a bus created again after a delete starts afresh. */
  created(name: string): void {
    const before = this.#policyOf(name);
    this.#table.delete(name);
    this.#state(name);
    this.#changed(name, before);
  }

  /** Forgets a deleted bus (and its policy). */
  deleted(name: string): void {
    const before = this.#policyOf(name);
    this.#table.delete(name);
    this.#changed(name, before);
  }

  /** CreationTime, LastModifiedTime and Policy as DescribeEventBus and ListEventBuses give them. */
  describe(name: string): { CreationTime: number; LastModifiedTime: number; Policy?: string } {
    const state = this.#state(name);
    return {
      CreationTime: state.creationTime / 1000,
      LastModifiedTime: state.lastModifiedTime / 1000,
      ...(state.statements?.length ? { Policy: this.#policyOf(name) } : {}),
    };
  }

  /** PutPermission: adds a statement (or replaces the one with its StatementId), or replaces the whole policy. */
  putPermission(name: string, busArn: string, input: Record<string, unknown>): void {
    const state = this.#state(name);
    if (typeof input.Policy === 'string') {
      this.#save(name, { ...state, statements: policyStatements(input.Policy) });
      return;
    }
    const { Action, Principal, StatementId, Condition } = input;
    if (typeof StatementId !== 'string' || typeof Principal !== 'string' || typeof Action !== 'string')
      throw validationError('Parameter(s) Action, Principal and StatementId must be specified when Policy is not.');
    if (Action !== 'events:PutEvents') throw validationError(`Provided value in parameter 'action' is not supported.`);
    if (!PRINCIPAL.test(Principal))
      throw validationError(`Parameter Principal is not valid. Reason: ${Principal} is not a valid principal.`);
    if (Principal === '*' && Condition !== undefined && typeof Condition !== 'object')
      throw validationError('Parameter Condition is not valid.');
    const statement: PolicyStatement = {
      Sid: StatementId,
      Effect: 'Allow',
      Principal: Principal === '*' ? '*' : { AWS: `arn:aws:iam::${Principal}:root` },
      Action: 'events:PutEvents',
      Resource: busArn,
      ...(isCondition(Condition) ? { Condition: { [Condition.Type]: { [Condition.Key]: Condition.Value } } } : {}),
    };
    this.#save(name, { ...state, statements: [...(state.statements ?? []).filter((s) => s.Sid !== StatementId), statement] });
  }

  /** RemovePermission: drops one statement, or all of them. */
  removePermission(name: string, input: Record<string, unknown>): void {
    const state = this.#state(name);
    if (input.RemoveAllPermissions === true) {
      this.#save(name, { ...state, statements: undefined });
      return;
    }
    const sid = input.StatementId;
    if (typeof sid !== 'string') throw validationError('Parameter StatementId must be specified unless RemoveAllPermissions is true.');
    const statements = state.statements ?? [];
    if (!statements.some((s) => s.Sid === sid))
      throw new AwsError('ResourceNotFoundException', 'Statement with the provided id does not exist.');
    this.#save(name, { ...state, statements: statements.filter((s) => s.Sid !== sid) });
  }

  /** Puts a template's statements into their buses' policies, as CloudFormation would at each deploy. */
  applyTemplate(policies: readonly TemplateBusPolicy[]): void {
    for (const { busName, statement } of policies) {
      const state = this.#state(busName);
      const others = (state.statements ?? []).filter((s) => s.Sid !== statement.Sid);
      this.#save(busName, { ...state, statements: [...others, { Resource: this.#arn(busName), ...statement }] });
    }
  }
}

function isCondition(value: unknown): value is { Type: string; Key: string; Value: string } {
  const c = value as { Type?: unknown; Key?: unknown; Value?: unknown } | undefined;
  return typeof c?.Type === 'string' && typeof c.Key === 'string' && typeof c.Value === 'string';
}

/** The statements of a policy document PutPermission was given. */
function policyStatements(text: string): PolicyStatement[] {
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(text) as { Statement?: unknown };
  } catch (error) {
    throw validationError('Parameter Policy is not valid. Reason: it is not JSON.', { cause: error });
  }
  const statements = Array.isArray(policy?.Statement) ? policy.Statement : policy?.Statement ? [policy.Statement] : [];
  if (statements.some((s) => s === null || typeof s !== 'object'))
    throw validationError('Parameter Policy is not valid. Reason: each statement must be an object.');
  return statements as PolicyStatement[];
}
