/**
 * Keyed flow control for queue consumers (concurrency, rate limit, debounce and pause per
 * key, in the FlowControlTable): what a handler needs to know of it. `createSqsConsumer`
 * runs the controls itself from QueueConsumer's settings; the controls' own writes
 * (slots, logs, pauses) stay internal, so their item shapes can change without a break.
 */
export { FlowHeldBackError, type FlowHoldReason } from './errors.js';
export { type Throttle, throttleOf } from './pause.js';
export { type FlowControlConfig, flowControlFromEnv } from './settings.js';
export type { FlowControlStore } from './store.js';
