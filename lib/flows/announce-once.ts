import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { IdempotencyStore } from 'switchyard/constructs';
import { ERROR_NAMES } from '../../domain/index.js';

/** DynamoDB's error for a refused condition, as a Step Functions task names it. */
const CONDITION_REFUSED = 'DynamoDB.ConditionalCheckFailedException';
/** What reading and writing items of a table with a customer-managed key takes (lib/key-grants.ts' TABLE_KEY_ACTIONS). */
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];
/** The execution's deadline (epoch ms): the claim's lease lasts until then and no longer. */
const startMillis = '$toMillis($states.context.Execution.StartTime)';
const nowMillis = '$toMillis($states.context.State.EnteredTime)';

export interface AnnounceOnceProps {
  /** Where the claim is kept: one item per announcement, beside the starter's own claims. */
  readonly store: IdempotencyStore;
  /** A JSONata expression (no `{% %}`) naming the announcement, unique in the store: `'TicketRouted#' & <ticketId>`. */
  readonly claimKey: string;
  /** The state machine's timeout. A run cannot act after it, so its claim lapses then. */
  readonly executionTimeout: Duration;
  /** How long the item is kept: as long as another run for the same fact may still come. */
  readonly keepFor: Duration;
  /**
   * The state that announces (a PutEvents task). Its output is the flow's output; it is
   * stored with the claim and is the output of every later run that finds it announced.
   */
  readonly announce: sfn.TaskStateBase;
  /** Names the states: `Claim<name>`, `Mark<name>Announced`, ... */
  readonly name: string;
  /** What is announced, for the message of a run that finds another holding the claim. */
  readonly what: string;
}

/**
 * Makes an announcement of an at-least-once flow (an EXPRESS state machine, which AWS may
 * run twice for one start, and which its starter starts again when it did not hear back)
 * happen once, the way the pipeline ledger (lambdas/pipeline/ledger.ts) does for its stages:
 *
 * 1. `Claim<name>`: one conditional write takes the announcement for this run until the
 *    execution's deadline (`leaseUntil`, with the execution's name) unless it was announced
 *    or another run's lease has not lapsed. A lapsed lease never marked announced is taken
 *    over: its run died between the claim and the mark, and may not have announced, so
 *    nothing accepted is lost (at worst, a run that died after announcing and before the
 *    mark is announced twice: the same window as the ledger's).
 * 2. the announcement, then `Mark<name>Announced`: `emitted`, and the announcement's output.
 * 3. A refused claim reads the item: announced -> `<name>AlreadyAnnounced` succeeds with the
 *    first run's output; otherwise `<name>InProgress` fails with EffectInProgress and, as
 *    its Cause, when the lease lapses (lambdas/workflow-starter's ExpressInProgressCause),
 *    so the starter holds the record back until then instead of counting it a failure.
 */
export class AnnounceOnce {
  /** The first state; the chain ends in the mark, the already-announced Pass or the in-progress Fail. */
  public readonly start: sfn.TaskStateBase;
  readonly #store: IdempotencyStore;

  constructor(scope: Construct, props: AnnounceOnceProps) {
    const { store, name } = props;
    this.#store = store;
    const key = { [IdempotencyStore.KEY_ATTRIBUTE]: tasks.DynamoAttributeValue.fromString(`{% ${props.claimKey} %}`) };
    const n = (expression: string) => tasks.DynamoAttributeValue.numberFromString(`{% $string(${expression}) %}`);

    this.start = tasks.DynamoUpdateItem.jsonata(scope, `Claim${name}`, {
      table: store.table,
      key,
      updateExpression: 'SET leaseUntil = :leaseUntil, executionName = :name, #expires = :expires',
      conditionExpression: 'attribute_not_exists(emitted) AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :now)',
      expressionAttributeNames: { '#expires': IdempotencyStore.TTL_ATTRIBUTE },
      expressionAttributeValues: {
        ':leaseUntil': n(`${startMillis} + ${props.executionTimeout.toMilliseconds()}`),
        ':now': n(nowMillis),
        ':name': tasks.DynamoAttributeValue.fromString('{% $states.context.Execution.Name %}'),
        ':expires': n(`$floor(${nowMillis} / 1000) + ${props.keepFor.toSeconds()}`),
      },
      // What the announcement is made from passes through the claim.
      outputs: '{% $states.input %}',
    });

    const mark = tasks.DynamoUpdateItem.jsonata(scope, `Mark${name}Announced`, {
      table: store.table,
      key,
      updateExpression: 'SET emitted = :yes, announced = :announced REMOVE leaseUntil',
      expressionAttributeValues: {
        ':yes': tasks.DynamoAttributeValue.fromBoolean(true),
        ':announced': tasks.DynamoAttributeValue.fromString('{% $string($states.input) %}'),
      },
      // What was stored, read back the way a later run reads it, so that both answer alike
      // (JSONata's $string keeps 15 significant digits of a number).
      outputs: '{% $parse($string($states.input)) %}',
    });
    // Unmarked, a sent announcement would be sent again once the lease lapses: a transient
    // DynamoDB error must not end the run here. The update is the same each time.
    mark.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(1), maxAttempts: 2, jitterStrategy: sfn.JitterType.FULL });

    const read = tasks.DynamoGetItem.jsonata(scope, `Read${name}Claim`, {
      table: store.table,
      key,
      consistentRead: true,
      // An item gone since the refusal (TTL) reads as nothing announced and no lease.
      outputs: '{% $exists($states.result.Item) ? $states.result.Item : {} %}',
    });
    const already = sfn.Pass.jsonata(scope, `${name}AlreadyAnnounced`, { outputs: '{% $parse($states.input.announced.S) %}' });
    const inProgress = sfn.Fail.jsonata(scope, `${name}InProgress`, {
      error: ERROR_NAMES.effectInProgress,
      cause: `{% $string({'message': '${props.what} is held by execution ' & $states.input.executionName.S & ' of this flow, which may still make it', 'leaseUntil': $exists($states.input.leaseUntil.N) ? $number($states.input.leaseUntil.N) : 0}) %}`,
    });
    const announced = sfn.Choice.jsonata(scope, `${name}Announced`)
      .when(sfn.Condition.jsonata('{% $exists($states.input.emitted) %}'), already)
      .otherwise(inProgress);

    this.start.addCatch(read.next(announced), { errors: [CONDITION_REFUSED] });
    this.start.next(props.announce).next(mark);
  }

  /** Lets the state machine use the claims' key, if the store has a customer-managed one (the tasks grant the table actions). */
  grantKey(stateMachine: iam.IGrantable): void {
    this.#store.table.encryptionKey?.grant(stateMachine, ...TABLE_KEY_ACTIONS);
  }
}
