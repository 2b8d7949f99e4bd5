import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { type AnyEventContract, ENV } from '../../contracts/index.js';
import { SwitchyardEncryption } from './encryption.js';
import { grantTableKey } from './key-grants.js';
import { turnAlarmsOff } from './monitoring-context.js';
import { QueueConsumer } from './queue-consumer.js';
import type { SwitchyardFunctionProps } from './switchyard-function.js';
import { TableOutbox } from './table-outbox.js';
import { invalidProp } from './validation.js';

/** One stage: its trigger in, its own queue and function, its completion event out. */
export interface PipelineStage {
  /** Names the stage's resources and is passed to its function as `ENV.pipelineStage` (letters and digits, starting with a letter). */
  readonly name: string;
  /** The event that starts the stage: an entry event, or another stage's completion event. */
  readonly trigger: AnyEventContract;
  /** The event the stage publishes when its effect is done (what the next stage listens for). */
  readonly emits: AnyEventContract;
  /** The stage's function; it must report batch item failures (the kit's consumer does). */
  readonly handler: SwitchyardFunctionProps;
  /**
   * Most concurrent invocations of this stage (2 to 1000): a slow or quota-bound stage is
   * capped here without slowing the others, each of which has its own queue.
   * @default - no limit beyond the function's own concurrency
   */
  readonly maxConcurrency?: number;
  /**
   * Records per invocation (1 to 10). A slow stage wants 1, so one slow job does not
   * hold up the records batched with it.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * Receives before a record goes to the stage's dead-letter queue (1 to 1000).
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /** @default - 6x the handler timeout (QueueConsumer) */
  readonly visibilityTimeout?: Duration;
}

export interface StagedPipelineProps {
  /** The bus every stage listens and publishes on; its archive is what a rebuild replays. */
  readonly eventBus: events.IEventBus;
  /** The stages, each triggered by an entry event or by another stage's completion event. */
  readonly stages: readonly PipelineStage[];
  /** Events that come from outside the pipeline: the request that starts a job, a person's decision. */
  readonly entryEvents: readonly AnyEventContract[];
  /** Folds every event of the pipeline into the read-model table. */
  readonly projector: {
    readonly handler: SwitchyardFunctionProps;
    /** @default - no limit beyond the function's own concurrency */
    readonly maxConcurrency?: number;
    /** Events the projector folds besides the entry events and the stages' (one a person sends that no stage takes). */
    readonly alsoFolds?: readonly AnyEventContract[];
  };
  /**
   * The attribute that names one item of work in every event's detail, the ledger and the
   * read model (`jobId`).
   * @default 'jobId'
   */
  readonly keyAttribute?: string;
  /**
   * What happens to the ledger and the read model when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Whether the stages announce through the ledger (a transactional outbox): each stage
   * stores its completion event in the conditional write that applies its effect
   * (OUTBOX_ATTRIBUTE, built by the kit's `prepareEvent`), and a TableOutbox on the
   * ledger's stream (NEW_IMAGE) puts it on the bus; the stages may not PutEvents. The effect
   * and its event are then one claim: a crash between them cannot send the event twice.
   * @default false - each stage publishes its own completion event (PutEvents)
   */
  readonly outbox?: boolean;
  /**
   * `false` turns off every stage's and the projector's alarms (QueueConsumer's), made by SwitchyardMonitoring; their dashboard lines stay.
   * @default - every alarm
   */
  readonly alarms?: false;
}

const STAGE_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const KEY_ATTRIBUTE = /^[A-Za-z][A-Za-z0-9_]{0,254}$/;

/**
 * A staged production pipeline, as choreography: each stage is a QueueConsumer whose rule
 * matches the completion event of the stage before it, and publishes its own when its
 * effect is done; no stage calls another. Each stage has its own queue, dead-letter queue,
 * retries, visibility timeout and concurrency, so a slow or failing stage holds up
 * nothing but its own records.
 *
 * Each stage's function gets the side-effect ledger (`ENV.pipelineLedgerTable`, key
 * `<keyAttribute>` + `effect`), where it writes its effect with one conditional write, and
 * the bus to publish on. Stage rules exclude replayed events (`replay-name` absent), so a
 * replay of the archive never runs a stage twice.
 *
 * A projector consumer folds every event of the pipeline, replayed ones included, into the
 * read-model table (`ENV.pipelineReadModelTable`, key `<keyAttribute>`): replaying the
 * hub's archive to the projector's rule alone (`projectorRule`) into an empty table
 * rebuilds it.
 */
export class StagedPipeline extends Construct {
  /** One item per job and effect: what each stage did, and how often (once). */
  public readonly ledger: dynamodb.Table;
  /** One item per job: the fold of its events. */
  public readonly readModel: dynamodb.Table;
  /** The stages' consumers, by stage name, in the order given. */
  public readonly stages: ReadonlyMap<string, QueueConsumer>;
  public readonly projector: QueueConsumer;
  /** The pipe that publishes what the stages store in the ledger (with `outbox`). */
  public readonly outbox?: TableOutbox;

