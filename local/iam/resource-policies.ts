import type { LoadedResource } from '../template/load.js';

/** What a resource policy reader may look at besides the resource: the app's account, region and resources. */
export interface ResourcePolicyContext {
  readonly accountId: string;
  readonly region: string;
  /** Every resource of the app (custom resources' providers aside), to find what a policy names by name or URL. */
  readonly resources: readonly LoadedResource[];
}

/** A policy a resource of the template sets on a resource requests name (a queue, a function, a key). */
export interface ResourcePolicy {
  /** The ARN requests name it by. */
  readonly resourceArn: string;
  /** The document as the template gives it (checked by the store: what cannot be evaluated is a problem of its holder). */
  readonly document: unknown;
}

/**
 * How a module's resource type sets resource policies (its module's `resourcePolicies`):
 * what IAM's store reads from the template, at start and at each reload.
 */
export interface ResourcePolicySource {
  /** The policies a resource of the type sets; several on one ARN merge, as AWS merges them. */
  read(resource: LoadedResource, context: ResourcePolicyContext): readonly ResourcePolicy[];
  /**
   * The resource is only a policy (a queue policy, a Lambda permission): IAM's store, which
   * reads every policy again at each reload, applies a new, changed or removed one in place.
   * Otherwise it is a property of a resource its service runs (a key's KeyPolicy), which
   * takes a restart unless that service reloads the type.
   */
  readonly policyOnly?: true;
}

/** A module's resource policy sources, by the resource type that sets them. */
export type ResourcePolicySources = Readonly<Record<string, ResourcePolicySource>>;

/** A property's strings: one given alone, or the strings of a list (a policy's `Queues`, `Topics`, `Roles`). */
export const strings = (value: unknown): string[] =>
  (value === undefined ? [] : Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');

/** A document-valued property's one policy on `resourceArn`, when the ARN is known. */
export const policyOn = (resourceArn: string | undefined, document: unknown): ResourcePolicy[] =>
  resourceArn === undefined || document === undefined ? [] : [{ resourceArn, document }];
