import * as path from 'node:path';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import {
  ChangeCapture,
  CircuitBreaker,
  EventHub,
  FileTrigger,
  IdempotencyStore,
  ScheduledTrigger,
  SwitchyardEncryption,
  SwitchyardMonitoring,
  WebhookIngress,
} from 'switchyard-cdk/constructs';
import { CONTRACTS, TicketCreated, type TicketQueue } from '../domain/index.js';
import { ContentPipeline } from './flows/content-pipeline.js';
import { DurableOrderSaga } from './flows/durable-order-saga.js';
import { OrderSaga } from './flows/order-saga.js';
import { ResearchAgents } from './flows/research-agents.js';
import { TicketRouting } from './flows/ticket-routing.js';
import { TicketTriage } from './flows/ticket-triage.js';

export interface SwitchyardStackProps extends StackProps {
  /**
   * Accounts besides this one that may publish to the hub.
   * @default - only this account
   */
  readonly allowedAccounts?: readonly string[];
  /**
   * Bedrock model or inference profile for ticket classification.
   * @default - the bundled local model
   */
  readonly bedrockModelId?: string;
  /**
   * Confidence at or above which tickets are routed without a person.
   * @default 0.7
   */
  readonly confidenceThreshold?: number;
  /**
   * Queue for escalated tickets whose SLA passes undecided.
   * @default - the model's suggestion
   */
  readonly slaDefaultQueue?: TicketQueue;
  /**
   * Whether example events may ask flows to fail on purpose (the `simulate` of orders, jobs, research requests and tickets).
   * @default false - they are refused; the example app turns it on in cdk.json for its demos
   */
  readonly simulatedFailures?: boolean;
  /**
   * The first reviewer's SLA on an escalated ticket (reminder at 3/4 of it; the support lead then has as long again).
   * @default Duration.hours(4)
   */
  readonly escalationSla?: Duration;
  /**
   * Who may decide once an escalation is reassigned to the support lead.
   * @default - anyone
   */
  readonly escalationLeads?: readonly string[];
  /**
   * Whether everything the stack creates that stores data (the bus and its archive, queues,
   * tables, log groups, webhook secrets, the alarm topic) is encrypted with one
   * customer-managed KMS key of its own, rotated yearly (`SwitchyardEncryption`).
   * @default false - AWS-managed keys (SQS-managed for queues)
   */
  readonly customerManagedKey?: boolean;
  /**
   * The topic every alarm notifies.
   * @default - a new encrypted topic (subscribe to it after deploying: its ARN is the AlarmTopicArn output)
   */
  readonly alarmTopic?: sns.ITopic;
}

/** The whole Switchyard app: the hub, the idempotency store and the flows. */
export class SwitchyardStack extends Stack {
  public readonly hub: EventHub;
  public readonly idempotencyStore: IdempotencyStore;
  public readonly ticketTriage: TicketTriage;
  public readonly ticketRouting: TicketRouting;
  public readonly webhooks: WebhookIngress;
  /** An hourly `ScheduleFired` tick on the hub (`detail.schedule` = `SlaSweep`), for consumers that sweep on a clock. */
  public readonly slaSweep: ScheduledTrigger;
  /** Ticket attachments uploaded under `attachments/` land on the hub as FileLanded. */
  public readonly ticketAttachments: FileTrigger;
  /** Tickets as rows: an inserted row becomes TicketCreated on the hub (ticketChanges). */
  public readonly tickets: dynamodb.Table;
  public readonly ticketChanges: ChangeCapture;
  /** The breaker on the triage model: opens after 5 model failures in a minute, for 30 s. */
  public readonly modelCircuit: CircuitBreaker;
  /** OrderPlaced -> reserve, charge, ship; a business failure is compensated in reverse (OrderFailed). */
  public readonly orderSaga: OrderSaga;
  /** The same saga as a durable function, for OrderPlaced with `coordination: 'durable'` (docs/durable-vs-step-functions.md). */
  public readonly durableOrderSaga: DurableOrderSaga;
  /** JobRequested -> script -> storyboard -> inference -> render -> approval (a person) -> publish, with a read model rebuilt by replay. */
  public readonly contentPipeline: ContentPipeline;
  /** ResearchRequested -> plan, fan out to models (budget, quotas, tolerated failures), report. */
  public readonly researchAgents: ResearchAgents;
  /** Alarms on every DLQ, queue, flow, rule, function, pipe, schedule and circuit; the dashboard; the saved Logs Insights queries. */
  public readonly monitoring: SwitchyardMonitoring;
  /** The stack's customer-managed key, with `customerManagedKey`. */
  public readonly encryption?: SwitchyardEncryption;

