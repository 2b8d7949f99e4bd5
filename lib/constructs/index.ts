/**
 * `switchyard-cdk/constructs`: the CDK constructs. Each owns its resources, validates its
 * props at synthesis (errors name the construct path, the prop, the value and the range)
 * and grants permissions only through `grant*` methods.
 *
 * @module switchyard-cdk/constructs
 */

export * from './agent-graph.js';
export type { AgentFanOutNode, AgentNode, AgentTaskNode } from './agent-graph-layers.js';
export * from './bedrock-model.js';
export * from './bus-subscriber.js';
export * from './change-capture.js';
export * from './circuit-breaker.js';
export * from './custom-event-bus.js';
export * from './custom-event-bus-ref.js';
export * from './durable-flow.js';
export * from './encryption.js';
export * from './escalation-policy.js';
export * from './event-hub.js';
export { FEATURE_FLAGS, type FeatureFlag } from './feature-flags.js';
export * from './file-trigger.js';
export * from './flow-control-table.js';
export * from './idempotency-store.js';
export * from './monitoring.js';
export {
  type AlarmText,
  alarmsAreOff,
  type DashboardLine,
  type DashboardLines,
  flowName,
  type IMonitorable,
  isMonitorable,
  MonitoringContext,
  type MonitoringThresholds,
  RUNBOOK_SECTIONS,
  type RunbookSection,
  resourceName,
} from './monitoring-context.js';
export * from './queue-consumer.js';
export type {
  FlowCircuitBreaker,
  FlowDebounce,
  FlowPauseOnThrottle,
  FlowRateLimit,
  QueueConsumerFlowControl,
} from './queue-consumer-flow-control.js';
export type { QueueConsumerPriority } from './queue-consumer-priority.js';
export * from './saga.js';
export * from './scheduled-trigger.js';
export * from './staged-pipeline.js';
export type { StreamPipeProps } from './stream-pipe.js';
export {
  type SubscriberFilter,
  type SubscriberFilterScope,
  SubscriberStartingPosition,
  SubscriberTransformer,
} from './subscriber-options.js';
export * from './subscriber-target.js';
export * from './switchyard-function.js';
export * from './table-outbox.js';
export { OTLP_EXPORT_ACTIONS, TRACING_CONTEXT_KEY, TRACING_MODES, type TracingMode } from './tracing.js';
export { invalidProp, PropValidationError, type ValidationSubject, validateInteger, validateRange } from './validation.js';
export * from './webhook-ingress.js';
export * from './workflow.js';
