/** Keyed flow control for queue consumers: concurrency, rate limit, debounce and pause per key, in the FlowControlTable. */
export * from './concurrency.js';
export * from './debounce.js';
export * from './errors.js';
export * from './gate.js';
export * from './item-keys.js';
export * from './pause.js';
export * from './rate-limit.js';
export * from './settings.js';
export type { FlowControlStore } from './store.js';
