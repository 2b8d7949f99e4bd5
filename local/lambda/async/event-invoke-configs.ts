import { AwsError } from '../../endpoint/aws-error.js';
import { tryParseArn } from '../../names/arn.js';
import type { AsyncInvokeConfig, EventInvokeConfig, FunctionDefinition } from '../core/function-definition.js';
import { type FunctionDirectory, parseFunctionName, requestQualifier } from '../core/function-reference.js';
import { validateLambdaInput } from '../core/input-validation.js';
import { listPage } from '../core/list-pages.js';

// PutFunctionEventInvokeConfig, UpdateFunctionEventInvokeConfig, DeleteFunctionEventInvokeConfig,
// GetFunctionEventInvokeConfig and ListFunctionEventInvokeConfigs: the asynchronous invocation
// settings of a function's `$LATEST`, of a version or of an alias, as the API reference
// documents them and AWS answers them (test/conformance/aws-recorded/lambda/api/).

type Input = Readonly<Record<string, unknown>>;

/**
 * The services a destination may be of: what Lambda accepts (a queue, a topic, a function or a
 * bus; https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html), not
 * what the runtime sends to, which the target dispatcher says when one is sent to (destinations.ts).
 * An S3 bucket is taken as an on-failure destination only.
 */
const DESTINATION_SERVICES = new Set(['sqs', 'sns', 'lambda', 'events']);
const ON_FAILURE_ONLY = 's3';

/** ListFunctionEventInvokeConfigs answers at most 50 a call. */
const LIST_PAGE = 50;

const functionGone = () => new AwsError('ResourceNotFoundException', "The function doesn't exist.", 404);
const unconfigured = (arn: string) =>
  new AwsError('ResourceNotFoundException', `The function ${arn} doesn't have an EventInvokeConfig`, 404);

/**
 * The settings an asynchronous invocation of `qualifier` runs with (an alias's, a version's or
 * `$LATEST`'s own; none: Lambda's defaults), with the function's dead-letter queue, which is the
 * function's whatever the qualifier. A template's settings are its `$LATEST`'s.
 */
export function asyncConfigOf(definition: FunctionDefinition, qualifier = '$LATEST'): AsyncInvokeConfig {
  const { deadLetterArn, ...latest } = definition.asyncConfig ?? {};
  const own = definition.eventInvokeConfigs?.[qualifier] ?? (qualifier === '$LATEST' && configured(latest) ? latest : undefined);
  const { lastModified: _at, ...settings } = { lastModified: 0, ...own };
  return { ...settings, ...(deadLetterArn === undefined ? {} : { deadLetterArn }) };
}

const configured = (config: Omit<AsyncInvokeConfig, 'deadLetterArn'>) =>
  config.maximumRetryAttempts !== undefined ||
  config.maximumEventAgeSeconds !== undefined ||
  config.onSuccess !== undefined ||
  config.onFailure !== undefined;

/** A qualifier's settings as the API answers them (`FunctionArn` always qualified, `$LATEST` for the function's own). */
function answerOf(definition: FunctionDefinition, qualifier: string, config: EventInvokeConfig) {
  return {
    FunctionArn: `${definition.arn}:${qualifier}`,
    // A Date: the REST-JSON codec carries it as epoch seconds.
    LastModified: new Date(config.lastModified),
    ...(config.maximumRetryAttempts === undefined ? {} : { MaximumRetryAttempts: config.maximumRetryAttempts }),
    ...(config.maximumEventAgeSeconds === undefined ? {} : { MaximumEventAgeInSeconds: config.maximumEventAgeSeconds }),
    DestinationConfig: {
      OnSuccess: config.onSuccess === undefined ? {} : { Destination: config.onSuccess },
      OnFailure: config.onFailure === undefined ? {} : { Destination: config.onFailure },
    },
  };
}

