import * as path from 'node:path';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import { Duration, RemovalPolicy } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { QueueConsumer, SwitchyardEncryption } from 'switchyard-cdk/constructs';
import { EXPIRES_AT_ATTRIBUTE, TicketRouted } from '../../domain/index.js';
import { APP_ENV } from '../../domain/wiring.js';

const ASSIGN_ENTRY = path.join(import.meta.dirname, '../../lambdas/routing/handler.ts');

export interface TicketRoutingProps {
  /** The hub bus TicketRouted is published on. */
  readonly eventBus: events.IEventBus;
  /**
   * What happens to the assignments table when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Applies TicketRouted: each ticket's assignment to a queue, versioned by the decision
 * (contracts/tickets.ts, ticketRoutedVersion). Publishing is at-least-once (a crash
 * between a state machine's PutEvents and its completion publishes again) and events can
 * arrive out of order, so the effect is one conditional write on the version where it
 * happens: a newer decision (a person's re-route) replaces the assignment, while a repeated
 * or late older TicketRouted changes nothing and is recorded in the table as ignored, with
 * the reason (lambdas/kit/versioned-state.ts).
 */
export class TicketRouting extends Construct {
  /** One item per ticket (key `ticketId`): its queue, who decided, when, and from which event. */
  public readonly assignments: dynamodb.ITable;
  public readonly consumer: QueueConsumer;

  constructor(scope: Construct, id: string, props: TicketRoutingProps) {
    super(scope, id);
    this.assignments = new dynamodb.Table(this, 'Assignments', {
      partitionKey: { name: 'ticketId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...SwitchyardEncryption.tableEncryption(this),
      // Ignored-event records carry expiresAt; assignments do not and are kept.
      timeToLiveAttribute: EXPIRES_AT_ATTRIBUTE,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.consumer = new QueueConsumer(this, 'Assign', {
      eventBus: props.eventBus,
      eventPattern: { source: [TicketRouted.source], detailType: [TicketRouted.detailType] },
      description: 'TicketRouted assigns the ticket to its queue, once',
      handler: {
        entry: ASSIGN_ENTRY,
        description: 'Writes each routed ticket’s assignment once (a conditional write keyed on the ticket)',
        serviceName: 'ticket-routing',
        // One conditional write per record: a batch of 10 takes well under a second.
        timeout: Duration.seconds(10),
        environment: { [APP_ENV.assignmentsTable]: this.assignments.tableName },
      },
    });
    this.assignments.grant(this.consumer.function, 'dynamodb:PutItem', 'dynamodb:GetItem');
  }
}
