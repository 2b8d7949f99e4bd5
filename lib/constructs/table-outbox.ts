import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as pipes from 'aws-cdk-lib/aws-pipes';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Duration, Token } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { OUTBOX_ATTRIBUTE } from '../../contracts/outbox.js';
import { packagedHandlerEntry } from './handler-entry.js';
import { type IMonitorable, type MonitoringContext, resourceName, turnAlarmsOff } from './monitoring-context.js';
import { monitorStreamPipe, type StreamPipeProps, streamOf, streamPipe, validateStreamPipe } from './stream-pipe.js';
import { SwitchyardFunction } from './switchyard-function.js';
import { invalidProp } from './validation.js';

/** The writes whose new image may carry an announcement. */
export type OutboxWrite = 'INSERT' | 'MODIFY';
const OUTBOX_WRITES: readonly OutboxWrite[] = ['INSERT', 'MODIFY'];

/** A table outbox: the table whose items carry announcements, the bus, and how the pipe reads the stream. */
export interface TableOutboxProps extends StreamPipeProps {
  /**
   * The table whose items carry announcements; it must have a stream with new images
   * (`stream: dynamodb.StreamViewType.NEW_IMAGE`, or NEW_AND_OLD_IMAGES).
   */
  readonly table: dynamodb.ITable;
  /** The bus the announcements are put on. */
  readonly eventBus: events.IEventBus;
  /**
   * Which writes announce (the stream records' `eventName`), when their new image carries
   * an announcement. A write that creates the item is an INSERT; one that changes an
   * existing item a MODIFY. Every MODIFY of an item that still carries its announcement
   * announces it again, so a writer whose items are written again after the announcing
   * write either keeps to INSERT or removes the announcement in those writes.
   * @default - both: INSERT and MODIFY
   */
  readonly writes?: readonly OutboxWrite[];
}

/** Refuses what the outbox's pipe could not be made from, in the order the props are read. */
function validateTableOutbox(scope: Construct, props: TableOutboxProps, writes: readonly OutboxWrite[], maximumRecordAge: Duration): void {
  if (writes.length === 0) invalidProp(scope, 'writes must name at least one of INSERT, MODIFY (got none)');
  for (const write of writes) {
    if (!OUTBOX_WRITES.includes(write)) invalidProp(scope, `writes must be INSERT or MODIFY (got ${JSON.stringify(write)})`);
  }
  validateStreamPipe(scope, props, maximumRecordAge);
  const cfn = props.table.node.defaultChild;
  if (!(cfn instanceof dynamodb.CfnTable)) return;
  const viewType = (cfn.streamSpecification as dynamodb.CfnTable.StreamSpecificationProperty | undefined)?.streamViewType;
  if (viewType === undefined || Token.isUnresolved(viewType) || viewType === 'NEW_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES') return;
  invalidProp(
    scope,
    `table's stream must carry new images, where the announcements are read: NEW_IMAGE or NEW_AND_OLD_IMAGES (got ${viewType})`,
  );
}

/**
 * The transactional outbox, on a table: a writer stores an event (the `announcement`
 * attribute, OUTBOX_ATTRIBUTE: a map of `source`, `detailType` and `detail`, the detail as
 * the JSON text the kit's `prepareEvent` builds) in the same conditional write that makes
 * the fact it announces true, and this pipe (the table's DynamoDB stream -> EventBridge
 * Pipes, filtered to the writes that carry one -> an enrichment that parses it) puts it on
 * the bus, detail byte for byte as stored. The fact and its event are one claim: no crash
 * between "done" and "announced" can make a retry announce twice, nor lose the event.
 *
 * Pipes delivers at least once: a batch it retries after a failure, or after losing its
 * place in the stream, may put an event again (the local runtime answers such a repeat
 * from its first answer). Consumers that must act once dedupe on the detail, as for any
 * EventBridge event.
 */
export class TableOutbox extends Construct implements IMonitorable {
  /** The pipe from the table's stream to the bus. */
  public readonly pipe: pipes.CfnPipe;
  /** The role the pipe assumes: it may read this stream, invoke the enrichment, put events on the bus and send to the dead-letter queue. */
  public readonly role: iam.Role;
  /** The enrichment that turns each stream record back into its event. */
  public readonly enrichmentFunction: SwitchyardFunction;
  /** Where the pipe describes a batch of announcements it gave up on. */
  public readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: TableOutboxProps) {
    super(scope, id);
    const streamArn = streamOf(this, props.table, 'NEW_IMAGE carries the announcements');
    const writes = props.writes ?? OUTBOX_WRITES;
    const maximumRecordAge = props.maximumRecordAge ?? Duration.days(1);
    validateTableOutbox(this, props, writes, maximumRecordAge);

    if (props.alarms === false) turnAlarmsOff(this);
    this.enrichmentFunction = new SwitchyardFunction(this, 'Enrichment', {
      entry: packagedHandlerEntry('change-capture/outbox-handler'),
      description: 'Reads the announcement each outbox stream record carries back into its event',
      timeout: Duration.seconds(10),
      memorySize: 256,
    });
    const built = streamPipe({
      scope: this,
      props,
      table: props.table,
      streamArn,
      eventBus: props.eventBus,
      enrichment: this.enrichmentFunction,
      maximumRecordAge,
      pattern: {
        eventName: [...writes],
        dynamodb: { NewImage: { [OUTBOX_ATTRIBUTE]: { M: { detail: { S: [{ exists: true }] } } } } },
      },
      targetParameters: {
        // The enrichment's answer per record is { source, detailType, detail }: the event is its detail.
        inputTemplate: '<$.detail>',
        eventBridgeEventBusParameters: { detailType: '$.detailType', source: '$.source' },
      },
      roleDescription: 'Role of a table outbox pipe',
      pipeDescription: "Announcements from the table's stream to the hub (transactional outbox)",
    });
    this.role = built.role;
    this.deadLetterQueue = built.deadLetterQueue;
    this.pipe = built.pipe;
  }

  /** The pipe's failed executions and its dead-letter queue (SwitchyardMonitoring calls it; the enrichment is monitored as a function). */
  monitor(context: MonitoringContext): void {
    const name = resourceName(this.pipe);
    monitorStreamPipe(this, this.pipe, this.deadLetterQueue, context, {
      dlq: `Table outbox ${name}: batches of announcements the pipe gave up on (the facts are done; their events are not sent)`,
      line: `Announcements (outbox pipe ${name})`,
      failed: `Pipe ${name} failed (its enrichment or its PutEvents to the hub): announcements are retried, then described in its dead-letter queue`,
    });
  }
}