/** Every qualifier's settings a function has (a template function's: its `$LATEST`'s, from its template). */
function configsOf(definition: FunctionDefinition): [string, EventInvokeConfig][] {
  if (definition.eventInvokeConfigs !== undefined) return Object.entries(definition.eventInvokeConfigs);
  const { deadLetterArn: _dlq, ...latest } = definition.asyncConfig ?? {};
  return configured(latest) ? [['$LATEST', { ...latest, lastModified: 0 }]] : [];
}

/** The function and qualifier (`$LATEST` when none) a call names; its 404 as `missing` words it. */
function targetOf(
  directory: FunctionDirectory<{ readonly definition: FunctionDefinition }>,
  input: Input,
  missing: (arn: string) => AwsError,
): { definition: FunctionDefinition; qualifier: string } {
  const { name, qualifier = '$LATEST' } = requestQualifier(String(input.FunctionName ?? ''), input.Qualifier);
  const arn = `${directory.arnOf(name)}:${qualifier}`;
  let definition: FunctionDefinition;
  try {
    definition = directory.functionOf(name).definition;
  } catch (error) {
    if (error instanceof AwsError && error.code === 'ResourceNotFoundException') throw missing(arn);
    throw error;
  }
  const exists =
    qualifier === '$LATEST' || definition.versions?.includes(qualifier) || definition.aliases?.some((a) => a.name === qualifier);
  if (!exists) throw missing(arn);
  return { definition, qualifier };
}

/**
 * The settings a Put or Update gives, checked as Lambda checks them: something to set, and
 * destinations of a service Lambda sends to, a function other than this one that exists.
 */
function givenSettings(
  input: Input,
  definition: FunctionDefinition | undefined,
  functionExists: (nameOrArn: string) => boolean,
): Omit<EventInvokeConfig, 'lastModified'> {
  const destinations = input.DestinationConfig as
    | { OnSuccess?: { Destination?: string }; OnFailure?: { Destination?: string } }
    | undefined;
  const given = [
    [destinations?.OnSuccess?.Destination, false],
    [destinations?.OnFailure?.Destination, true],
  ] as const;
  for (const [destination, onFailure] of given) {
    if (destination === undefined || destinations === undefined) continue;
    const service = tryParseArn(destination)?.service ?? '';
    if (!DESTINATION_SERVICES.has(service) && !(onFailure && service === ON_FAILURE_ONLY)) {
      throw new AwsError(
        'InvalidParameterValueException',
        `The provided destination config ${javaDestinationConfig(destinations)} is invalid.`,
      );
    }
    if (service !== 'lambda') continue;
    if (definition && parseFunctionName(destination).name === definition.name) {
      throw new AwsError('InvalidParameterValueException', "You can't specify the function as a destination for itself.");
    }
    if (!functionExists(destination))
      throw new AwsError('InvalidParameterValueException', `The destination ARN ${destination} is invalid.`);
  }
  return {
    ...(input.MaximumRetryAttempts === undefined ? {} : { maximumRetryAttempts: Number(input.MaximumRetryAttempts) }),
    ...(input.MaximumEventAgeInSeconds === undefined ? {} : { maximumEventAgeSeconds: Number(input.MaximumEventAgeInSeconds) }),
    ...(destinations?.OnSuccess?.Destination === undefined ? {} : { onSuccess: destinations.OnSuccess.Destination }),
    ...(destinations?.OnFailure?.Destination === undefined ? {} : { onFailure: destinations.OnFailure.Destination }),
  };
}

/** A DestinationConfig as Lambda's Java service prints it in its refusal. */
function javaDestinationConfig(config: { OnSuccess?: { Destination?: string }; OnFailure?: { Destination?: string } }): string {
  const part = (name: string, value: { Destination?: string } | undefined) =>
    value === undefined ? 'null' : `${name}(destination=${value.Destination ?? 'null'})`;
  return `DestinationConfig(onSuccess=${part('OnSuccess', config.OnSuccess)}, onFailure=${part('OnFailure', config.OnFailure)})`;
}

