import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { applyVersioned, type IgnoredEvent } from 'switchyard-cdk/kit';
import { type TicketRouted, ticketRoutedVersion } from '../../domain/index.js';

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
  /** The version of the decision that stands (ticketRoutedVersion). */
  readonly version: number;
}

export type AssignOutcome =
  | { readonly outcome: 'ASSIGNED'; readonly assignment: Assignment }
  /**
   * The ticket already holds this decision's version (DUPLICATE) or a newer one (STALE);
   * `assignment` is the one that stands, `conflicting` whether this event named another queue,
   * `ignored` what was recorded for it.
   */
  | {
      readonly outcome: 'DUPLICATE' | 'STALE';
      readonly assignment: Assignment;
      readonly conflicting: boolean;
      readonly ignored: IgnoredEvent;
    };

/**
 * Writes the ticket's assignment if this decision is newer than the one it holds: one
 * PutItem conditional on the version (lambdas/kit/versioned-state.ts), so a person's
 * re-route replaces the model's routing, while a redelivered decision or a late older one
 * changes nothing and is recorded as ignored, however many copies run at once.
 */
export async function assignTicket(
  client: DynamoDBClient,
  tableName: string,
  routed: TicketRouted,
  cause: { readonly eventId: string; readonly correlationId: string },
  now: Date = new Date(),
  logger?: Logger,
): Promise<AssignOutcome> {
  const version = ticketRoutedVersion(routed);
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
    version,
  };
  const { ticketId, version: _version, ...update } = assignment;
  const result = await applyVersioned({
    client,
    tableName,
    key: { name: 'ticketId', value: ticketId },
    version,
    update,
    eventId: cause.eventId,
    now,
    ...(logger ? { logger } : {}),
  });
  if (result.outcome === 'applied') return { outcome: 'ASSIGNED', assignment };
  const existing = (result.current ?? assignment) as unknown as Assignment;
  return {
    outcome: result.outcome === 'ignored-duplicate' ? 'DUPLICATE' : 'STALE',
    assignment: existing,
    conflicting: existing.queue !== routed.queue,
    ignored: result.ignored,
  };
}
