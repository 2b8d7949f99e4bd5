import { AwsError } from '../endpoint/aws-error.js';
import { lowerAlphanumericId } from '../random/random-id.js';
import type { Clock } from '../time/clock.js';
import { grantsPublicAccess, invalidInput } from './checks.js';
import type { BusRecord, EventBridgeV2Store, Fields } from './store.js';

/** The two policies a bus holds: the owner's, and the one Resource Access Manager writes for its shares. */
const OWNER_POLICY = 'default';
const RAM_POLICY = 'AWS_RAM';
/** A conditional write's revision for a policy that does not exist yet (create-only). */
const NO_POLICY = 'NO_POLICY';
/** The `default` policy's size quota (20 KB of UTF-8, AWS's default; adjustable in Service Quotas on AWS). */
const DEFAULT_POLICY_QUOTA = 20_480;

/**
 * A bus's named resource policies (Put, Get, Delete, List): the owner writes `default`, only
 * Resource Access Manager writes `AWS_RAM`; a conditional write compares ExpectedRevisionId;
 * a `default` policy that would grant public access is refused.
 */
export class ResourcePolicies {
  constructor(
    private readonly store: EventBridgeV2Store,
    private readonly clock: Clock,
  ) {}

  put(bus: BusRecord, input: Fields): Fields {
    const name = policyName(input.PolicyName);
    if (name === RAM_POLICY) throw ramOnly('write', bus);
    const text = input.PolicyDocument as string;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > DEFAULT_POLICY_QUOTA)
      throw new AwsError(
        'PolicyLengthExceededException',
        `The policy document is ${bytes} bytes, over the ${DEFAULT_POLICY_QUOTA}-byte quota of the default policy.`,
        400,
      );
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw invalidInput(`PolicyDocument is not valid JSON: ${(error as Error).message}`, error);
    }
    if (document === null || typeof document !== 'object' || Array.isArray(document) || (document as Fields).Statement === undefined)
      throw invalidInput('PolicyDocument must be a JSON policy object with a Statement');
    if (grantsPublicAccess(document as Fields))
      throw new AwsError(
        'PublicPolicyException',
        'The policy would grant public access to the event bus: replace the wildcard principal with specific principals, or add a condition that limits the callers to specific AWS accounts (aws:SourceAccount, aws:PrincipalAccount, aws:PrincipalOrgID).',
        400,
      );
    this.#expect(bus, name, input.ExpectedRevisionId, true);
    const RevisionId = `${this.clock.now()}-${lowerAlphanumericId(8)}`;
    this.store.buses.put(bus.EventBusArn, { ...bus, Policies: { ...bus.Policies, [name]: { PolicyDocument: text, RevisionId } } });
    return { ResourceArn: bus.EventBusArn, PolicyName: name, RevisionId };
  }

  get(bus: BusRecord, input: Fields): Fields {
    const name = policyName(input.PolicyName);
    const policy = bus.Policies[name];
    if (policy === undefined)
      throw new AwsError('ResourceNotFoundException', `Event bus ${bus.EventBusArn} has no ${name} resource policy.`, 404);
    return { ResourceArn: bus.EventBusArn, PolicyName: name, ...policy };
  }

  delete(bus: BusRecord, input: Fields): Fields {
    const name = policyName(input.PolicyName);
    if (name === RAM_POLICY) throw ramOnly('delete', bus);
    this.#expect(bus, name, input.ExpectedRevisionId, false);
    const policy = bus.Policies[name];
    if (policy === undefined) return {};
    const { [name]: _removed, ...rest } = bus.Policies;
    this.store.buses.put(bus.EventBusArn, { ...bus, Policies: rest });
    return { RevisionId: policy.RevisionId };
  }

  list(bus: BusRecord): { PolicyName: string; RevisionId: string }[] {
    return Object.entries(bus.Policies).map(([PolicyName, policy]) => ({ PolicyName, RevisionId: policy.RevisionId }));
  }

  /** A conditional write's check: the named policy's revision must be the one expected (`NO_POLICY` on a write: that none exists). */
  #expect(bus: BusRecord, name: string, expected: unknown, write: boolean): void {
    if (expected === undefined) return;
    if (expected === NO_POLICY && !write) throw invalidInput(`ExpectedRevisionId ${NO_POLICY} is valid only when writing a policy`);
    const current = bus.Policies[name]?.RevisionId ?? NO_POLICY;
    if (current !== expected)
      throw new AwsError(
        'ConflictException',
        `The ${name} policy of ${bus.EventBusArn} is at revision ${current}, not ${String(expected)}: read it again before writing.`,
        409,
      );
  }
}

/** A policy's name: `default` when omitted; only `default` and `AWS_RAM` exist. */
function policyName(value: unknown): string {
  if (value === undefined) return OWNER_POLICY;
  if (value !== OWNER_POLICY && value !== RAM_POLICY)
    throw invalidInput(`PolicyName ${String(value)} is not valid: it is "${OWNER_POLICY}" (the owner's policy) or "${RAM_POLICY}"`);
  return value;
}

const ramOnly = (verb: string, bus: BusRecord) =>
  new AwsError(
    'AccessDeniedException',
    `Only AWS Resource Access Manager can ${verb} the ${RAM_POLICY} policy of ${bus.EventBusArn}; the bus owner writes "${OWNER_POLICY}".`,
    403,
  );