/** The writes of a function's settings: each returns its new definition and the answer. */
export const eventInvokeConfigWrites = {
  /** PutFunctionEventInvokeConfig: the qualifier's settings are these, whatever they were. */
  put(directory: FunctionDirectory<{ readonly definition: FunctionDefinition }>, input: Input, now: number) {
    validateLambdaInput('PutFunctionEventInvokeConfig', input);
    const given = input.MaximumRetryAttempts ?? input.MaximumEventAgeInSeconds ?? input.DestinationConfig;
    if (given === undefined) {
      throw new AwsError('InvalidParameterValueException', 'You must specify at least one of error handling or destination setting.');
    }
    const { definition, qualifier } = targetOf(directory, input, functionGone);
    const settings = givenSettings(input, definition, (arn) => exists(directory, arn));
    return written(definition, qualifier, { ...settings, lastModified: now });
  },

  /** UpdateFunctionEventInvokeConfig: the settings given replace those of the qualifier's configuration, which must exist. */
  update(directory: FunctionDirectory<{ readonly definition: FunctionDefinition }>, input: Input, now: number) {
    validateLambdaInput('UpdateFunctionEventInvokeConfig', input);
    const { definition, qualifier } = targetOf(directory, input, functionGone);
    const current = configsOf(definition).find(([q]) => q === qualifier)?.[1];
    if (current === undefined) throw unconfigured(`${definition.arn}:${qualifier}`);
    const settings = givenSettings(input, definition, (arn) => exists(directory, arn));
    return written(definition, qualifier, { ...current, ...settings, lastModified: now });
  },

  delete(directory: FunctionDirectory<{ readonly definition: FunctionDefinition }>, input: Input): FunctionDefinition {
    const { definition, qualifier } = targetOf(directory, input, unconfigured);
    const configs = Object.fromEntries(configsOf(definition));
    if (configs[qualifier] === undefined) throw unconfigured(`${definition.arn}:${qualifier}`);
    const { [qualifier]: _deleted, ...rest } = configs;
    return { ...definition, eventInvokeConfigs: rest };
  },
};

function written(definition: FunctionDefinition, qualifier: string, config: EventInvokeConfig) {
  const eventInvokeConfigs = { ...Object.fromEntries(configsOf(definition)), [qualifier]: config };
  return { definition: { ...definition, eventInvokeConfigs }, answer: answerOf(definition, qualifier, config) };
}

function exists(directory: FunctionDirectory<{ readonly definition: FunctionDefinition }>, arn: string): boolean {
  try {
    directory.functionOf(arn);
    return true;
  } catch {
    return false;
  }
}

/** GetFunctionEventInvokeConfig: the qualifier's settings; a function, qualifier or settings it has not is one without them. */
export function eventInvokeConfigAnswer(directory: FunctionDirectory<{ readonly definition: FunctionDefinition }>, input: Input) {
  const { definition, qualifier } = targetOf(directory, input, unconfigured);
  const config = configsOf(definition).find(([q]) => q === qualifier)?.[1];
  if (config === undefined) throw unconfigured(`${definition.arn}:${qualifier}`);
  return answerOf(definition, qualifier, config);
}

/** ListFunctionEventInvokeConfigs: every qualifier's settings, a page at a time. */
export function eventInvokeConfigList(
  directory: FunctionDirectory<{ readonly definition: FunctionDefinition }>,
  name: string,
  page: { readonly Marker?: unknown; readonly MaxItems?: unknown },
) {
  let definition: FunctionDefinition;
  try {
    definition = directory.functionOf(name).definition;
  } catch (error) {
    if (error instanceof AwsError && error.code === 'ResourceNotFoundException') throw functionGone();
    throw error;
  }
  const answers = configsOf(definition).map(([qualifier, config]) => answerOf(definition, qualifier, config));
  const { items, next } = listPage(answers, page, LIST_PAGE, (a) => a.FunctionArn);
  return { FunctionEventInvokeConfigs: items, ...(next ? { NextMarker: next } : {}) };
}
