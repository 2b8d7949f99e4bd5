import { AwsError } from '../endpoint/aws-error.js';

/**
 * Parameter name rules, as the Systems Manager user guide lists them ("Requirements and
 * constraints for parameter names") with the messages SSM answers.
 */
const INVALID_NAME =
  'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';
const NAME_CHARACTERS = /^[A-Za-z0-9_./-]+$/;
/** A name with the ARN around it may be at most 1011 characters. */
const MAX_NAME_WITH_ARN = 1011;
const MAX_HIERARCHY_LEVELS = 15;

/** Throws the error PutParameter answers for a name SSM refuses. */
export function checkParameterName(name: unknown, arnOf: (name: string) => string): asserts name is string {
  if (typeof name !== 'string' || name === '') {
    throw new AwsError(
      'ValidationException',
      "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
    );
  }
  const bare = name.startsWith('/') ? name.slice(1) : name;
  const first = (bare.split('/')[0] ?? '').toLowerCase();
  if (name.startsWith('/') && first.startsWith('aws')) {
    throw new AwsError('AccessDeniedException', `No access to reserved parameter name: ${name}.`);
  }
  if (first.startsWith('aws') || first.startsWith('ssm') || !NAME_CHARACTERS.test(name) || name.includes('//') || name.endsWith('/')) {
    throw new AwsError('ValidationException', INVALID_NAME);
  }
  if (!name.startsWith('/') && name.includes('/')) {
    throw new AwsError('ValidationException', 'Parameter name must be a fully qualified name.');
  }
  if (arnOf(name).length > MAX_NAME_WITH_ARN) {
    throw new AwsError(
      'ValidationException',
      `Parameter name: ${name} is too long: a name, with the ARN around it, can be at most ${MAX_NAME_WITH_ARN} characters`,
    );
  }
  if (name.split('/').length - (name.startsWith('/') ? 1 : 0) > MAX_HIERARCHY_LEVELS) {
    throw new AwsError(
      'HierarchyLevelLimitExceededException',
      `A hierarchy can have a maximum of ${MAX_HIERARCHY_LEVELS} levels. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html`,
    );
  }
}

/** Whether a name could be a parameter's: what GetParameters reports as invalid rather than failing the call. */
export function isValidParameterName(name: string): boolean {
  try {
    checkParameterName(name, () => '');
    return true;
  } catch {
    return false;
  }
}

export interface ParameterReference {
  readonly name: string;
  /** `:3` (a version) or `:label`, as the request wrote it. */
  readonly selector?: string;
  readonly version?: number;
  readonly label?: string;
}

/**
 * A name as GetParameter takes it: the name or its ARN, optionally with a `:version` or
 * `:label` selector. `arn:aws:ssm:<region>:<account>:parameter/a/b` names `/a/b`.
 */
export function parseReference(reference: string): ParameterReference {
  let name = reference;
  const arn = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(reference);
  if (arn) name = arn[1] ?? name;
  const colon = name.lastIndexOf(':');
  if (colon <= 0) return { name };
  const selector = name.slice(colon + 1);
  const base = name.slice(0, colon);
  if (/^[0-9]+$/.test(selector)) return { name: base, selector: `:${selector}`, version: Number(selector) };
  return { name: base, selector: `:${selector}`, label: selector };
}
