/**
 * The reference app's event contracts and names. Written against `switchyard-cdk/contracts`
 * exactly as another team writes its own; re-exports that module, so the app's code imports
 * one place.
 *
 * The contracts are built with `import * as Type from 'typebox'`, not the `Type` that
 * `switchyard-cdk/contracts` re-exports: the same builders, but that one is TypeBox's default
 * export, an object esbuild cannot see into, so every handler bundle defining a contract
 * through it kept all of TypeBox (~75 KB, parsed at each cold start). Through a namespace
 * import esbuild keeps only the builders called (~8 KB); the schemas are the same objects.
 */
export * from 'switchyard-cdk/contracts';
export * from './agents.js';
export * from './orders.js';
export * from './payments.js';
export * from './pipeline.js';
export * from './tickets.js';
export * from './wiring.js';

import {
  type AnyEventContract,
  CircuitClosed,
  CircuitOpened,
  EscalationDecided,
  EscalationDefaulted,
  EscalationReassigned,
  EscalationReminderSent,
  FileLanded,
  ScheduleFired,
} from 'switchyard-cdk/contracts';
import { ResearchCompleted, ResearchRequested, ResearchStopped } from './agents.js';
import { OrderCompleted, OrderFailed, OrderPlaced } from './orders.js';
import { PaymentReceived } from './payments.js';
import { JOB_EVENTS } from './pipeline.js';
import { TicketCreated, TicketDecisionRefused, TicketEscalated, TicketRouted } from './tickets.js';

/** Every event contract of the app; its schema registry publishes exactly these. */
export const CONTRACTS: readonly AnyEventContract[] = [
  TicketCreated,
  TicketEscalated,
  TicketDecisionRefused,
  TicketRouted,
  PaymentReceived,
  ScheduleFired,
  FileLanded,
  CircuitOpened,
  CircuitClosed,
  OrderPlaced,
  OrderCompleted,
  OrderFailed,
  ...JOB_EVENTS,
  EscalationReminderSent,
  EscalationReassigned,
  EscalationDecided,
  EscalationDefaulted,
  ResearchRequested,
  ResearchCompleted,
  ResearchStopped,
];
