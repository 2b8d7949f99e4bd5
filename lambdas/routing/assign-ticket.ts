import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { TicketRouted } from '../../contracts/index.js';

/** A ticket's assignment, as the assignments table holds it (one item per ticket). */
export interface Assignment {
  readonly ticketId: string;
  readonly queue: string;
  readonly decidedBy: string;
  readonly confidence: number;
  readonly model: string;
  readonly reviewer?: string;
  /** The TicketRouted event that made the assignment. */
  readonly routedEventId: string;
  readonly correlationId: string;
  /** When the assignment was written (ISO-8601). */
  readonly assignedAt: string;
}

export type AssignOutcome =
  | { readonly outcome: 'ASSIGNED'; readonly assignment: Assignment }
  /** The ticket was already assigned; `assignment` is the one that stands, `conflicting` whether this event named another queue. */
  | { readonly outcome: 'DUPLICATE'; readonly assignment: Assignment; readonly conflicting: boolean };

/**
 * Writes the ticket's assignment if it has none: one PutItem conditional on the ticket
 * having no item, so that however often TicketRouted is delivered, and however many
 * copies run at once, exactly one write happens and the first assignment stands.
 */
export async function assignTicket(
  client: DynamoDBClient,
  tableName: string,
  routed: TicketRouted,
  cause: { readonly eventId: string; readonly correlationId: string },
  now: Date = new Date(),
): Promise<AssignOutcome> {
  const assignment: Assignment = {
    ticketId: routed.ticketId,
    queue: routed.queue,
    decidedBy: routed.decidedBy,
    confidence: routed.confidence,
    model: routed.model,
    ...(routed.reviewer === undefined ? {} : { reviewer: routed.reviewer }),
    routedEventId: cause.eventId,
    correlationId: cause.correlationId,
    assignedAt: now.toISOString(),
  };
  try {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: marshall(assignment),
        ConditionExpression: 'attribute_not_exists(ticketId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { outcome: 'ASSIGNED', assignment };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // DynamoDB returns the item that stands with the failed condition; a store that does
    // not (an older emulator) is asked once more.
    const item =
      error.Item ??
      (await client.send(new GetItemCommand({ TableName: tableName, Key: marshall({ ticketId: routed.ticketId }), ConsistentRead: true })))
        .Item;
    const existing = (item ? unmarshall(item) : assignment) as Assignment;
    return { outcome: 'DUPLICATE', assignment: existing, conflicting: existing.queue !== routed.queue };
  }
}
