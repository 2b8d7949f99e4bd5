import type * as eventsv2 from 'aws-cdk-lib/aws-eventsv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { type Duration, Names, Token } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import type { AnyEventContract } from '../../contracts/index.js';
import { validateContractKeys } from './contract-keys.js';
import type { ICustomEventBus } from './custom-event-bus-ref.js';
import { grantSendMessages } from './key-grants.js';
import type { IMonitorable, MonitoringContext } from './monitoring-context.js';
import { onFirstUse } from './on-first-use.js';
import { deadLetterQueue } from './secure-queue.js';
import {
  checkDescription,
  contractsPattern,
  renderFilters,
  type SubscriberFilter,
  SubscriberStartingPosition,
  type SubscriberTransformer,
} from './subscriber-options.js';
import type { SubscriberTarget } from './subscriber-target.js';
import { invalidProp, validateInteger, validateRange } from './validation.js';

// Loaded when an app first makes one (on-first-use.ts says why).
const eventsV2 = onFirstUse<typeof eventsv2>('aws-cdk-lib/aws-eventsv2');

/** The props of a BusSubscriber. */
export interface BusSubscriberProps {
  /** The Custom Event Bus the subscriber reads. */
  readonly eventBus: ICustomEventBus;
  /** Where events are delivered (`SubscriberTarget.lambda(fn)`, `.queue(q)`, `.stateMachine(sm)`, `.topic(t)`, `.eventBus(b)`, `.durableFlow(f)`, `.awsApi(...)`). */
  readonly target: SubscriberTarget;
  /**
   * The subscriber's name (1 to 256 characters: a letter or digit, then letters, digits, `.`, `-`, `_`).
   * @default - a name made from the construct's path, unique in the app
   */
  readonly subscriberName?: string;
  /**
   * What the subscriber is for (at most 512 characters).
   * @default - none
   */
  readonly description?: string;
  /**
   * The event contracts the subscriber receives: one DATA filter matching each contract's
   * `source` and `detail-type`, as the kit's `emit` publishes them with PutEvents.
   * @default - no contract filter: every event that `filters` let through
   */
  readonly contracts?: readonly AnyEventContract[];
  /**
   * Event patterns, each on one scope of the event (DATA, METADATA, SYSTEM_METADATA); an event
   * must match every one, and the contracts' filter too (1 to 50 filters in all).
   * @default - none: every event (or the contracts' events)
   */
  readonly filters?: readonly SubscriberFilter[];
  /**
   * Deliver in publish order within each event group (`SystemMetadata.EventGroupId`), a
   * group's failed event holding back its later ones (Type FIFO); unordered delivers in parallel.
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * Where the subscriber starts reading: new events only, the bus's oldest kept event, or a time.
   * @default SubscriberStartingPosition.latest()
   */
  readonly startingPosition?: SubscriberStartingPosition;
  /**
   * Most events in one delivery (1 to 500, and at most the target's own limit: 100 for
   * Lambda, Step Functions and a Custom Event Bus, 10 for SQS and SNS). A Lambda function gets
   * a JSON array unless this is 1.
   * @default - the service's: 10 for Lambda and Step Functions, the target's limit for the others; 1 for a durable flow
   */
  readonly maxBatchSize?: number;
  /**
   * Longest wait for a batch to fill (whole seconds, 0 to 300).
   * @default Duration.seconds(0) - the service's: no wait
   */
  readonly maxBatchWindow?: Duration;
  /**
   * Retries of a failed delivery (0 to 185) before the event goes to the dead-letter queue.
   * @default 5 - the service's
   */
  readonly maxRetryAttempts?: number;
  /**
   * Longest an event is retried (whole seconds, 60 s to 24 h) before it goes to the dead-letter queue.
   * @default Duration.seconds(300) - the service's
   */
  readonly maxEventAge?: Duration;
  /**
   * Where events that could not be delivered go (an SQS queue).
   * @default - a new queue, encrypted as every Switchyard queue is, kept 14 days
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * What is delivered of each event: its data, its data with metadata, or a JSONata expression's output.
   * @default SubscriberTransformer.raw() - the service's
   */
  readonly transformer?: SubscriberTransformer;
  /**
   * Whether the subscriber delivers (State RUNNING) or is paused (STOPPED: it resumes where it stopped).
   * @default true
   */
  readonly enabled?: boolean;
}

/** The subscriber name's form, as the API's model checks it. */
const SUBSCRIBER_NAME = /^[A-Za-z0-9][.\-_A-Za-z0-9]{0,255}$/;

/**
 * A subscriber of a Custom Event Bus (`AWS::EventsV2::Subscriber`): the events its filters
 * (and its contracts) let through, delivered to one target by a role of its own that
 * EventBridge assumes, granted only through the target's `grant*` and the dead-letter
 * queue's send; retried, then dead-lettered. Every range is checked at synthesis, naming
 * the construct path, the prop, the value and the range (docs/custom-event-bus.md).
 */
export class BusSubscriber extends Construct implements IMonitorable {
  /** The subscriber's ARN. */
  public readonly subscriberArn: string;
  /** The subscriber's name. */
  public readonly subscriberName: string;
  /** The role EventBridge assumes to deliver (and dead-letter). */
  public readonly role: iam.IRole;
  /** Where events that could not be delivered go. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The L1 resource, for what this construct does not set. */
  public readonly resource: eventsv2.CfnSubscriber;
  /** What it delivers to, for the alarm. */
  readonly #targetKind: string;

