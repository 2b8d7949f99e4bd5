/**
 * The app's durable handler, as durable-flow-entry.ts imports it: the bundle's alias replaces
 * this name with the DurableFlow's `handler.entry` (lib/constructs/bundle-aliases.ts); no
 * module of that name exists.
 */
declare module 'switchyard-cdk/durable-flow-handler' {
  export const handler: import('./durable-forks.js').DurableInvocationHandler<unknown, unknown>;
}
