/**
 * `switchyard-cdk/contracts`: one definition per event (its TypeScript type, its validator and
 * the JSON Schema the registry publishes), the replay policy, the names the constructs and
 * the handler kit agree on, and the toolkit's own events (circuit breaker, file trigger,
 * schedules, change capture, escalation policy). TypeBox's `Type` is re-exported, so an app
 * writes its contracts with no second schema library.
 *
 * @module switchyard-cdk/contracts
 */
export { default as Type, type Static, type TObject, type TProperties, type TSchema } from 'typebox';
export * from './agent-graph.js';
export * from './change-capture.js';
export * from './circuit-breaker.js';
export * from './contract.js';
export * from './escalations.js';
export * from './files.js';
export { FORK_EFFECTS, FORK_INPUT_KEY, type Fork, type ForkEffects, forkOfInput, InvalidForkInput } from './fork.js';
export * from './identity.js';
export * from './log-queries.js';
export * from './outbox.js';
export * from './put-events.js';
export * from './replay-policy.js';
export * from './schedules.js';
export * from './validator.js';
export * from './wiring.js';
