import { AwsError } from '../../endpoint/aws-error.js';
import { tryParseArn } from '../../names/arn.js';
import type { FunctionDefinition } from './function-definition.js';

/** The version CloudFormation publishes of a Lambda Managed Instances function, and PublishVersion's `PublishTo: LATEST_PUBLISHED`. */
export const LATEST_PUBLISHED = '$LATEST.PUBLISHED';

/** A function named in a request, resolved to one of its versions as Lambda resolves qualifiers. */
export interface ResolvedFunction<F> {
  readonly fn: F;
  /** `$LATEST`, a version number or an alias name, as the caller named it; undefined when unqualified. */
  readonly qualifier?: string;
  /** The version that runs: `$LATEST` or the version (an alias's `FunctionVersion`). */
  readonly version: string;
  /** The function ARN with the caller's qualifier, as Lambda reports the invoked function. */
  readonly arn: string;
}

/**
 * Splits a `FunctionName` as Lambda's API takes it: a name (`my-function`, `my-function:v1`),
 * a full ARN (`arn:aws:lambda:us-west-2:123456789012:function:my-function[:v1]`) or a partial
 * ARN (`123456789012:function:my-function[:v1]`).
 */
export function parseFunctionName(nameOrArn: string): { name: string; qualifier?: string } {
  if (nameOrArn.startsWith('arn:')) {
    const arn = tryParseArn(nameOrArn);
    return { name: arn?.resourceId ?? '', qualifier: arn?.qualifier };
  }
  const parts = nameOrArn.split(':');
  if (parts[1] === 'function') return { name: parts[2] ?? '', qualifier: parts[3] };
  return { name: parts[0] ?? '', qualifier: parts[1] };
}

/**
 * The qualifier a request names: with the name (`f:alias`, an ARN's suffix) or as the
 * `Qualifier` parameter, not both differently.
 * @throws AwsError InvalidParameterValueException when the two differ
 */
export function requestQualifier(nameOrArn: string, qualifierParameter: unknown): { name: string; qualifier?: string } {
  const { name, qualifier: derived } = parseFunctionName(nameOrArn);
  const given = qualifierParameter === undefined || qualifierParameter === null ? undefined : String(qualifierParameter);
  if (derived !== undefined && given !== undefined && derived !== given) {
    throw new AwsError(
      'InvalidParameterValueException',
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  }
  const qualifier = derived ?? given;
  return qualifier === undefined ? { name } : { name, qualifier };
}

/**
 * Looks functions up by the names and qualifiers requests give: `$LATEST`, a version the
 * template publishes or an alias it declares; anything else is Lambda's 404.
 */
export class FunctionDirectory<F extends { readonly definition: FunctionDefinition }> {
  constructor(
    private readonly functions: ReadonlyMap<string, F>,
    private readonly accountId: string,
    private readonly region: string,
  ) {}

  /** The unqualified ARN Lambda names a function by, whether or not it exists. */
  arnOf(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  /**
   * The function a name or ARN names, whatever qualifier it carries (a change to the function
   * itself): Lambda's 404 names its unqualified ARN.
   */
  functionOf(nameOrArn: string): F {
    const { name } = parseFunctionName(nameOrArn);
    const fn = this.functions.get(name);
    if (!fn) throw new AwsError('ResourceNotFoundException', `Function not found: ${this.arnOf(name)}`, 404);
    return fn;
  }

  /**
   * The function and version a name or ARN and a qualifier name. `invocation`: Invoke's 404
   * names an unqualified function's `$LATEST`, as Lambda's does (the other operations' do not).
   */
  resolve(nameOrArn: string, qualifierParameter?: string | null, invocation = false): ResolvedFunction<F> {
    const { name, qualifier } = requestQualifier(nameOrArn, qualifierParameter);
    const fn = this.functions.get(name);
    const named = qualifier ?? (invocation ? '$LATEST' : undefined);
    const arn = named === undefined ? this.arnOf(name) : `${this.arnOf(name)}:${named}`;
    if (!fn) throw new AwsError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
    const version = this.#version(fn.definition, qualifier);
    if (version === undefined) throw new AwsError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
    return { fn, qualifier, version, arn: qualifier === undefined ? fn.definition.arn : `${fn.definition.arn}:${qualifier}` };
  }

  /**
   * Refuses, in Lambda's words, a call of its API naming a function ARN of another region:
   * its API serves its own region's. (The services' own invocations reach a function by any
   * ARN: Step Functions invokes functions of other regions.)
   */
  checkRegion(nameOrArn: string): void {
    const region = nameOrArn.startsWith('arn:') ? tryParseArn(nameOrArn)?.region : undefined;
    if (region && region !== this.region) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Functions from '${region}' are not reachable in this region ('${this.region}')`,
        404,
      );
    }
  }

  #version(definition: FunctionDefinition, qualifier: string | undefined): string | undefined {
    // Unqualified, a Lambda Managed Instances function runs its $LATEST.PUBLISHED version, not $LATEST.
    if (qualifier === undefined && definition.versions?.includes(LATEST_PUBLISHED)) return LATEST_PUBLISHED;
    if (qualifier === undefined || qualifier === '$LATEST') return '$LATEST';
    if (definition.versions?.includes(qualifier)) return qualifier;
    return definition.aliases?.find((alias) => alias.name === qualifier)?.functionVersion;
  }
}

/**
 * The version an invocation of `resolved` runs: an alias's own, or for an alias with a
 * routing configuration, one of its additional versions for that version's share of
 * invocations (`random` in [0, 1) picks), as Lambda routes them.
 */
export function invokedVersion(resolved: ResolvedFunction<{ readonly definition: FunctionDefinition }>, random = Math.random()): string {
  const alias = resolved.fn.definition.aliases?.find((a) => a.name === resolved.qualifier);
  let left = random;
  for (const [version, weight] of Object.entries(alias?.additionalVersionWeights ?? {})) {
    if (left < weight) return version;
    left -= weight;
  }
  return resolved.version;
}

/**
 * The function a tagging request (TagResource, UntagResource, ListTags) names by its ARN: an
 * unqualified function only (Lambda tags no versions or aliases). A capacity provider's ARN is
 * one the local runtime has none of.
 * @throws AwsError InvalidParameterValueException for a qualified ARN, ResourceNotFoundException for a capacity provider
 */
export function taggedFunctionArn(arn: string): string {
  if (tryParseArn(arn)?.resourceType === 'capacity-provider') {
    throw new AwsError('ResourceNotFoundException', `Capacity provider not found: ${arn}`, 404);
  }
  if (parseFunctionName(arn).qualifier !== undefined) {
    throw new AwsError(
      'InvalidParameterValueException',
      'Tags on function aliases and versions are not supported. Please specify a function ARN.',
    );
  }
  return arn;
}
