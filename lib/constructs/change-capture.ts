import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CHANGE_KINDS, type ChangeKind, ENTITY_NAME } from '../../contracts/change-capture.js';
import { ENV } from '../../contracts/wiring.js';
import { grantSendMessages } from '../key-grants.js';
import { deadLetterQueue } from '../secure-queue.js';
import { invalidProp, validateInteger, validateRange } from '../validation.js';
import { packagedHandlerEntry } from './handler-entry.js';
import { type IMonitorable, type MonitoringContext, RUNBOOK_SECTIONS, resourceName, turnAlarmsOff } from './monitoring-context.js';
import { SwitchyardFunction } from './switchyard-function.js';

export interface ChangeCaptureProps {
  /** The table whose changes become events; it must have a stream (`stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES`). */
  readonly table: dynamodb.ITable;
  /** The bus the change events are put on. */
  readonly eventBus: events.IEventBus;
  /** The entity the table holds, PascalCase (`Ticket`): its events are `TicketCreated`, `TicketUpdated` and `TicketDeleted`. */
  readonly entity: string;
  /**
   * The events' `source`. An entity whose `<Entity>Created` contract already exists should
   * use that contract's source, so its rules match the captured events too.
   * @default 'switchyard.changes'
   */
  readonly source?: string;
  /**
   * Which changes become events (the stream records' `eventName`).
   * @default - all three: INSERT, MODIFY and REMOVE
   */
  readonly changes?: readonly ChangeKind[];
  /**
   * An EventBridge pattern matched against each stream record's `dynamodb` member (its
   * `Keys`, `NewImage` and `OldImage` in DynamoDB JSON), to keep one entity type of a
   * single-table design: `{ Keys: { pk: { S: [{ prefix: 'TICKET#' }] } } }`.
   * @default - every item of the table
   */
  readonly itemPattern?: Record<string, unknown>;
  /**
   * A function the pipe calls with each batch of stream records; each element of the array
   * it returns becomes one event's detail, and its detail-type is read from
   * `change.detailType` in that element.
   * @default - the bundled function, which unmarshals the images and names the events
   */
  readonly enrichment?: lambda.IFunction;
  /**
   * Where in the stream a new pipe starts: TRIM_HORIZON (every record still in the stream,
   * up to 24 hours old) or LATEST (only changes made after the pipe exists).
   * @default 'TRIM_HORIZON'
   */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /**
   * Most records per batch (1 to 10,000).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long the pipe gathers records before it sends a batch smaller than `batchSize` (0 to 300 s).
   * @default Duration.seconds(0)
   */
  readonly maximumBatchingWindow?: Duration;
  /**
   * Retries of a failed batch before its records go to the dead-letter queue (0 to 10,000).
   * @default 3
   */
  readonly maximumRetryAttempts?: number;
  /**
   * Records older than this are sent to the dead-letter queue instead of the target (60 s to 7 days).
   * @default Duration.days(1)
   */
  readonly maximumRecordAge?: Duration;
  /**
   * Split a failing batch in two and retry each half, until the record that fails is alone.
   * @default true
   */
  readonly bisectBatchOnFailure?: boolean;
  /**
   * Where the pipe sends (a description of) a batch it gave up on.
   * @default - a new SQS queue, encrypted, kept 14 days
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * The pipe's alarms (made by SwitchyardMonitoring): failed executions, the dead-letter
   * queue, the enrichment's errors and throttles. `false` turns them all off (its dashboard lines stay).
   * @default - every alarm
   */
  readonly alarms?: false;
}

