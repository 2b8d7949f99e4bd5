import { createHash } from 'node:crypto';
import { tryParseArn } from '../names/arn.js';
import { type Json, stableUuid } from './resolve.js';

/** What a resource needs to be named: where it lives and its resolved properties. */
export interface IdentityInput {
  readonly stackName: string;
  readonly logicalId: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** Where the local endpoint listens (`http://localhost:4566`): queue URLs point at it. */
  readonly baseUrl: string;
  readonly properties: Readonly<Record<string, Json>>;
}

/** The local stand-in for what CloudFormation returns once it has created a resource. */
export interface ResourceIdentity {
  readonly physicalName: string;
  /** What `Ref` returns. */
  readonly ref: string;
  /** What `Fn::GetAtt` returns, by attribute name. */
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * How a service names a resource when the template gives no name: the property that
 * carries an explicit name, and the longest name and the characters the service allows.
 */
export interface NameRule {
  readonly property?: string;
  readonly max: number;
  /** Matches the characters the service refuses; each becomes `-`. */
  readonly invalid: RegExp;
}

/** How the loader names one resource type and what its `Ref` and `Fn::GetAtt` return. */
export interface TypeSpec {
  readonly name: NameRule;
  /** How the service names the resource when the template gives no name, if not `<stack>-<logicalId>`. */
  readonly generate?: (input: IdentityInput) => string;
  /** An ending the service requires of a generated name (FIFO queues and topics end in `.fifo`), kept within its limit. */
  readonly suffix?: (input: IdentityInput) => string;
  readonly identify: (input: IdentityInput, name: string) => Omit<ResourceIdentity, 'physicalName'>;
}

/**
 * Return values by resource type, as the CloudFormation reference documents them
 * ("Return values" of each resource page; attribute names as in the resource schemas).
 * Each service keeps the table of its own types (`local/<service>/resource-types.ts`).
 */
export type TypeSpecs = Readonly<Record<string, TypeSpec>>;

/**
 * A resource type as its service's module declares it: how the loader names a resource of
 * it and what its `Ref` and `Fn::GetAtt` return (its spec, when the loader knows them), and
 * whether the service runs it.
 */
export interface ResourceType extends Partial<TypeSpec> {
  /** False for a type whose return values the loader gives but that no service runs (the start-up report says so). @default true */
  readonly runs?: false;
}

/** A module's resource types (`ServiceModule.resourceTypes`), by CloudFormation type name. */
export type ResourceTypes = Readonly<Record<string, ResourceType>>;

/**
 * A type the service runs (or accepts, with nothing left to run) whose return values the
 * loader does not give: named `<stack>-<logicalId>`, and a `Ref` or `Fn::GetAtt` to it does
 * not resolve. A custom resource's (`Custom::*`) are its provider's, as the loader gives them.
 */
export const NO_RETURN_VALUES: ResourceType = {};

/** A type whose return values the loader gives, but that no local service runs. */
export const namedOnly = (spec: TypeSpec): ResourceType => ({ ...spec, runs: false });

/** The resource types the loader works with: every module's, as one table, and which of them the services run. */
export interface TemplateTypes {
  /** How the loader names each type it knows and what its Ref and Fn::GetAtt return. */
  readonly specs: TypeSpecs;
  /** The types the local services run or knowingly accept; any other type in a template is reported. */
  readonly supported: ReadonlySet<string>;
  /** The types the running services take again, changed or new (their modules' `reloads`): what can start after the custom resources answered. */
  readonly reloaded?: ReadonlySet<string>;
}

/** Two modules declare one resource type: one of their declarations would go unused. */
export class DuplicateResourceTypeError extends Error {
  override readonly name = 'DuplicateResourceTypeError';
}

/** The modules' resource types as the loader takes them; a type two modules declare is refused, naming both. */
export function templateTypes(
  declared: readonly {
    readonly name: string;
    readonly resourceTypes?: ResourceTypes;
    readonly reloads?: { readonly types: readonly string[] };
  }[],
): TemplateTypes {
  const specs: Record<string, TypeSpec> = {};
  const supported = new Set<string>();
  const owner = new Map<string, string>();
  const reloaded = new Set(declared.flatMap((module) => module.reloads?.types ?? []));
  for (const { name, resourceTypes } of declared) {
    for (const [type, declaration] of Object.entries(resourceTypes ?? {})) {
      const other = owner.get(type);
      if (other !== undefined) throw new DuplicateResourceTypeError(`${name} declares resource type ${type}, which ${other} declares`);
      owner.set(type, name);
      const { runs, ...spec } = declaration;
      if (spec.name !== undefined && spec.identify !== undefined) specs[type] = spec as TypeSpec;
      if (runs !== false) supported.add(type);
    }
  }
  return { specs, supported, reloaded };
}

/** Timestamps CloudFormation would report for a creation: fixed, so restarts see the same values. */
export const CREATED = '1970-01-01T00:00:00.000Z';

export const arn = (input: IdentityInput, service: string, resource: string, region = input.region) =>
  `arn:${input.partition}:${service}:${region}:${input.accountId}:${resource}`;

export const text = (properties: Readonly<Record<string, Json>>, key: string): string | undefined => {
  const value = properties[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** Rules and bus policies take a bus name or ARN; their return values use the name. */
export const busName = (value: string | undefined): string =>
  value?.startsWith('arn:') ? (tryParseArn(value)?.resourceId ?? value) : (value ?? 'default');

export const ALPHANUMERIC_DASH_UNDERSCORE = /[^A-Za-z0-9_-]/g;
export const EVENTS_NAME = /[^A-Za-z0-9._-]/g;

/** A resource without a name of its own (policies, metadata): Ref is its id, and it has no attributes. */
export const unnamed = (max = 255): TypeSpec => ({
  name: { max, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
  identify: (_, name) => ({ ref: name, attributes: {} }),
});

/** A UUID derived from the resource's place in the app, so a restart finds the same resource. */
export function uuidOf(input: IdentityInput): string {
  return stableUuid(`${input.stackName}/${input.logicalId}`);
}

/** `.fifo` for a resource whose `property` is true: FIFO queues and topics must be named so. */
export const fifoSuffix =
  (property: string) =>
  (input: IdentityInput): string =>
    String(input.properties[property]) === 'true' ? '.fifo' : '';

/**
 * `<stack>-<logicalId>` within the service's limits. CloudFormation adds a random suffix;
 * a name cut to fit ends in a hash of the whole instead, so two long ids never collide.
 */
export function generatedName(stackName: string, logicalId: string, max: number, invalid: RegExp): string {
  const name = `${stackName}-${logicalId}`.replace(invalid, '-');
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - hash.length - 1)}-${hash}`;
}

/** Upper-case letters and digits, the alphabet of IAM unique ids. */
export function base32(seed: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...createHash('sha256').update(seed).digest()].map((byte) => alphabet.charAt(byte % 32)).join('');
}
