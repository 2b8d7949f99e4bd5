import { AwsError } from '../endpoint/aws-error.js';
import { compilePattern } from '../events/pattern.js';
import { compileJsonata, isJsonataTemplate } from '../states/engine/jsonata.js';
import type { Fields } from './store.js';

/** The API's answer to a request parameter that is missing or not valid (its model's InvalidInputException, 400). */
export const invalidInput = (message: string, cause?: unknown) =>
  new AwsError('InvalidInputException', message, 400, cause === undefined ? undefined : { cause });

/** What the model cannot say of a request: the API's own checks, each failing with InvalidInputException naming the member. */

/**
 * A subscriber's FilterConfiguration: Filters present with at least one pattern, each pattern
 * one EventBridge accepts (the rules' own parser, local/events/pattern.ts). On UpdateSubscriber an
 * empty FilterConfiguration clears the filter (`clears`).
 */
export function checkFilterConfiguration(configuration: Fields | undefined, update: boolean): void {
  if (configuration === undefined) return;
  if (update && Object.keys(configuration).length === 0) return;
  const filters = configuration.Filters as readonly Fields[] | undefined;
  if (filters === undefined || filters.length === 0)
    throw invalidInput(
      'FilterConfiguration.Filters must contain at least one Filter with a non-empty Pattern' +
        (update ? ' (an empty FilterConfiguration {} clears the filter)' : ''),
    );
  const scopes = new Set<unknown>();
  filters.forEach((filter, index) => {
    const where = `FilterConfiguration.Filters[${index}].Pattern`;
    if (scopes.has(filter.Scope))
      throw invalidInput(
        `FilterConfiguration.Filters[${index}].Scope: Duplicate filter scope: ${String(filter.Scope)}. A FilterConfiguration holds at most one filter for each scope (DATA, METADATA, SYSTEM_METADATA)`,
      );
    scopes.add(filter.Scope);
    if (filter.Pattern === '') throw invalidInput(`${where} must not be empty`);
    try {
      compilePattern(filter.Pattern);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      throw invalidInput(`${where}: ${error.message}`, error);
    }
    checkSubscriberPattern(JSON.parse(filter.Pattern as string) as Fields, filter.Scope, where);
  });
  const bytes = filters.reduce((sum, filter) => sum + Buffer.byteLength(String(filter.Pattern), 'utf8'), 0);
  if (bytes > MAX_FILTER_BYTES)
    throw invalidInput(
      `FilterConfiguration's patterns are ${bytes} bytes together: all filters of a configuration share one limit of ${MAX_FILTER_BYTES} bytes`,
    );
}

/** "all filters in a configuration share one limit of 4,096 bytes across the three scopes" (eb-custom-bus-filtering). */
const MAX_FILTER_BYTES = 4096;

/**
 * What a subscriber's filter refuses beyond the rules' pattern syntax, per
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-filtering.html: no
 * wildcard matcher in any scope, and a METADATA pattern of exact values only ("each value in the
 * pattern must be a JSON array of exact values, and operators such as prefix, numeric, exists,
 * and $or are not supported").
 */
function checkSubscriberPattern(pattern: Fields, scope: unknown, where: string): void {
  if (hasWildcard(pattern))
    throw invalidInput(`${where}: Filter pattern must not contain wildcard matchers (wildcard, anything-but wildcard)`);
  if (scope !== 'METADATA') return;
  for (const [key, values] of Object.entries(pattern)) {
    const exact =
      key !== '$or' &&
      Array.isArray(values) &&
      values.length > 0 &&
      values.every((value) => value === null || ['string', 'number', 'boolean'].includes(typeof value));
    if (!exact)
      throw invalidInput(
        `${where}: a METADATA filter matches exact values only: ${JSON.stringify(key)} must be a non-empty array of literal values (no prefix, numeric, exists, $or or nested fields); filter on DATA or SYSTEM_METADATA to use operators`,
      );
  }
}

/** Whether a pattern holds a `wildcard` matcher, alone or under `anything-but` (a field named "wildcard" is not one). */
function hasWildcard(fields: Fields): boolean {
  return Object.entries(fields).some(([key, value]) => {
    if (key === '$or' && Array.isArray(value)) return value.some((branch) => isFields(branch) && hasWildcard(branch));
    if (Array.isArray(value))
      return value.some((matcher) => {
        if (!isFields(matcher)) return false;
        const excluded = matcher['anything-but'];
        return 'wildcard' in matcher || (isFields(excluded) && 'wildcard' in excluded);
      });
    return isFields(value) && hasWildcard(value);
  });
}

const isFields = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A universal (AWS SDK) target's ARN: `arn:aws:events:::aws-sdk:<service>:<apiAction>`. */
export const isUniversalTarget = (targetArn: unknown) =>
  typeof targetArn === 'string' && /^arn:aws[-a-z0-9]*:events:::aws-sdk:/.test(targetArn);

