import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TicketRouted } from '../../contracts/index.js';
import { createSqsConsumer } from '../kit/consumer.js';
import type { FailureQueues } from '../kit/failures.js';
import { assignTicket } from './assign-ticket.js';

export interface RoutingConsumerOptions {
  readonly dynamodb: DynamoDBClient;
  /** The assignments table (key `ticketId`). */
  readonly tableName: string;
  /** @default - the queues QueueConsumer names in the environment */
  readonly failureQueues?: FailureQueues;
}

/** The TicketRouted consumer: writes each ticket's assignment once and logs every later copy as a duplicate. */
export function createRoutingConsumer(options: RoutingConsumerOptions) {
  return createSqsConsumer({
    contracts: [TicketRouted],
    // The assignment is itself one conditional write keyed on the ticket: a claim in the
    // idempotency table first would only add a second write per record.
    idempotency: false,
    failureQueues: options.failureQueues,
    describeDryRun: (routed) => ({ assignTicket: { ticketId: routed.ticketId, queue: routed.queue, table: options.tableName } }),
    handle: async (routed, { event, logger }) => {
      const cause = { eventId: event.envelope.id, correlationId: event.correlationId };
      const result = await assignTicket(options.dynamodb, options.tableName, routed, cause);
      const { assignment } = result;
      if (result.outcome === 'ASSIGNED') {
        logger.info('ticket assigned', { ticketId: assignment.ticketId, queue: assignment.queue, decidedBy: assignment.decidedBy });
        return result.outcome;
      }
      const details = {
        ticketId: assignment.ticketId,
        assignedQueue: assignment.queue,
        firstProcessedAt: assignment.assignedAt,
        firstEventId: assignment.routedEventId,
        duplicateEventId: event.envelope.id,
        duplicateQueue: routed.queue,
      };
      if (result.conflicting) logger.warn('duplicate TicketRouted names another queue; the first assignment stands', details);
      else logger.info('duplicate skipped: the ticket is already assigned', details);
      return result.outcome;
    },
  });
}
