/**
 * What serves a template's GraphQL APIs: graphql-js (129 modules) and ws, with what runs on
 * them. service.ts loads it once there is an API to serve (AppSyncService.start), so that the
 * start of an app without one does not load them.
 */
export { executeGraphql } from './executor.js';
export { Realtime } from './realtime.js';
export { callerOf, operationOf } from './request-trace.js';
export { appSyncSchema } from './schema.js';