/**
 * What CreateSubscriber and UpdateSubscriber refuse of a universal target, per
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-universal-targets.html:
 * - "apiAction is the API action name in camelCase with a lowercase first letter: putItem, not
 *   PutItem ... PutItem is rejected by CreateSubscriber with the message The api PutItem is not
 *   valid for the service dynamodb";
 * - unsupported actions: "Actions that read rather than change state, such as those whose names
 *   begin with get, list, or describe. An event carries something that happened, so the target
 *   action must change state", and "The EventBridge publish actions eventbridge:putEvents and
 *   eventbridge:putPartnerEvents. To deliver events to another event bus, set the bus ARN as the
 *   TargetArn";
 * - API_UniversalTargetParameters: Input is required ("JSON string or JSONata expression that
 *   produces the API request"), InvocationTimeoutSeconds "1-30, default 30. Must be a literal
 *   integer; JSONata expressions are not supported for this field";
 * - eb-custom-bus-batching: "For a universal target, BatchConfiguration is required, with both
 *   fields set, because EventBridge cannot know how many events the action's request can carry".
 * Whether the action exists for the service is not checked here: one the runtime does not
 * implement fails each event, naming it, and the start-up report names the subscriber.
 */
function checkUniversalTarget(configuration: Fields): void {
  const invoke = (configuration.InvokeConfiguration ?? {}) as Fields;
  const targetArn = invoke.TargetArn;
  if (!isUniversalTarget(targetArn)) return;
  const m = /^arn:aws[-a-z0-9]*:events:::aws-sdk:([a-z0-9-]+):([A-Za-z0-9]+)$/.exec(String(targetArn));
  if (!m)
    throw invalidInput(
      `InvokeConfiguration.TargetArn ${String(targetArn)} is not a universal target ARN: arn:aws:events:::aws-sdk:<service>:<apiAction>`,
    );
  const [, service = '', action = ''] = m;
  if (!/^[a-z]/.test(action)) throw invalidInput(`The api ${action} is not valid for the service ${service}`);
  if (/^(get|list|describe)([A-Z0-9]|$)/.test(action))
    throw invalidInput(
      `The api ${action} is not supported for the service ${service}: a universal target's action must change state, not read it (get, list, describe)`,
    );
  if (service === 'eventbridge' && (action === 'putEvents' || action === 'putPartnerEvents'))
    throw invalidInput(
      `The api ${action} is not supported for the service ${service}: to deliver events to another event bus, set the bus ARN as the TargetArn`,
    );
  const parameters = invoke.UniversalTargetParameters as Fields | undefined;
  if (parameters?.Input === undefined)
    throw invalidInput(`InvokeConfiguration.UniversalTargetParameters.Input is required for the universal target ${String(targetArn)}`);
  if (typeof parameters.Input === 'string' && !isJsonataTemplate(parameters.Input)) {
    let request: unknown;
    try {
      request = JSON.parse(parameters.Input);
    } catch (error) {
      throw invalidInput(`InvokeConfiguration.UniversalTargetParameters.Input is neither JSON nor a {% %} JSONata expression`, error);
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request))
      throw invalidInput(`InvokeConfiguration.UniversalTargetParameters.Input must be a JSON object: the action's request`);
  }
  const timeout = parameters.InvocationTimeoutSeconds;
  if (timeout !== undefined && !(/^\d+$/.test(String(timeout)) && Number(timeout) >= 1 && Number(timeout) <= 30))
    throw invalidInput(
      `InvokeConfiguration.UniversalTargetParameters.InvocationTimeoutSeconds must be a literal integer from 1 to 30, not ${String(timeout)}`,
    );
  const batch = (configuration.BatchConfiguration ?? {}) as Fields;
  if (batch.MaxBatchSize === undefined || batch.MaxBatchWindowInSeconds === undefined)
    throw invalidInput(
      `BatchConfiguration with both MaxBatchSize and MaxBatchWindowInSeconds is required for the universal target ${String(targetArn)}: EventBridge cannot know how many events the action's request can carry`,
    );
}

/** What CreateSubscriber and UpdateSubscriber check of a subscriber's target beyond the model: its Transformer, and a universal target's own rules. */
export function checkTarget(configuration: Fields): void {
  checkTransformer(configuration.Transformer as Fields | undefined, (configuration.InvokeConfiguration as Fields | undefined)?.TargetArn);
  checkUniversalTarget(configuration);
}

/** A Custom Event Bus - Classic (the `events` API's bus) as a target: `arn:aws:events:<region>:<account>:event-bus/<name>`. */
export const isClassicBusTarget = (targetArn: unknown) =>
  typeof targetArn === 'string' && /^arn:aws[-a-z0-9]*:events:[^:]*:[^:]*:event-bus\//.test(targetArn);

/**
 * A subscriber's Transformer: JSONATA needs a JsonataConfiguration whose expression compiles,
 * the other types take none, and a universal target takes no Transformer at all (its input is
 * UniversalTargetParameters.Input).
 */
