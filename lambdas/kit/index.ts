/**
 * `switchyard-cdk/kit`: everything a handler needs. An SQS consumer that validates each record
 * against its contract, claims it once (Powertools idempotency) and reports partial batch
 * failures; a Custom Event Bus subscriber's batch consumer (`createCustomBusConsumer`);
 * publishing events (`EventPublisher`, `emission`; `CustomBusPublisher` to a Custom Event Bus);
 * configuration read once at module load; the typed errors Step Functions matches on; versioned state; the circuit
 * breaker client; webhook handling; the model-call budget and token budgets; keyed flow
 * control (concurrency, rate limit, debounce, pause on throttling) for queue consumers.
 *
 * @module switchyard-cdk/kit
 */
export * from './circuit-breaker.js';
export * from './config.js';
export * from './consumer.js';
export * from './custom-bus-consumer.js';
export * from './emit.js';
export * from './emit-custom-bus.js';
export * from './envelope.js';
export * from './errors.js';
export * from './eventbridgev2-client.js';
export * from './failure-router.js';
export * from './flow-control/index.js';
export * from './flow-control/token-budget.js';
export * from './model/index.js';
export * from './model-budget.js';
export * from './observability.js';
export * from './secrets.js';
export * from './versioned-state.js';
export * from './webhook.js';
export * from './webhook-signature.js';
