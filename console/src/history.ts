/** The console reads execution histories as the CLI does: one reader for both clients (clients/execution-history.ts). */
export {
  type Attempt,
  detailsOf,
  executionOutcome,
  type StateVisit,
  stateVisits,
  type VisitStatus,
  type WireHistoryEvent,
} from '../../clients/execution-history.js';