/** Refuses what the pipe (or the enrichment's event details) could not be made from, in the order the props are read. */
function validateChangeCapture(
  scope: Construct,
  props: ChangeCaptureProps,
  changes: readonly ChangeKind[],
  maximumRecordAge: Duration,
): void {
  if (!Token.isUnresolved(props.entity) && !ENTITY_NAME.test(props.entity)) {
    invalidProp(scope, `entity must be PascalCase letters and digits, at most 100 characters (got ${JSON.stringify(props.entity)})`);
  }
  if (changes.length === 0) invalidProp(scope, 'changes must name at least one of INSERT, MODIFY, REMOVE (got none)');
  for (const change of changes) {
    if (!CHANGE_KINDS.includes(change)) invalidProp(scope, `changes must be INSERT, MODIFY or REMOVE (got ${JSON.stringify(change)})`);
  }
  validateRange(scope, 'batchSize', props.batchSize, 1, 10_000);
  validateInteger(scope, 'batchSize', props.batchSize);
  validateRange(scope, 'maximumBatchingWindow', props.maximumBatchingWindow?.toSeconds(), 0, 300, 'seconds');
  validateRange(scope, 'maximumRetryAttempts', props.maximumRetryAttempts, 0, 10_000);
  validateInteger(scope, 'maximumRetryAttempts', props.maximumRetryAttempts);
  validateRange(scope, 'maximumRecordAge', maximumRecordAge.toSeconds(), 60, 604_800, 'seconds');
  if (props.enrichment === undefined) checkViewType(scope, props.table, changes);
}

/**
 * A table's changes as events on the hub: the table's DynamoDB stream -> an EventBridge
 * pipe (filter on the kind of change and the item, enrichment that unmarshals the images)
 * -> `<Entity>Created`, `<Entity>Updated` and `<Entity>Deleted` on the bus. Each event's
 * detail carries the entity's fields, `changeId` (the table and the stream record's
 * `eventID`, the same on every redelivery) and `change` with the old and new images.
 * Records of one item arrive in the order they were written; a batch that keeps failing
 * is bisected, retried and finally described in the dead-letter queue.
 */
export class ChangeCapture extends Construct implements IMonitorable {
  public readonly pipe: pipes.CfnPipe;
  /** The role the pipe assumes: it may read this stream, invoke the enrichment, put events on the bus and send to the dead-letter queue. */
  public readonly role: iam.Role;
  /** The bundled enrichment function (none when `enrichment` is given). */
  public readonly enrichmentFunction?: SwitchyardFunction;
  public readonly deadLetterQueue: sqs.IQueue;
  /** The entity whose changes become events. */
  public readonly entity: string;