  constructor(scope: Construct, id: string, props: StagedPipelineProps) {
    super(scope, id);
    if (props.alarms === false) turnAlarmsOff(this);
    const keyAttribute = props.keyAttribute ?? 'jobId';
    if (!KEY_ATTRIBUTE.test(keyAttribute))
      invalidProp(this, `keyAttribute must be an attribute name (got ${JSON.stringify(keyAttribute)})`);
    validateStages(this, props);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const table = (tableId: string, sortKey?: string, stream?: dynamodb.StreamViewType) =>
      new dynamodb.Table(this, tableId, {
        partitionKey: { name: keyAttribute, type: dynamodb.AttributeType.STRING },
        sortKey: sortKey === undefined ? undefined : { name: sortKey, type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        ...SwitchyardEncryption.tableEncryption(this),
        removalPolicy,
        stream,
      });
    this.ledger = table('Ledger', 'effect', props.outbox ? dynamodb.StreamViewType.NEW_IMAGE : undefined);
    // A stage creates its effect's item with the write that applies it: only that INSERT announces.
    if (props.outbox) this.outbox = new TableOutbox(this, 'Outbox', { table: this.ledger, eventBus: props.eventBus, writes: ['INSERT'] });
    this.readModel = table('ReadModel');

    const stages = new Map<string, QueueConsumer>();
    for (const stage of props.stages) {
      const consumer = new QueueConsumer(this, `Stage${stage.name[0]?.toUpperCase()}${stage.name.slice(1)}`, {
        eventBus: props.eventBus,
        eventPattern: {
          source: [stage.trigger.source],
          detailType: [stage.trigger.detailType],
          // A replay rebuilds the read model; it must not run a stage's effect again.
          ...({ 'replay-name': [{ exists: false }] } as object),
        },
        description: `${stage.trigger.detailType} runs the ${stage.name} stage, which emits ${stage.emits.detailType}`,
        handler: {
          ...stage.handler,
          environment: {
            ...stage.handler.environment,
            [ENV.pipelineStage]: stage.name,
            [ENV.pipelineLedgerTable]: this.ledger.tableName,
            [ENV.eventBusName]: props.eventBus.eventBusName,
            [ENV.emittedEvents]: JSON.stringify([{ source: stage.emits.source, detailType: stage.emits.detailType }]),
          },
        },
        maxConcurrency: stage.maxConcurrency,
        batchSize: stage.batchSize,
        maxReceiveCount: stage.maxReceiveCount,
        visibilityTimeout: stage.visibilityTimeout,
      });
      this.ledger.grant(consumer.function, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
      grantTableKey(this.ledger, consumer.function);
      if (!props.outbox) props.eventBus.grantPutEventsTo(consumer.function);
      stages.set(stage.name, consumer);
    }
    this.stages = stages;

    const folded = uniqueContracts([
      ...props.entryEvents,
      ...props.stages.flatMap((s) => [s.trigger, s.emits]),
      ...(props.projector.alsoFolds ?? []),
    ]);
    this.projector = new QueueConsumer(this, 'Projector', {
      eventBus: props.eventBus,
      eventPattern: {
        source: [...new Set(folded.map((c) => c.source))],
        detailType: folded.map((c) => c.detailType),
      },
      description: `Every event of the pipeline (replayed ones too) folds into the read model`,
      handler: {
        ...props.projector.handler,
        environment: { ...props.projector.handler.environment, [ENV.pipelineReadModelTable]: this.readModel.tableName },
      },
      maxConcurrency: props.projector.maxConcurrency,
    });
    this.readModel.grant(this.projector.function, 'dynamodb:GetItem', 'dynamodb:PutItem');
    grantTableKey(this.readModel, this.projector.function);
  }

  /** The rule a rebuild replays to (StartReplay's `Destination.FilterArns`): the projector's alone. */
  get projectorRule(): events.Rule {
    return this.projector.rule;
  }
}

function validateStages(pipeline: Construct, props: StagedPipelineProps): void {
  if (props.stages.length === 0) invalidProp(pipeline, 'stages must hold at least one stage (got none)');
  if (props.entryEvents.length === 0) invalidProp(pipeline, 'entryEvents must name the event that starts the pipeline (got none)');
  const names = new Set<string>();
  for (const [index, stage] of props.stages.entries()) {
    if (!STAGE_NAME.test(stage.name)) {
      invalidProp(pipeline, `stages[${index}].name must be letters and digits, starting with a letter (got ${JSON.stringify(stage.name)})`);
    }
    if (names.has(stage.name.toLowerCase())) invalidProp(pipeline, `stages[${index}].name ${JSON.stringify(stage.name)} is used twice`);
    names.add(stage.name.toLowerCase());
    if (stage.emits.detailType === stage.trigger.detailType) {
      invalidProp(pipeline, `stages[${index}] (${stage.name}) emits ${stage.emits.detailType}, its own trigger: it would run forever`);
    }
    const emittedByAnother = props.stages.some((other) => other !== stage && other.emits.detailType === stage.trigger.detailType);
    const entry = props.entryEvents.some((e) => e.detailType === stage.trigger.detailType);
    if (!emittedByAnother && !entry) {
      invalidProp(
        pipeline,
        `stages[${index}].trigger (${stage.name}) is ${stage.trigger.detailType}, which no stage emits and which is not one of entryEvents (${props.entryEvents.map((e) => e.detailType).join(', ')}): the stage would never run`,
      );
    }
  }
}

function uniqueContracts(contracts: readonly AnyEventContract[]): AnyEventContract[] {
  const byType = new Map<string, AnyEventContract>();
  for (const contract of contracts) byType.set(contract.detailType, contract);
  return [...byType.values()];
}
