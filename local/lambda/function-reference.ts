import { tryParseArn } from '../arn.js';
import { AwsError } from '../aws-error.js';
import type { FunctionDefinition } from './function-runtime.js';

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

  resolve(nameOrArn: string, qualifierParameter?: string | null): ResolvedFunction<F> {
    const { name, qualifier: derived } = parseFunctionName(nameOrArn);
    const given = qualifierParameter ?? undefined;
    if (derived !== undefined && given !== undefined && derived !== given) {
      throw new AwsError(
        'InvalidParameterValueException',
        'The derived qualifier from the function name does not match the specified qualifier.',
      );
    }
    const qualifier = derived ?? given;
    const fn = this.functions.get(name);
    const arn = qualifier === undefined ? this.arnOf(name) : `${this.arnOf(name)}:${qualifier}`;
    if (!fn) throw new AwsError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
    const version = this.#version(fn.definition, qualifier);
    if (version === undefined) throw new AwsError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
    return { fn, qualifier, version, arn: qualifier === undefined ? fn.definition.arn : `${fn.definition.arn}:${qualifier}` };
  }

  #version(definition: FunctionDefinition, qualifier: string | undefined): string | undefined {
    if (qualifier === undefined || qualifier === '$LATEST') return '$LATEST';
    if (definition.versions?.includes(qualifier)) return qualifier;
    return definition.aliases?.find((alias) => alias.name === qualifier)?.functionVersion;
  }
}