  constructor(scope: Construct, id: string, props: SwitchyardStackProps = {}) {
    super(scope, id, props);
    // First: every construct after it looks the stack's key up when it is created.
    if (props.customerManagedKey) this.encryption = new SwitchyardEncryption(this, 'Encryption');
    // A stable bus name producers can be configured with (one hub per stack name and region).
    this.hub = new EventHub(this, 'Hub', {
      eventBusName: `${this.stackName}-hub`,
      allowedAccounts: props.allowedAccounts,
      contracts: CONTRACTS,
    });
    this.idempotencyStore = new IdempotencyStore(this, 'Idempotency');
    // The order of these calls is the order of the template's resources: keep it.
    ({ modelCircuit: this.modelCircuit, ticketTriage: this.ticketTriage, ticketRouting: this.ticketRouting } = this.ticketFlows(props));
    ({
      webhooks: this.webhooks,
      tickets: this.tickets,
      ticketChanges: this.ticketChanges,
      slaSweep: this.slaSweep,
      ticketAttachments: this.ticketAttachments,
    } = this.ingress());
    ({
      orderSaga: this.orderSaga,
      durableOrderSaga: this.durableOrderSaga,
      contentPipeline: this.contentPipeline,
      researchAgents: this.researchAgents,
    } = this.businessFlows(props));
    // Last, so that it finds every construct above.
    this.monitoring = new SwitchyardMonitoring(this, 'Monitoring', {
      alarmTopic: props.alarmTopic,
      businessKeys: ['ticketId', 'orderId', 'jobId', 'requestId'],
    });
    this.outputs();
  }

  /** Tickets: the model's breaker, triage (classify, route or escalate) and routing (assign). */
  private ticketFlows(props: SwitchyardStackProps) {
    const modelCircuit = new CircuitBreaker(this, 'ModelCircuit', { circuitName: 'ticket-model', eventBus: this.hub.eventBus });
    const ticketTriage = new TicketTriage(this, 'TicketTriage', {
      eventBus: this.hub.eventBus,
      idempotencyStore: this.idempotencyStore,
      bedrockModelId: props.bedrockModelId,
      allowSimulatedFailures: props.simulatedFailures,
      confidenceThreshold: props.confidenceThreshold,
      slaDefaultQueue: props.slaDefaultQueue,
      escalationSla: props.escalationSla,
      escalationLeads: props.escalationLeads,
      modelCircuit,
    });
    const ticketRouting = new TicketRouting(this, 'TicketRouting', { eventBus: this.hub.eventBus });
    return { modelCircuit, ticketTriage, ticketRouting };
  }