  constructor(scope: Construct, id: string, props: BusSubscriberProps) {
    super(scope, id);
    const name = props.subscriberName ?? Names.uniqueResourceName(this, { maxLength: 256, separator: '-' });
    if (!Token.isUnresolved(name) && !SUBSCRIBER_NAME.test(name)) {
      invalidProp(
        this,
        `subscriberName must be 1 to 256 characters, a letter or digit then letters, digits, '.', '-' or '_' (got ${JSON.stringify(name)})`,
      );
    }
    checkDescription(this, props.description);
    const fifo = props.fifo ?? false;
    const retry = this.#retryPolicy(props);
    validateContractKeys(this, 'contracts', props.contracts);
    if (props.contracts !== undefined && props.contracts.length === 0) {
      invalidProp(this, 'contracts must list at least one contract (got none); leave it out to receive every event');
    }
    const filters = [
      ...(props.contracts === undefined ? [] : [{ scope: 'DATA' as const, pattern: contractsPattern(props.contracts) }]),
      ...(props.filters ?? []),
    ];
    const filterProperties = renderFilters(this, filters);

    this.role = new iam.Role(this, 'DeliveryRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: `EventBridge delivers ${this.node.path}'s events with it`,
    });
    const target = props.target.bind(this, this.role, fifo);
    if (fifo && target.unordered !== undefined) {
      invalidProp(this, `fifo cannot be true with ${target.kind} as the target: ${target.unordered}`);
    }
    if (target.requiresBatch && (props.maxBatchSize === undefined || props.maxBatchWindow === undefined)) {
      invalidProp(
        this,
        `maxBatchSize and maxBatchWindow are both required with ${target.kind} as the target (got ${props.maxBatchSize === undefined ? 'no maxBatchSize' : 'no maxBatchWindow'}): AWS cannot know how many events the action's request can carry`,
      );
    }
    const batch = this.#batch(props, target.maxBatchSize, target.kind, target.defaultBatchSize);
    this.#targetKind = target.kind;
    this.deadLetterQueue = props.deadLetterQueue ?? deadLetterQueue(this, 'DeadLetterQueue');
    grantSendMessages(this.deadLetterQueue, this.role);

    const start = (props.startingPosition ?? SubscriberStartingPosition.latest()).render(this);
    this.resource = new (eventsV2().CfnSubscriber)(this, 'Resource', {
      name,
      eventBusArn: props.eventBus.eventBusArn,
      description: props.description,
      type: fifo ? 'FIFO' : 'UNORDERED',
      invokeConfiguration: { targetArn: target.targetArn, roleArn: this.role.roleArn, ...target.parameters },
      filterConfiguration: filterProperties === undefined ? undefined : { filters: filterProperties },
      ...start,
      batchConfiguration: batch,
      retryPolicy: retry,
      onFailureConfiguration: { arn: this.deadLetterQueue.queueArn },
      transformer: props.transformer?.render(this),
      state: props.enabled === false ? 'STOPPED' : 'RUNNING',
    });
    // The role's grants must exist before EventBridge first delivers with it.
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy !== undefined) this.resource.node.addDependency(policy);
    this.subscriberArn = this.resource.attrSubscriberArn;
    this.subscriberName = name;
  }

  /** The dead-letter queue's alarm and dashboard line (SwitchyardMonitoring calls it). */
  monitor(context: MonitoringContext): void {
    context.deadLetterQueue(
      this,
      this.deadLetterQueue,
      `Subscriber ${this.node.id}: events EventBridge could not deliver to ${this.#targetKind}`,
    );
  }

  /** RetryPolicy, its ranges checked (AWS's: 0 to 185 attempts, 60 s to 24 h). */
  #retryPolicy(props: BusSubscriberProps): eventsv2.CfnSubscriber.RetryPolicyProperty | undefined {
    validateRange(this, 'maxRetryAttempts', props.maxRetryAttempts, 0, 185);
    validateInteger(this, 'maxRetryAttempts', props.maxRetryAttempts);
    const age = props.maxEventAge?.toSeconds({ integral: false });
    validateRange(this, 'maxEventAge', age, 60, 86_400, 'seconds');
    validateInteger(this, 'maxEventAge (in seconds)', age);
    if (props.maxRetryAttempts === undefined && age === undefined) return undefined;
    return { maxRetryAttempts: props.maxRetryAttempts, maxEventAgeInSeconds: age };
  }

  /** BatchConfiguration, its ranges checked: AWS's 1 to 500 and the target's own limit, a window of 0 to 300 s. */
  #batch(
    props: BusSubscriberProps,
    targetMax: number,
    kind: string,
    defaultSize: number | undefined,
  ): eventsv2.CfnSubscriber.BatchConfigurationProperty | undefined {
    const size = props.maxBatchSize ?? defaultSize;
    validateRange(this, 'maxBatchSize', size, 1, 500);
    validateInteger(this, 'maxBatchSize', size);
    if (size !== undefined && !Token.isUnresolved(size) && size > targetMax) {
      invalidProp(
        this,
        `maxBatchSize must be at most ${targetMax} with ${kind} as the target (got ${size}): AWS refuses more per delivery`,
      );
    }
    const window = props.maxBatchWindow?.toSeconds({ integral: false });
    validateRange(this, 'maxBatchWindow', window, 0, 300, 'seconds');
    validateInteger(this, 'maxBatchWindow (in seconds)', window);
    if (size === undefined && window === undefined) return undefined;
    return { maxBatchSize: size, maxBatchWindowInSeconds: window };
  }
}
