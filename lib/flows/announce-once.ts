import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { IdempotencyStore, jsonataObject, SwitchyardEncryption, TableOutbox } from 'switchyard-cdk/constructs';
import { type AnyEventContract, OUTBOX_ATTRIBUTE } from '../../domain/index.js';

/** DynamoDB's error for a refused condition, as a Step Functions task names it. */
const CONDITION_REFUSED = 'DynamoDB.ConditionalCheckFailedException';

/**
 * A table for AnnounceOnce (key `id`, TTL `expiration`, stream NEW_IMAGE, retained) and its
 * outbox. Only the write that creates an item announces: a TTL delete is a REMOVE, never sent.
 */
export function announcementTable(
  scope: Construct,
  tableId: string,
  outboxId: string,
  eventBus: events.IEventBus,
): { table: dynamodb.Table; outbox: TableOutbox } {
  const table = new dynamodb.Table(scope, tableId, {
    partitionKey: { name: IdempotencyStore.KEY_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: IdempotencyStore.TTL_ATTRIBUTE,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    stream: dynamodb.StreamViewType.NEW_IMAGE,
    ...SwitchyardEncryption.tableEncryption(scope),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  return { table, outbox: new TableOutbox(scope, outboxId, { table, eventBus, writes: ['INSERT'] }) };
}

export interface AnnounceOnceProps {
  /**
   * Where the announcements are written: one item per announcement (key `id`, TTL
   * `expiration`), on a table whose TableOutbox (INSERT only) puts each on the bus.
   */
  readonly table: dynamodb.ITable;
  /** A JSONata expression (no `{% %}`) naming the announcement, unique in the table: `'TicketRouted#' & <ticketId>`. */
  readonly key: string;
  /** How long the item is kept: as long as another run for the same fact may still come. */
  readonly keepFor: Duration;
  /** The event announced: its source and detail-type. */
  readonly contract: AnyEventContract;
  /** The event's detail, `metadata` included: `{% expression %}` strings, plain values or nested such objects (jsonataObject). */
  readonly detail: Record<string, unknown>;
  /** The flow's output (same form): stored with the announcement, and the output of every later run that finds it announced. */
  readonly output: Record<string, unknown>;
  /** Names the states: `Announce<name>`, `Read<name>`, `<name>AlreadyAnnounced`. */
  readonly name: string;
}

/**
 * Makes an announcement of an at-least-once flow (an EXPRESS state machine, which AWS may
 * run twice for one start, and which its starter starts again when it did not hear back)
 * happen once, the way the pipeline's ledger does for its stages: a transactional outbox.
 *
 * 1. `Announce<name>`: one conditional write (`attribute_not_exists(id)`) creates the item
 *    with the event (OUTBOX_ATTRIBUTE: source, detail-type and the detail as JSON text,
 *    `$string` of the detail) and the flow's output. The table's outbox puts the event on
 *    the bus; the flow never calls PutEvents, so no run that dies anywhere can send it twice
 *    or lose it once written.
 * 2. A refused write means another run announced it: `Read<name>` and `<name>AlreadyAnnounced`
 *    succeed with that run's stored output. Nothing waits on another run's lease.
 */
export class AnnounceOnce {
  /** The first state; the chain ends in the write or the already-announced Pass. */
  public readonly start: sfn.TaskStateBase;
  readonly #table: dynamodb.ITable;

  constructor(scope: Construct, props: AnnounceOnceProps) {
    const { table, name } = props;
    this.#table = table;
    const key = { [IdempotencyStore.KEY_ATTRIBUTE]: tasks.DynamoAttributeValue.fromString(`{% ${props.key} %}`) };
    // `$string` of an object is its JSON text: the detail the target sends, and the output a later run answers.
    const text = (fields: Record<string, unknown>) => `{% $string(${jsonataObject(fields).slice(3, -3)}) %}`;
    const nowSeconds = '$floor($toMillis($states.context.State.EnteredTime) / 1000)';

    this.start = tasks.DynamoPutItem.jsonata(scope, `Announce${name}`, {
      table,
      item: {
        ...key,
        [OUTBOX_ATTRIBUTE]: tasks.DynamoAttributeValue.fromMap({
          source: tasks.DynamoAttributeValue.fromString(props.contract.source),
          detailType: tasks.DynamoAttributeValue.fromString(props.contract.detailType),
          detail: tasks.DynamoAttributeValue.fromString(text(props.detail)),
        }),
        announced: tasks.DynamoAttributeValue.fromString(text(props.output)),
        [IdempotencyStore.TTL_ATTRIBUTE]: tasks.DynamoAttributeValue.numberFromString(
          `{% $string(${nowSeconds} + ${props.keepFor.toSeconds()}) %}`,
        ),
      },
      conditionExpression: `attribute_not_exists(${IdempotencyStore.KEY_ATTRIBUTE})`,
      // What was stored, read back the way a later run reads it, so that both answer alike
      // (JSONata's $string keeps 15 significant digits of a number).
      outputs: `{% $parse(${text(props.output).slice(3, -3)}) %}`,
    });

    const read = tasks.DynamoGetItem.jsonata(scope, `Read${name}`, {
      table,
      key,
      consistentRead: true,
      outputs: '{% $states.result.Item %}',
    });
    const already = sfn.Pass.jsonata(scope, `${name}AlreadyAnnounced`, { outputs: '{% $parse($states.input.announced.S) %}' });
    this.start.addCatch(read.next(already), { errors: [CONDITION_REFUSED] });
  }

  /** Lets the state machine use the table's key, if it has a customer-managed one (the tasks grant the table actions). */
  grantKey(stateMachine: iam.IGrantable): void {
    // Named actions, no wildcards: `table.grant(...)` grants the table actions only, and CDK's key grants add wildcards the AwsSolutions checks refuse.
    this.#table.encryptionKey?.grant(stateMachine, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
  }
}
