/**
 * What a Custom Event Bus subscriber selects and what its target receives: its filters, its
 * transformer and its target parameters, compiled once per subscriber configuration and applied to
 * each event by the delivery engine. AWS:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-filtering.html and
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-transform.html.
 */
import { type CompiledPattern, compilePattern, matchesPattern } from '../../events/pattern.js';
import { checkFilterConfiguration, checkTransformer } from '../checks.js';
import type { Fields } from '../store.js';
import { type BusEvent, OCTET_STREAM, withMetadata } from './bus-event.js';
import { type BusExpression, compileBusExpression } from './expressions.js';
import { compileTargetParameters } from './target-parameters.js';

export interface Selection {
  /** Every filter of the subscriber matches (no FilterConfiguration: every event). */
  matches(event: BusEvent): boolean;
  /**
   * What the target receives for this event per Transformer: RAW, Data as published; WITH_METADATA,
   * the envelope; JSONATA, the expression's result. An expression that throws or yields null or
   * nothing fails the event's delivery.
   * @throws TransformError
   */
  payload(event: BusEvent): Promise<unknown>;
  /** The per-event target parameters with their `{% %}` expressions resolved for this event (SqsParameters, SnsParameters, KinesisParameters, HttpParameters, EventBusV2Parameters). @throws TransformError */
  targetParameters(event: BusEvent): Promise<Readonly<Record<string, unknown>>>;
  /** The per-invocation target parameters resolved over one invocation's events (LambdaParameters, StepFunctionsParameters, UniversalTargetParameters.Input sees `$events` as the array). @throws TransformError */
  invocationParameters(events: readonly BusEvent[]): Promise<Readonly<Record<string, unknown>>>;
}

type Scope = 'DATA' | 'METADATA' | 'SYSTEM_METADATA';

/**
 * Compiles a subscriber's configuration as the API keeps it (FilterConfiguration, Transformer, InvokeConfiguration).
 * @throws AwsError InvalidInputException naming the member, for what CreateSubscriber must refuse
 */
export function compileSelection(configuration: Readonly<Record<string, unknown>>): Selection {
  const invoke = configuration.InvokeConfiguration as Fields | undefined;
  const filterConfiguration = configuration.FilterConfiguration as Fields | undefined;
  // An update's empty FilterConfiguration ({}) clears the filter: no filter, every event.
  checkFilterConfiguration(filterConfiguration, true);
  const transformer = configuration.Transformer as Fields | undefined;
  checkTransformer(transformer, invoke?.TargetArn);
  const filters = ((filterConfiguration?.Filters ?? []) as readonly Fields[]).map((filter) => ({
    scope: filter.Scope as Scope,
    pattern: compilePattern(filter.Pattern),
  }));
  const payload = compilePayload(transformer);
  const parameters = compileTargetParameters(invoke);
  return {
    matches: (event) => filters.every(({ scope, pattern }) => matchesScope(scope, pattern, event)),
    payload,
    targetParameters: (event) => parameters.perEvent(event),
    invocationParameters: (events) => parameters.perInvocation(events),
  };
}

/**
 * One filter against its part of the event. "A PutEvents event has no publisher metadata, so a
 * METADATA filter never matches one"; "An application/octet-stream event has no data a filter can
 * read, so a subscriber with a DATA filter never matches one" (eb-custom-bus-filtering). Data that
 * is not a JSON object (an array, a string, a number) has no fields for a pattern to name.
 */
function matchesScope(scope: Scope, pattern: CompiledPattern, event: BusEvent): boolean {
  if (scope === 'SYSTEM_METADATA') return matchesPattern(pattern, event.SystemMetadata);
  if (scope === 'METADATA') return event.Metadata !== undefined && matchesPattern(pattern, event.Metadata);
  if (event.SystemMetadata.ContentType === OCTET_STREAM) return false;
  const data = event.Data;
  return typeof data === 'object' && data !== null && !Array.isArray(data) && matchesPattern(pattern, data);
}

/** The payload per Transformer.Type: RAW (the default), WITH_METADATA, or JSONATA over one event as `$events`. */
function compilePayload(transformer: Fields | undefined): (event: BusEvent) => Promise<unknown> {
  const type = transformer?.Type ?? 'RAW';
  if (type === 'WITH_METADATA') return async (event) => withMetadata(event);
  if (type !== 'JSONATA') return async (event) => event.Data;
  const expression: BusExpression = compileBusExpression(
    ((transformer?.JsonataConfiguration ?? {}) as Fields).Expression as string,
    'Transformer.JsonataConfiguration.Expression',
  );
  // "In a Transformer expression $events is one event" (eb-custom-bus-addressing).
  return (event) => expression.evaluate(withMetadata(event));
}

/**
 * A payload as a message body (an SQS message, an SNS notification): "String: the string, without
 * JSON quotation marks"; an object, array, number or Boolean: its serialized JSON (eb-custom-bus-transform).
 */
export const payloadText = (payload: unknown): string => (typeof payload === 'string' ? payload : JSON.stringify(payload));
