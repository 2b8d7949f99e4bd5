/**
 * A subscriber's target parameters (`InvokeConfiguration.*Parameters`) with their `{% %}`
 * expressions, per https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-transform.html#eb-custom-bus-transform-parameters:
 * - a member holds "either a literal value or one complete JSONata expression enclosed in {% and
 *   %}. EventBridge does not evaluate an expression embedded inside a longer string";
 * - expressions "read the original input object, not the payload that Transformer produced";
 * - SqsParameters, SnsParameters, KinesisParameters, HttpParameters and EventBusV2Parameters see
 *   one input object per event; LambdaParameters, StepFunctionsParameters and
 *   UniversalTargetParameters.Input an array of them, once per invocation (`$events[0].Data`);
 * - "A target parameter expression must return a string, unless the field defines another type;
 *   UniversalTargetParameters.Input can return any JSON value";
 * - in map-valued members the keys are expressions too (message attributes, query strings, a
 *   downstream bus's Metadata; header keys only for an API destination), a `BinaryValue` is never
 *   evaluated, and a header that would override request signing is refused.
 */

import { isJsonataTemplate } from '../../states/engine/jsonata.js';
import { invalidInput } from '../checks.js';
import type { Fields } from '../store.js';
import { type BusEvent, withMetadata } from './bus-event.js';
import { compileBusExpression, MAX_EXPRESSION_CHARS, MAX_INPUT_EXPRESSION_CHARS, TransformError } from './expressions.js';

/** The parameter groups resolved once per target invocation, over the batch's events; the others per event. */
const PER_INVOCATION = new Set(['LambdaParameters', 'StepFunctionsParameters', 'UniversalTargetParameters']);
/** Maps whose keys are expressions as well as their values. */
const KEYED_MAPS = new Set([
  'SqsParameters.MessageAttributes',
  'SqsParameters.MessageSystemAttributes',
  'SnsParameters.MessageAttributes',
  'HttpParameters.QueryStringParameters',
  'EventBusV2Parameters.Metadata',
]);
/** Members never evaluated: a message attribute's BinaryValue ("a literal Base64 value") and DataType. */
const LITERAL_MEMBERS = new Set(['BinaryValue', 'DataType']);
/** "EventBridge rejects a header that would override request signing: Authorization, Host, and any header that begins with X-Amz." */
const SIGNING_HEADER = /^(authorization|host|x-amz.*)$/i;

type Resolve = (events: unknown) => Promise<unknown>;

/** A subscriber's target parameters, compiled once: each call resolves them for one event, or one invocation's events. */
export interface TargetParameters {
  /** The per-event groups (SqsParameters, SnsParameters, KinesisParameters, HttpParameters, EventBusV2Parameters), resolved. @throws TransformError */
  perEvent(event: BusEvent): Promise<Record<string, unknown>>;
  /** The per-invocation groups (LambdaParameters, StepFunctionsParameters, UniversalTargetParameters), resolved over the batch. @throws TransformError */
  perInvocation(events: readonly BusEvent[]): Promise<Record<string, unknown>>;
}

/**
 * Compiles the `*Parameters` groups of an InvokeConfiguration.
 * @throws AwsError InvalidInputException naming the member: an expression that does not compile, a signing header
 */
export function compileTargetParameters(invoke: Fields | undefined): TargetParameters {
  const apiDestination = typeof invoke?.TargetArn === 'string' && /:api-destination\//.test(invoke.TargetArn);
  const perEvent: [string, Resolve][] = [];
  const perInvocation: [string, Resolve][] = [];
  for (const [group, value] of Object.entries(invoke ?? {})) {
    if (!group.endsWith('Parameters') || value === undefined || value === null) continue;
    const resolve = compileMember(value, group, `InvokeConfiguration.${group}`, apiDestination);
    (PER_INVOCATION.has(group) ? perInvocation : perEvent).push([group, resolve]);
  }
  const resolveAll = async (groups: readonly [string, Resolve][], events: unknown) => {
    const out: Record<string, unknown> = {};
    for (const [group, resolve] of groups) out[group] = await resolve(events);
    return out;
  };
  return {
    perEvent: (event) => resolveAll(perEvent, withMetadata(event)),
    perInvocation: (events) => resolveAll(perInvocation, events.map(withMetadata)),
  };
}

/** One member's value: a string (literal or expression), a list, or a structure or map (keys literal, or expressions in KEYED_MAPS). */
function compileMember(value: unknown, path: string, member: string, apiDestination: boolean): Resolve {
  if (typeof value === 'string') return compileString(value, path, member);
  if (Array.isArray(value)) {
    const items = value.map((item, index) => compileMember(item, path, `${member}[${index}]`, apiDestination));
    return async (events) => {
      const out: unknown[] = [];
      for (const item of items) out.push(await item(events));
      return out;
    };
  }
  if (typeof value !== 'object' || value === null) return async () => value;
  const keyed = KEYED_MAPS.has(path) || (apiDestination && path === 'HttpParameters.HeaderParameters');
  const headers = path === 'HttpParameters.HeaderParameters';
  const entries = Object.entries(value as Fields).map(([key, item]) => {
    if (headers && !isJsonataTemplate(key) && SIGNING_HEADER.test(key))
      throw invalidInput(`${member} must not set the header ${key}: it would override request signing (Authorization, Host, X-Amz-*)`);
    const resolveKey = keyed ? compileString(key, `${path}.<key>`, `${member} key ${key}`) : async () => key;
    const resolveValue = LITERAL_MEMBERS.has(key)
      ? async () => item
      : compileMember(item, `${path}.${key}`, `${member}.${key}`, apiDestination);
    return { key, resolveKey, resolveValue };
  });
  return async (events) => {
    const out: Record<string, unknown> = {};
    for (const { key, resolveKey, resolveValue } of entries) {
      const name = (await resolveKey(events)) as string;
      if (Object.hasOwn(out, name))
        throw new TransformError(`${member} key ${key}`, `two keys resolved to the same name ${JSON.stringify(name)}.`);
      if (headers && SIGNING_HEADER.test(name))
        throw new TransformError(`${member} key ${key}`, `resolved to ${name}, a header that would override request signing.`);
      out[name] = await resolveValue(events);
    }
    return out;
  };
}

/** A literal stays as written; an expression must yield a string, except UniversalTargetParameters.Input (any JSON value). */
function compileString(value: string, path: string, member: string): Resolve {
  if (!isJsonataTemplate(value)) return async () => value;
  const input = path === 'UniversalTargetParameters.Input';
  const expression = compileBusExpression(value, member, input ? MAX_INPUT_EXPRESSION_CHARS : MAX_EXPRESSION_CHARS);
  return async (events) => {
    const result = await expression.evaluate(events);
    if (!input && typeof result !== 'string')
      throw new TransformError(
        member,
        `The JSONata expression returned ${describe(result)}: a target parameter expression must return a string.`,
      );
    return result;
  };
}

const describe = (value: unknown) =>
  Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value} (${String(value)})`;
