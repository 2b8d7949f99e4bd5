import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENV, TicketRouted } from '../../contracts/index.js';
import { requireEnv } from '../kit/config.js';
import { createSqsConsumer } from '../kit/consumer.js';
import { tracer } from '../kit/observability.js';
import { assignTicket } from './assign-ticket.js';

const tableName = requireEnv(ENV.assignmentsTable);
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));

/** Applies each TicketRouted: the ticket's assignment, written once. */
export const handler = createSqsConsumer({
  contracts: [TicketRouted],
  // The assignment is itself one conditional write keyed on the ticket: a claim in the
  // idempotency table first would only add a second write per record.
  idempotency: false,
  handle: async (routed, { event, logger }) => {
    const result = await assignTicket(dynamodb, tableName, routed, { eventId: event.envelope.id, correlationId: event.correlationId });
    const { assignment } = result;
    if (result.outcome === 'ASSIGNED') {
      logger.info('ticket assigned', { ticketId: assignment.ticketId, queue: assignment.queue, decidedBy: assignment.decidedBy });
      return;
    }
    const details = {
      ticketId: assignment.ticketId,
      assignedQueue: assignment.queue,
      firstProcessedAt: assignment.assignedAt,
      firstEventId: assignment.routedEventId,
      duplicateQueue: routed.queue,
    };
    if (result.conflicting) logger.warn('duplicate TicketRouted names another queue; the first assignment stands', details);
    else logger.info('duplicate skipped: the ticket is already assigned', details);
  },
});
