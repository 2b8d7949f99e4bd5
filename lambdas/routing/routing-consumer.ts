import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FailureQueues } from 'switchyard-cdk/kit';
import { createSqsConsumer } from 'switchyard-cdk/kit';
import { TicketRouted } from '../../domain/index.js';
import { assignTicket } from './assign-ticket.js';

export interface RoutingConsumerOptions {
  readonly dynamodb: DynamoDBClient;
  /** The assignments table (key `ticketId`). */
  readonly tableName: string;
  /** @default - the queues QueueConsumer names in the environment */
  readonly failureQueues?: FailureQueues;
}

/**
 * The TicketRouted consumer: writes each ticket's assignment by decision version (a newer
 * decision replaces it), and records a repeated or late older decision as ignored.
 */
export function createRoutingConsumer(options: RoutingConsumerOptions) {
  return createSqsConsumer({
    contracts: [TicketRouted],
    // The assignment is itself one conditional write on the ticket's decision version: a
    // claim in the idempotency table (keyed on the ticket) would refuse a newer decision.
    idempotency: false,
    failureQueues: options.failureQueues,
    describeDryRun: (routed) => ({ assignTicket: { ticketId: routed.ticketId, queue: routed.queue, table: options.tableName } }),
    handle: async (routed, { event, logger }) => {
      const cause = { eventId: event.envelope.id, correlationId: event.correlationId };
      const result = await assignTicket(options.dynamodb, options.tableName, routed, cause, new Date(), logger);
      const { assignment } = result;
      if (result.outcome === 'ASSIGNED') {
        logger.info('ticket assigned', {
          ticketId: assignment.ticketId,
          queue: assignment.queue,
          decidedBy: assignment.decidedBy,
          version: assignment.version,
        });
        return result.outcome;
      }
      if (result.outcome === 'STALE') {
        logger.info('late TicketRouted ignored: a newer decision stands', {
          ticketId: assignment.ticketId,
          assignedQueue: assignment.queue,
          standingVersion: assignment.version,
          standingEventId: assignment.routedEventId,
          staleEventId: event.envelope.id,
          staleVersion: result.ignored.eventVersion,
          staleQueue: routed.queue,
        });
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