export function checkTransformer(transformer: Fields | undefined, targetArn: unknown): void {
  if (transformer === undefined) return;
  if (isUniversalTarget(targetArn))
    throw invalidInput(
      `a Transformer is not applicable to the universal target ${String(targetArn)}: set its input in InvokeConfiguration.UniversalTargetParameters.Input`,
    );
  // "A subscriber whose target is a Custom Event Bus - Classic supports only RAW" (eb-custom-bus-transform).
  if (isClassicBusTarget(targetArn) && (transformer.Type ?? 'RAW') !== 'RAW')
    throw invalidInput(
      `Transformer.Type ${String(transformer.Type)} is not supported for the Custom Event Bus - Classic target ${String(targetArn)}: such a subscriber supports only RAW`,
    );
  const jsonata = transformer.JsonataConfiguration as Fields | undefined;
  if (transformer.Type === 'JSONATA') {
    if (jsonata === undefined) throw invalidInput('Transformer.JsonataConfiguration is required when Transformer.Type is JSONATA');
    checkJsonata(jsonata.Expression, 'Transformer.JsonataConfiguration.Expression');
  } else if (jsonata !== undefined) {
    throw invalidInput(
      `Transformer.JsonataConfiguration applies only when Transformer.Type is JSONATA, not ${String(transformer.Type ?? 'unset')}`,
    );
  }
}

function checkJsonata(expression: unknown, where: string): void {
  if (!isJsonataTemplate(expression)) throw invalidInput(`${where} must be a JSONata expression wrapped in {% %}`);
  try {
    compileJsonata(expression);
  } catch (error) {
    throw invalidInput(`${where} is not a valid JSONata expression: ${(error as Error).message}`, error);
  }
}

/** A subscriber's starting position: POINT_IN_TIME needs a PointInTimeConfiguration, and TIMESTAMP a StartingPoint. */
export function checkStartingPosition(input: Fields): void {
  const pointInTime = input.PointInTimeConfiguration as Fields | undefined;
  if (input.StartingPosition === 'POINT_IN_TIME' && pointInTime === undefined)
    throw invalidInput('PointInTimeConfiguration is required when StartingPosition is POINT_IN_TIME');
  if (pointInTime !== undefined && input.StartingPosition !== 'POINT_IN_TIME')
    throw invalidInput('PointInTimeConfiguration applies only when StartingPosition is POINT_IN_TIME');
  if (pointInTime?.PointType === 'TIMESTAMP' && pointInTime.StartingPoint === undefined)
    throw invalidInput('PointInTimeConfiguration.StartingPoint is required when PointType is TIMESTAMP');
}

/** The role a subscriber's service assumes must be the caller's account's. */
export function checkRoleAccount(invoke: Fields | undefined, accountId: string): void {
  const role = invoke?.RoleArn;
  if (typeof role === 'string' && role.split(':')[4] !== accountId)
    throw invalidInput(`InvokeConfiguration.RoleArn ${role} must belong to the calling account ${accountId}`);
}

/** An event source's Configuration: exactly one of its variants (a union). */
export function eventSourceType(configuration: Fields): 'AWS_SERVICE_EVENTS' | 'PARTNER_EVENTS' {
  const variants = Object.keys(configuration);
  if (variants.length !== 1)
    throw invalidInput(
      `Configuration must set exactly one of AwsServiceEventsConfiguration and PartnerEventsConfiguration, not ${variants.length === 0 ? 'none' : variants.join(' and ')}`,
    );
  const pattern = (configuration.AwsServiceEventsConfiguration ?? configuration.PartnerEventsConfiguration) as Fields;
  if (pattern.Pattern !== undefined && pattern.Pattern !== '') {
    try {
      compilePattern(pattern.Pattern);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      throw invalidInput(`Configuration.${variants[0]}.Pattern: ${error.message}`, error);
    }
  }
  return variants[0] === 'AwsServiceEventsConfiguration' ? 'AWS_SERVICE_EVENTS' : 'PARTNER_EVENTS';
}

/**
 * Whether a policy grants public access: a statement allowing a wildcard principal with no
 * condition naming the callers' accounts, organizations or principals (the model's
 * PublicPolicyException). Conditions on event content do not identify the caller.
 */
export function grantsPublicAccess(document: Fields): boolean {
  const statements = Array.isArray(document.Statement) ? (document.Statement as Fields[]) : [document.Statement as Fields];
  return statements.some((statement) => {
    if (statement?.Effect !== 'Allow') return false;
    const principal = statement.Principal;
    const wildcard =
      principal === '*' || (typeof principal === 'object' && principal !== null && [(principal as Fields).AWS].flat().includes('*'));
    if (!wildcard) return false;
    const keys = Object.values((statement.Condition ?? {}) as Record<string, Fields>).flatMap((operands) => Object.keys(operands ?? {}));
    return !keys.some((key) =>
      /^aws:(SourceAccount|SourceOwner|PrincipalAccount|PrincipalOrgID|PrincipalOrgPaths|PrincipalArn|SourceArn)$/i.test(key),
    );
  });
}
