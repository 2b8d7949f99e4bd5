import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as pipes from 'aws-cdk-lib/aws-pipes';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Duration, Token } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { CHANGE_KINDS, type ChangeKind, ENTITY_NAME } from '../../contracts/change-capture.js';
import { ENV } from '../../contracts/wiring.js';
import { packagedHandlerEntry } from './handler-entry.js';
import { type IMonitorable, type MonitoringContext, resourceName, turnAlarmsOff } from './monitoring-context.js';
import { monitorStreamPipe, type StreamPipeProps, streamOf, streamPipe, validateStreamPipe } from './stream-pipe.js';
import { SwitchyardFunction } from './switchyard-function.js';
import { invalidProp } from './validation.js';

export interface ChangeCaptureProps extends StreamPipeProps {
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
  validateStreamPipe(scope, props, maximumRecordAge);
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
    const streamArn = streamOf(this, props.table, 'NEW_AND_OLD_IMAGES carries both images');
    const changes = props.changes ?? CHANGE_KINDS;
    const maximumRecordAge = props.maximumRecordAge ?? Duration.days(1);
    validateChangeCapture(this, props, changes, maximumRecordAge);

    if (props.alarms === false) turnAlarmsOff(this);
    this.entity = props.entity;
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
    const pattern: Record<string, unknown> = { eventName: [...changes] };
    if (props.itemPattern !== undefined) pattern.dynamodb = props.itemPattern;
    const built = streamPipe({
      scope: this,
      props,
      table: props.table,
      streamArn,
      eventBus: props.eventBus,
      enrichment,
      maximumRecordAge,
      pattern,
      targetParameters: {
        eventBridgeEventBusParameters: { detailType: '$.change.detailType', source: props.source ?? 'switchyard.changes' },
      },
      roleDescription: `Role of the ${props.entity} change-capture pipe`,
      pipeDescription: `${props.entity} changes from the table's stream to the hub`,
    });
    this.role = built.role;
    this.deadLetterQueue = built.deadLetterQueue;
    this.pipe = built.pipe;
  }

  /** The pipe's failed executions and its dead-letter queue (SwitchyardMonitoring calls it; the enrichment is monitored as a function). */
  monitor(context: MonitoringContext): void {
    const name = resourceName(this.pipe);
    monitorStreamPipe(this, this.pipe, this.deadLetterQueue, context, {
      dlq: `Change capture ${name}: batches of ${this.entity} changes the pipe gave up on`,
      line: `${this.entity} changes (pipe ${name})`,
      failed: `Pipe ${name} failed (its enrichment or its PutEvents to the hub): ${this.entity} changes are retried, then described in its dead-letter queue`,
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
