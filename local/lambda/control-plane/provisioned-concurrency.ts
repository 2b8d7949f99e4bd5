import { AwsError } from '../../endpoint/aws-error.js';
import type { FunctionDefinition, ProvisionedConcurrency } from '../core/function-definition.js';
import { UntypedLambdaError } from '../core/lambda-errors.js';
import { accountSettings, MIN_UNRESERVED } from './account-limits.js';

// Provisioned concurrency of the functions Lambda's API made, as the API reference documents
// PutProvisionedConcurrencyConfig and its reads and AWS answers them: on a published version or
// an alias only, one of the two for a version. Locally it is allocated at once (no environments
// are started for it: a function's environments start as they always do), so it reads READY.

/**
 * The version or alias a provisioned concurrency call names: it must exist (a version number
 * not published is "Function not found", an alias name "Cannot find alias arn", as Lambda words them).
 * @throws AwsError ResourceNotFoundException
 */
export function provisionedTarget(definition: FunctionDefinition | undefined, arn: string, qualifier: string): void {
  const qualified = `${arn}:${qualifier}`;
  if (/^\d+$/.test(qualifier)) {
    if (!definition?.published?.[qualifier]) throw new AwsError('ResourceNotFoundException', `Function not found: ${qualified}`, 404);
    return;
  }
  if (!definition?.aliases?.some((alias) => alias.name === qualifier)) {
    throw new AwsError('ResourceNotFoundException', `Cannot find alias arn: ${qualified}`, 404);
  }
}

/** `$LATEST` is no target: Lambda's words differ between the write and the reads. */
export function checkPublished(qualifier: string, write: boolean): void {
  if (qualifier !== '$LATEST') return;
  throw new AwsError(
    'InvalidParameterValueException',
    write
      ? 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.'
      : 'The function resource provided must be an alias or a published version.',
  );
}

/**
 * A version has its provisioned concurrency directly or through one alias, not both: Lambda
 * refuses the second in its words.
 * @throws AwsError ResourceConflictException
 */
export function checkProvisionedConflict(definition: FunctionDefinition, qualifier: string): void {
  const configured = definition.provisionedConcurrency ?? {};
  const versionOf = (name: string) => definition.aliases?.find((alias) => alias.name === name)?.functionVersion;
  const conflict = (message: string) => new AwsError('ResourceConflictException', message, 409);
  if (/^\d+$/.test(qualifier)) {
    if (Object.keys(configured).some((other) => versionOf(other) === qualifier)) {
      throw conflict('Version is pointed by a Provisioned Concurrency alias');
    }
    return;
  }
  const version = versionOf(qualifier);
  if (version !== undefined && configured[version] !== undefined) {
    throw conflict("Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
  }
}

/**
 * The account's concurrency must hold what is requested and still leave its least unreserved
 * concurrency: what functions reserve, and what the others (and this function's other
 * qualifiers) provision unless the function reserves its own, is taken already. Answered
 * without `Type`, as recorded.
 * @throws UntypedLambdaError InvalidParameterValueException
 */
export function checkProvisionedLimits(
  definitions: readonly FunctionDefinition[],
  current: FunctionDefinition,
  qualifier: string,
  requested: number,
): void {
  const unreserved = accountSettings(definitions, 0).AccountLimit.UnreservedConcurrentExecutions;
  const provisioned = definitions
    .filter((d) => d.reservedConcurrency === undefined)
    .flatMap((d) => Object.entries(d.provisionedConcurrency ?? {}).filter(([q]) => d.name !== current.name || q !== qualifier))
    .reduce((sum, [, config]) => sum + config.requested, 0);
  const available = unreserved - provisioned;
  if (requested > available) {
    throw new UntypedLambdaError(
      'InvalidParameterValueException',
      `Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [${available}].`,
    );
  }
  if (available - requested < MIN_UNRESERVED) {
    throw new UntypedLambdaError(
      'InvalidParameterValueException',
      `Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MIN_UNRESERVED}].`,
    );
  }
}

/** A qualifier's configuration as the reads answer it: allocated (READY), as it is at once locally. */
export function provisionedAnswer(config: ProvisionedConcurrency) {
  return {
    RequestedProvisionedConcurrentExecutions: config.requested,
    AvailableProvisionedConcurrentExecutions: config.requested,
    AllocatedProvisionedConcurrentExecutions: config.requested,
    Status: 'READY',
    LastModified: config.lastModified,
  };
}

/** PutProvisionedConcurrencyConfig's answer: Lambda answers while it allocates (IN_PROGRESS), nothing allocated yet. */
export function provisionedPutAnswer(config: ProvisionedConcurrency) {
  return {
    RequestedProvisionedConcurrentExecutions: config.requested,
    AvailableProvisionedConcurrentExecutions: 0,
    AllocatedProvisionedConcurrentExecutions: 0,
    Status: 'IN_PROGRESS',
    LastModified: config.lastModified,
  };
}

/** A function without a qualifier's provisioned concurrency: a version or alias deleted takes its configuration with it. */
export function withoutQualifier(definition: FunctionDefinition, qualifier: string): FunctionDefinition {
  if (definition.provisionedConcurrency?.[qualifier] === undefined) return definition;
  const { [qualifier]: _removed, ...kept } = definition.provisionedConcurrency;
  return { ...definition, provisionedConcurrency: kept };
}
