/**
 * References to the custom resources the runtime runs (local/custom-resources/), resolved as
 * CloudFormation resolves them: a resource that references one is created after it has answered
 * SUCCESS, its `Ref` being the answer's PhysicalResourceId and its `Fn::GetAtt` a field of the
 * answer's Data. Until it has answered, a resource that references it is held back: the runtime
 * runs the custom resources once its services have started, loads the template again with their
 * answers and hands the services what it then resolves (local/custom-resources/module.ts). After
 * FAILED, or an answer without the field, the resource is not started, and says why
 * (CloudFormation fails the stack there).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html
 */
import type { TemplateResource } from './cloud-assembly.js';
import { runAsCustomResource } from './not-run.js';
import { type Json, UnsupportedError } from './resolve.js';
import { isCustomResourceType } from './resources.js';

/** A custom resource's answer, as the runtime got it when it ran the resource. */
export type CustomResourceOutcome =
  | { readonly status: 'SUCCESS'; readonly physicalId: string; readonly data: Readonly<Record<string, unknown>> }
  | { readonly status: 'FAILED'; readonly reason: string };

/** The answer of a custom resource, by `Stack/LogicalId`; undefined while it has not answered. */
export type CustomResourceOutcomes = (id: string) => CustomResourceOutcome | undefined;

/** A resource the loader holds back: it references a custom resource's answer that is not there (yet). */
export interface HeldResource {
  /** The resource (a `LoadedResource`, as far as what is held back is said). */
  readonly resource: { readonly stackName: string; readonly logicalId: string; readonly type: string };
  /** Which reference, and why it is not resolved. */
  readonly reason: string;
  /** Whether the answer may still come (the custom resource has not run yet); otherwise it never starts. */
  readonly pending: boolean;
}

/** Custom resources whose whole effect the loader itself provides: CDK's cross-region export writer and reader. */
export const FULFILLED_BY_LOADER: ReadonlySet<string> = new Set(['Custom::CrossRegionExportWriter', 'Custom::CrossRegionExportReader']);

export interface CustomResourceReferencesOptions {
  readonly stackName: string;
  readonly definitions: Readonly<Record<string, TemplateResource>>;
  /** The resource types a service runs or knowingly accepts. */
  readonly supported: ReadonlySet<string>;
  /** What only backs custom resources while CloudFormation deploys. */
  readonly deployTimeOnly: ReadonlySet<string>;
  /** The answers so far; unset, references to custom resources resolve as they did (`Ref` a generated id, no attributes). */
  readonly outcomes?: CustomResourceOutcomes;
  /** The resource types the running services take again after the start (their modules' `reloads`): only those can be held back. */
  readonly reloaded?: ReadonlySet<string>;
}

export class CustomResourceReferences {
  constructor(private readonly options: CustomResourceReferencesOptions) {}

  /** Whether the runtime runs the resource as a custom resource, and so answers its Ref and attributes. */
  answers(logicalId: string): boolean {
    const { definitions, supported, deployTimeOnly, outcomes } = this.options;
    const type = definitions[logicalId]?.Type;
    if (outcomes === undefined || type === undefined || !isCustomResourceType(type) || FULFILLED_BY_LOADER.has(type)) return false;
    return !deployTimeOnly.has(logicalId) && runAsCustomResource(definitions, logicalId, supported);
  }

  /**
   * Whether a resource of this type that references an answer not there yet can wait for it:
   * the custom resources the runtime runs, and the types the services take again once started.
   */
  canWait(logicalId: string): boolean {
    const type = this.options.definitions[logicalId]?.Type;
    return type !== undefined && (this.answers(logicalId) || this.options.reloaded?.has(type) === true);
  }

  /**
   * `Ref` (attribute undefined) or `Fn::GetAtt` of a custom resource the runtime runs, for the
   * resource `referrer` (undefined: an output). Throws an UnsupportedError with `held` while it
   * has not answered, after FAILED, or when its Data lacks the attribute.
   */
  value(logicalId: string, attribute: string | undefined, referrer: string | undefined): Json {
    const { stackName, definitions } = this.options;
    const id = `${stackName}/${logicalId}`;
    const use = attribute === undefined ? `Ref ${logicalId}` : `Fn::GetAtt ${logicalId}.${attribute}`;
    const outcome = this.options.outcomes?.(id);
    if (outcome === undefined) {
      const type = referrer === undefined ? undefined : definitions[referrer]?.Type;
      if (referrer !== undefined && !this.canWait(referrer)) {
        throw new UnsupportedError(
          `${use}: custom resource ${id} answers once the services have started, and ${type} is not taken again after the start locally: it runs without this value`,
        );
      }
      throw new UnsupportedError(`${use}: waits for custom resource ${id} to answer`, { pending: true });
    }
    if (outcome.status === 'FAILED') {
      throw new UnsupportedError(`${use}: custom resource ${id} failed: ${outcome.reason}`, { pending: false });
    }
    if (attribute === undefined) return outcome.physicalId;
    if (!Object.hasOwn(outcome.data, attribute)) {
      // CloudFormation's words (its stack fails with them); the object it names is the answer it stored in S3, here the resource's answer.
      throw new UnsupportedError(
        `${use}: CustomResource attribute error: Vendor response doesn't contain ${attribute} key in object ${id}'s answer (it has ${Object.keys(outcome.data).join(', ') || 'no Data'})`,
        { pending: false },
      );
    }
    const value = outcome.data[attribute];
    return (value === undefined ? null : value) as Json;
  }
}
