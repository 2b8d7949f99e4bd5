export * from './agent-graph.js';
export * from './agents.js';
export * from './change-capture.js';
export * from './circuit-breaker.js';
export * from './contract.js';
export * from './escalations.js';
export * from './files.js';
export * from './identity.js';
export * from './orders.js';
export * from './payments.js';
export * from './pipeline.js';
export * from './put-events.js';
export * from './replay-policy.js';
export * from './schedules.js';
export * from './tickets.js';
export * from './wiring.js';

import { ResearchCompleted, ResearchRequested, ResearchStopped } from './agents.js';
import { CircuitClosed, CircuitOpened } from './circuit-breaker.js';
import type { AnyEventContract } from './contract.js';
import { EscalationDecided, EscalationDefaulted, EscalationReassigned, EscalationReminderSent } from './escalations.js';
import { FileLanded } from './files.js';
import { OrderCompleted, OrderFailed, OrderPlaced } from './orders.js';
import { PaymentReceived } from './payments.js';
import { JOB_EVENTS } from './pipeline.js';
import { ScheduleFired } from './schedules.js';
import { TicketCreated, TicketDecisionRefused, TicketEscalated, TicketRouted } from './tickets.js';

/** Every event contract of the app; the schema registry publishes exactly these. */
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
