import { AwsError } from '../../endpoint/aws-error.js';
import type { FunctionAlias, FunctionDefinition } from '../core/function-definition.js';
import { UntypedLambdaError } from '../core/lambda-errors.js';
import { newRevision } from './function-requests.js';

// CreateAlias's and UpdateAlias's checks of an alias's version and routing configuration, in
// the order Lambda makes them and in its words (as its answers are recorded).

type Input = Readonly<Record<string, unknown>>;

/** A number as Lambda's (Java's) messages print a weight: `2.0`, `0.5`. */
const javaNumber = (value: number) => (Number.isInteger(value) ? value.toFixed(1) : String(value));

/** `RoutingConfig.AdditionalVersionWeights` as given, checked against the model's limits in Lambda's words. */
export function routingWeights(input: Input): Record<string, number> | undefined {
  const routing = input.RoutingConfig as { AdditionalVersionWeights?: Record<string, unknown> } | undefined;
  if (routing === undefined) return undefined;
  const weights = routing.AdditionalVersionWeights ?? {};
  const shown = `{${Object.entries(weights)
    .map(([version, weight]) => `${version}=${typeof weight === 'number' ? javaNumber(weight) : weight}`)
    .join(', ')}}`;
  const at = `1 validation error detected: Value '${shown}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint:`;
  if (Object.keys(weights).some((version) => !/^[0-9]+$/.test(version) || version.length > 1024)) {
    throw new AwsError(
      'ValidationException',
      `${at} Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]`,
    );
  }
  if (Object.values(weights).some((weight) => typeof weight !== 'number' || weight < 0 || weight > 1)) {
    throw new AwsError(
      'ValidationException',
      `${at} Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]`,
    );
  }
  if (Object.keys(weights).length > 1) {
    throw new AwsError('InvalidParameterValueException', 'Number of items in AdditionalVersionWeights cannot be greater than 1');
  }
  return weights as Record<string, number>;
}

/**
 * The alias an alias change makes: the version it names and the ones its routing names must
 * exist, be others than its own, and not be `$LATEST` beside others.
 */
export function checkedAlias(definition: FunctionDefinition, alias: FunctionAlias): FunctionAlias {
  const exists = (version: string) => version === '$LATEST' || definition.published?.[version] !== undefined;
  const weights = alias.additionalVersionWeights ?? {};
  for (const version of [alias.functionVersion, ...Object.keys(weights)]) {
    if (!exists(version)) throw new AwsError('ResourceNotFoundException', `Function not found: ${definition.arn}:${version}`, 404);
  }
  if (weights[alias.functionVersion] !== undefined) {
    throw new AwsError(
      'InvalidParameterValueException',
      `Invalid function version ${alias.functionVersion}. Function version ${alias.functionVersion} is already included in routing configuration.`,
    );
  }
  if (alias.functionVersion === '$LATEST' && Object.keys(weights).length > 0) {
    throw new UntypedLambdaError('InvalidParameterValueException', '$LATEST is not supported for an alias pointing to more than 1 version');
  }
  return { ...alias, revisionId: newRevision() };
}

/** The alias CreateAlias makes. */
export function createdAlias(definition: FunctionDefinition, input: Input, weights: Record<string, number> | undefined): FunctionAlias {
  const name = String(input.Name);
  const alias = checkedAlias(definition, {
    name,
    functionVersion: String(input.FunctionVersion),
    description: input.Description === undefined ? '' : String(input.Description),
    ...(weights ? { additionalVersionWeights: weights } : {}),
  });
  if (definition.aliases?.some((a) => a.name === name)) {
    throw new AwsError('ResourceConflictException', `Alias already exists: ${definition.arn}:${name}`, 409);
  }
  return alias;
}

/** The alias UpdateAlias makes of `current`: what the request gives replaces what it had (an empty routing configuration removes it). */
export function updatedAlias(
  definition: FunctionDefinition,
  current: FunctionAlias,
  input: Input,
  weights: Record<string, number> | undefined,
) {
  return checkedAlias(definition, {
    ...current,
    ...(input.FunctionVersion !== undefined ? { functionVersion: String(input.FunctionVersion) } : {}),
    ...(input.Description !== undefined ? { description: String(input.Description) } : {}),
    ...(weights !== undefined ? { additionalVersionWeights: weights } : {}),
  });
}