  constructor(scope: Construct, id: string, props: ChangeCaptureProps) {
    super(scope, id);
    const streamArn = props.table.tableStreamArn;
    if (streamArn === undefined)
      invalidProp(this, 'table must have a stream (set `stream` on the table; NEW_AND_OLD_IMAGES carries both images)');
    const changes = props.changes ?? CHANGE_KINDS;
    const maximumRecordAge = props.maximumRecordAge ?? Duration.days(1);
    validateChangeCapture(this, props, changes, maximumRecordAge);

    if (props.alarms === false) turnAlarmsOff(this);
    this.entity = props.entity;
    this.deadLetterQueue = props.deadLetterQueue ?? deadLetterQueue(this, 'DeadLetterQueue');
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `Role of the ${props.entity} change-capture pipe`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [streamArn],
      }),
    );
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }));
    props.table.encryptionKey?.grantDecrypt(this.role);
    props.eventBus.grantPutEventsTo(this.role);
    grantSendMessages(this.deadLetterQueue, this.role);

    let enrichment = props.enrichment;
    if (enrichment === undefined) {
      this.enrichmentFunction = new SwitchyardFunction(this, 'Enrichment', {
        entry: packagedHandlerEntry('change-capture/handler'),
        description: `Turns ${props.entity} table stream records into ${props.entity}Created/Updated/Deleted event details`,
        timeout: Duration.seconds(10),
        memorySize: 256,
        environment: { [ENV.changeEntity]: props.entity },
      });
      enrichment = this.enrichmentFunction;
    }
    // The function's ARN only (grantInvoke would add `<arn>:*`, every version and alias).
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [enrichment.functionArn] }));

    const pattern: Record<string, unknown> = { eventName: [...changes] };
    if (props.itemPattern !== undefined) pattern.dynamodb = props.itemPattern;
    this.pipe = new pipes.CfnPipe(this, 'Pipe', {
      description: `${props.entity} changes from the table's stream to the hub`,
      roleArn: this.role.roleArn,
      source: streamArn,
      sourceParameters: {
        filterCriteria: { filters: [{ pattern: JSON.stringify(pattern) }] },
        dynamoDbStreamParameters: {
          startingPosition: props.startingPosition ?? 'TRIM_HORIZON',
          batchSize: props.batchSize ?? 10,
          maximumBatchingWindowInSeconds: props.maximumBatchingWindow?.toSeconds() ?? 0,
          maximumRetryAttempts: props.maximumRetryAttempts ?? 3,
          maximumRecordAgeInSeconds: maximumRecordAge.toSeconds(),
          ...(props.bisectBatchOnFailure === false ? {} : { onPartialBatchItemFailure: 'AUTOMATIC_BISECT' }),
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
      },
      enrichment: enrichment.functionArn,
      target: props.eventBus.eventBusArn,
      targetParameters: {
        eventBridgeEventBusParameters: { detailType: '$.change.detailType', source: props.source ?? 'switchyard.changes' },
      },
    });
    this.pipe.node.addDependency(this.role);

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams, which Pipes calls to find the stream, supports no resource-level permissions.',
    });
  }

  /** The pipe's failed executions and its dead-letter queue (SwitchyardMonitoring calls it; the enrichment is monitored as a function). */
  monitor(context: MonitoringContext): void {
    const name = resourceName(this.pipe);
    context.deadLetterQueue(this, this.deadLetterQueue, `Change capture ${name}: batches of ${this.entity} changes the pipe gave up on`);
    if (!context.claim(this.pipe)) return;
    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/EventBridge/Pipes',
        metricName,
        dimensionsMap: { PipeName: this.pipe.ref },
        statistic: 'Sum',
        period: context.thresholds.period,
      });
    context.lines.eventsIn.push({ label: `${this.entity} changes (pipe ${name})`, metric: metric('TargetStageSucceeded') });
    if (context.alarmsOff(this)) return;
    context.alarm(this.pipe, 'ExecutionFailed', metric('ExecutionFailed'), {
      what: `Pipe ${name} failed (its enrichment or its PutEvents to the hub): ${this.entity} changes are retried, then described in its dead-letter queue`,
      run: `npx switchyard failures --source ${resourceName(this.deadLetterQueue)}, and the pipe's execution metrics`,
      runbook: RUNBOOK_SECTIONS.pipe,
    });
  }
}

/** The bundled enrichment names an insert or update by its new image and a delete by its old one: the stream must carry them. */
function checkViewType(scope: Construct, table: dynamodb.ITable, changes: readonly ChangeKind[]): void {
  const cfn = table.node.defaultChild;
  if (!(cfn instanceof dynamodb.CfnTable)) return;
  const spec = cfn.streamSpecification as dynamodb.CfnTable.StreamSpecificationProperty | undefined;
  const viewType = spec?.streamViewType;
  if (viewType === undefined || Token.isUnresolved(viewType) || viewType === 'NEW_AND_OLD_IMAGES') return;
  const needsNew = changes.includes('INSERT') || changes.includes('MODIFY');
  const needsOld = changes.includes('REMOVE');
  if ((needsNew && viewType !== 'NEW_IMAGE') || (needsOld && viewType !== 'OLD_IMAGE')) {
    invalidProp(
      scope,
      `table's stream must carry the images its changes are read from: ${changes.join(', ')} need ${
        needsNew && needsOld ? 'NEW_AND_OLD_IMAGES' : needsNew ? 'NEW_IMAGE or NEW_AND_OLD_IMAGES' : 'OLD_IMAGE or NEW_AND_OLD_IMAGES'
      } (got ${viewType})`,
    );
  }
}