  /** Ways onto the hub besides PutEvents: a webhook, a table's stream, a schedule and a bucket. */
  private ingress() {
    // A payment provider's webhook (Stripe's signature scheme) becomes PaymentReceived on the hub.
    const webhooks = new WebhookIngress(this, 'Webhooks', {
      eventBus: this.hub.eventBus,
      idempotencyStore: this.idempotencyStore,
      providers: [
        {
          name: 'payments',
          entry: path.join(import.meta.dirname, '..', 'lambdas', 'webhooks', 'payments.ts'),
          description: 'Payment provider webhook: verifies the signature, publishes PaymentReceived, answers 202',
        },
      ],
    });
    // A helpdesk that writes tickets to a table instead of sending events: each inserted row
    // becomes TicketCreated through the table's stream. Sent directly too, a ticket still
    // starts one triage: TicketCreated is keyed on ticketId, not on the change.
    const tickets = new dynamodb.Table(this, 'Tickets', {
      partitionKey: { name: 'ticketId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...SwitchyardEncryption.tableEncryption(this),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const ticketChanges = new ChangeCapture(this, 'TicketChanges', {
      table: tickets,
      eventBus: this.hub.eventBus,
      entity: 'Ticket',
      source: TicketCreated.source,
      changes: ['INSERT'],
    });
    // 720 firings a month, within Scheduler's free tier; a consumer matches slaSweep.eventPattern.
    const slaSweep = new ScheduledTrigger(this, 'SlaSweep', {
      eventBus: this.hub.eventBus,
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      description: 'Hourly tick on the hub for sweeps that run on a clock (escalations past their SLA)',
    });
    const ticketAttachments = new FileTrigger(this, 'TicketAttachments', {
      eventBus: this.hub.eventBus,
      name: 'ticket-attachments',
      prefix: 'attachments/',
    });
    return { webhooks, tickets, ticketChanges, slaSweep, ticketAttachments };
  }

  /** Orders (as a state machine and as a durable function), the content pipeline and the research agents. */
  private businessFlows(props: SwitchyardStackProps) {
    const orderSaga = new OrderSaga(this, 'OrderSaga', {
      eventBus: this.hub.eventBus,
      idempotencyStore: this.idempotencyStore,
      allowSimulatedFailures: props.simulatedFailures,
    });
    const durableOrderSaga = new DurableOrderSaga(this, 'DurableOrderSaga', {
      eventBus: this.hub.eventBus,
      idempotencyStore: this.idempotencyStore,
      ledger: orderSaga.ledger,
      inventory: orderSaga.inventory,
      allowSimulatedFailures: props.simulatedFailures,
    });
    const contentPipeline = new ContentPipeline(this, 'ContentPipeline', {
      eventBus: this.hub.eventBus,
      allowSimulatedFailures: props.simulatedFailures,
    });
    const researchAgents = new ResearchAgents(this, 'ResearchAgents', {
      eventBus: this.hub.eventBus,
      idempotencyStore: this.idempotencyStore,
      allowSimulatedFailures: props.simulatedFailures,
    });
    return { orderSaga, durableOrderSaga, contentPipeline, researchAgents };
  }

  /** What a user needs after `cdk deploy` to send an event and find its executions. */
  private outputs(): void {
    new CfnOutput(this, 'EventBusName', { value: this.hub.eventBus.eventBusName, description: 'PutEvents here' });
    new CfnOutput(this, 'TriageStateMachineArn', { value: this.ticketTriage.triage.stateMachine.stateMachineArn });
    new CfnOutput(this, 'EscalationStateMachineArn', { value: this.ticketTriage.escalation.stateMachine.stateMachineArn });
    new CfnOutput(this, 'TriageDeadLetterQueueUrl', {
      value: this.ticketTriage.triage.starter?.deadLetterQueue.queueUrl ?? 'none',
      description: 'Tickets whose triage failed for good, each with its reason as message attributes',
    });
    new CfnOutput(this, 'TicketAssignmentsTableName', {
      value: this.ticketRouting.assignments.tableName,
      description: 'One assignment per routed ticket',
    });
    const payments = this.webhooks.providers.get('payments');
    new CfnOutput(this, 'PaymentsWebhookUrl', { value: payments?.url ?? 'none', description: 'POST signed payment webhooks here' });
    new CfnOutput(this, 'PaymentsWebhookSecretArn', {
      value: payments?.secret.secretArn ?? 'none',
      description: "The payments webhook's signing secret (store the provider's with put-secret-value)",
    });
    new CfnOutput(this, 'AttachmentsBucketName', {
      value: this.ticketAttachments.bucket.bucketName,
      description: 'Upload ticket attachments under attachments/: each lands on the hub as FileLanded',
    });
    new CfnOutput(this, 'ModelCircuitTableName', {
      value: this.modelCircuit.table.tableName,
      description: "The triage model's circuit breaker (item id ticket-model): its state, failures and generation",
    });
    new CfnOutput(this, 'TicketsTableName', {
      value: this.tickets.tableName,
      description: 'Put a ticket row here (ticketId, customerId, subject, body) and it is triaged',
    });
    new CfnOutput(this, 'TicketChangesDeadLetterQueueUrl', {
      value: this.ticketChanges.deadLetterQueue.queueUrl,
      description: 'Batches of ticket rows the change-capture pipe gave up on',
    });
    new CfnOutput(this, 'RoutingDeadLetterQueueUrl', {
      value: this.ticketRouting.consumer.deadLetterQueue.queueUrl,
      description: 'TicketRouted events that could not be applied, each with its reason as message attributes',
    });
    new CfnOutput(this, 'OrderSagaStateMachineArn', { value: this.orderSaga.saga.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'OrderLedgerTableName', {
      value: this.orderSaga.ledger.tableName,
      description: 'Every order effect (reserve, charge, ship, refund, release), once per order',
    });
    new CfnOutput(this, 'OrderInventoryTableName', {
      value: this.orderSaga.inventory.tableName,
      description: "Each SKU's reserved units: the ledger's reserves minus its releases, moved in the same transaction",
    });
    new CfnOutput(this, 'PipelineLedgerTableName', {
      value: this.contentPipeline.pipeline.ledger.tableName,
      description: 'Every content pipeline effect (write-script ... publish), once per job',
    });
    new CfnOutput(this, 'PipelineReadModelTableName', {
      value: this.contentPipeline.pipeline.readModel.tableName,
      description: 'One item per job: the fold of its events (rebuilt by switchyard rebuild)',
    });
    new CfnOutput(this, 'PipelineProjectorRuleName', {
      value: this.contentPipeline.pipeline.projectorRule.ruleName,
      description: 'The rule a rebuild replays the archive to, alone',
    });
    new CfnOutput(this, 'ResearchStateMachineArn', { value: this.researchAgents.graph.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.monitoring.alarmTopic.topicArn,
      description: 'Every alarm notifies this topic: subscribe to it (each alarm says what broke and what to run)',
    });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
    new CfnOutput(this, 'ResearchLedgerTableName', {
      value: this.researchAgents.ledger.tableName,
      description: 'Every model call of the research flow, by request, sub-task and attempt',
    });
  }
}
