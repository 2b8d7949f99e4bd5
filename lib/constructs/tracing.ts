import type { IConstruct } from 'constructs';
import { TRACING_MODES, type TracingMode } from '../../contracts/wiring.js';
import { invalidProp, type ValidationSubject } from './validation.js';

export { TRACING_MODES, type TracingMode };

/**
 * The CDK context key that sets the tracing of every function and workflow of an app (or of
 * the scope it is set on): `cdk.json`'s `context`, `-c switchyard:tracing=opentelemetry`, or
 * `node.setContext` on a scope before its constructs are added. A construct's own `tracing`
 * prop wins over it.
 */
export const TRACING_CONTEXT_KEY = 'switchyard:tracing';

/** The mode a construct traces with when neither its prop nor the context says. */
export const DEFAULT_TRACING: TracingMode = 'active';

/**
 * The X-Ray action that lets a role send spans to X-Ray's OTLP endpoint
 * (`https://xray.<region>.amazonaws.com/v1/traces`), as the Service Authorization Reference
 * defines it: "Grants permission to upload OpenTelemetry spans to AWS X-Ray"; it supports no
 * resource-level permission, so it is granted on `*`.
 */
export const OTLP_EXPORT_ACTIONS: readonly string[] = ['xray:PutSpans'];

function isTracingMode(value: unknown): value is TracingMode {
  return typeof value === 'string' && (TRACING_MODES as readonly string[]).includes(value);
}

/**
 * A construct's tracing: its `tracing` prop, else the `switchyard:tracing` context of its scope,
 * else `active`. Fails synthesis, naming the construct's path, on a value that is not a mode.
 */
export function tracingModeOf(subject: ValidationSubject, prop: TracingMode | undefined): TracingMode {
  if (prop !== undefined) {
    if (!isTracingMode(prop)) invalidProp(subject, `tracing must be one of ${TRACING_MODES.join(', ')} (got ${JSON.stringify(prop)})`);
    return prop;
  }
  const scope: IConstruct = 'node' in subject ? subject : subject.scope;
  const context: unknown = scope.node.tryGetContext(TRACING_CONTEXT_KEY);
  if (context === undefined) return DEFAULT_TRACING;
  if (!isTracingMode(context)) {
    invalidProp(subject, `the ${TRACING_CONTEXT_KEY} context must be one of ${TRACING_MODES.join(', ')} (got ${JSON.stringify(context)})`);
  }
  return context;
}
