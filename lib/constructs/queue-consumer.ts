import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Duration, Token } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import type { AnyEventContract } from '../../contracts/index.js';
import { ENV } from '../../contracts/wiring.js';
import { validateContractKeys } from './contract-keys.js';
import { FlowControlTable } from './flow-control-table.js';
import { grantSendMessages } from './key-grants.js';
import { type IMonitorable, type MonitoringContext, resourceName, turnAlarmsOff } from './monitoring-context.js';
import { fairGroupIdPath, flowControlSettings, type QueueConsumerFlowControl } from './queue-consumer-flow-control.js';
import {
  laneId,
  type PriorityLanePlan,
  priorityLanePlan,
  prioritySettings,
  type QueueConsumerPriority,
} from './queue-consumer-priority.js';
import { deadLetterQueue, secureQueue } from './secure-queue.js';
import { SwitchyardFunction, type SwitchyardFunctionProps } from './switchyard-function.js';
import { invalidProp, validateInteger, validateRange } from './validation.js';

/**
 * Lambda refuses an SQS event source whose queue's visibility timeout is shorter than the
 * function timeout, and recommends six times it: when Lambda is throttled it keeps
 * retrying the invocation while the batch stays invisible, and a visibility timeout that
 * lapses first returns the batch to the queue with one more receive counted, so that
 * throttling alone could move unprocessed records to the DLQ. We keep the recommended
 * ratio and make crash recovery fast by keeping function timeouts short instead: the
 * visibility timeout is also how long a delivery lost in a crash stays invisible.
 */
export const VISIBILITY_TO_TIMEOUT_RATIO = 6;
/** SQS's longest visibility timeout. */
const MAX_VISIBILITY_SECONDS = 43_200;

/** The alarms of a QueueConsumer (SwitchyardMonitoring makes them); each threshold overrides the app's default. */
export interface QueueConsumerAlarms {
  /**
   * The queue's oldest message older than this raises an alarm (60 s to 14 days): the
   * consumer is not keeping up, or not consuming.
   * @default - the visibility timeout times maxReceiveCount: the longest a message can take through all its receives before it is dead-lettered
   */
  readonly maxMessageAge?: Duration;
  /**
   * More than this many handler errors in one period raise an alarm (0 to 100,000).
   * @default - SwitchyardMonitoring's `functionErrors` (0)
   */
  readonly functionErrors?: number;
  /**
   * More than this many throttled handler invocations in one period raise an alarm (0 to 100,000).
   * @default - SwitchyardMonitoring's `functionThrottles` (0)
   */
  readonly functionThrottles?: number;
}

export interface QueueConsumerProps {
  /** The bus the rule listens on. */
  readonly eventBus: events.IEventBus;
  /** Which events reach the queue. */
  readonly eventPattern: events.EventPattern;
  /** What the rule is for, shown in the EventBridge console. */
  readonly description: string;
  /** The function that drains the queue; it must report batch item failures (the kit's consumer does). */
  readonly handler: SwitchyardFunctionProps;
  /**
   * Receives before a message moves to the dead-letter queue (1 to 1000).
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Records per invocation (1 to 10, or up to 10000 with a batching window).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long to gather records before invoking (0 to 300 s).
   * @default - no window: invoke as soon as records arrive
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Most concurrent invocations the event source starts (2 to 1000).
   * @default - no limit beyond the function's own concurrency
   */
  readonly maxConcurrency?: number;
  /**
   * Queue visibility timeout; at least 6x the function timeout, at most 12 hours. It is
   * also how long a record whose invocation crashed stays invisible before it is retried.
   * @default - 6x the function timeout
   */
  readonly visibilityTimeout?: Duration;
  /**
   * How long the queue and its dead-letter queues keep a message (60 s to 14 days).
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
  /**
   * How often EventBridge retries delivering an event to the queue (0 to 185).
   * @default 185
   */
  readonly targetRetryAttempts?: number;
  /**
   * How long EventBridge keeps retrying one event (60 s to 24 h).
   * @default Duration.hours(24)
   */
  readonly targetMaxEventAge?: Duration;
  /**
   * The consumer's alarms (made by SwitchyardMonitoring): both dead-letter queues, the
   * oldest message's age, the rule's failed deliveries, the handler's errors and throttles.
   * `false` turns them all off (its dashboard lines stay).
   * @default - every alarm, with the defaults of QueueConsumerAlarms
   */
  readonly alarms?: false | QueueConsumerAlarms;
  /**
   * The contracts the handler accepts: declarations that read the event (`flowControl.key`)
   * are checked against their schemas at synthesis.
   * @default - nothing is checked against a schema
   */
  readonly contracts?: readonly AnyEventContract[];
  /**
   * Keyed flow control of the records (concurrency, rate limit, debounce, pause on
   * throttling), enforced by the kit's consumer in a FlowControlTable.
   * @default - no flow control: every record runs as it arrives
   */
  readonly flowControl?: QueueConsumerFlowControl;
  /**
   * Makes the queue an SQS fair queue with a tenant per value of this path into the event
   * (`$.detail.customerId`): the rule's target sets each message's MessageGroupId to it
   * (EventBridge resolves the path per event), so one tenant's backlog does not raise the
   * others' dwell time. The path must be one `flowControl.key` could be, and match `contracts`.
   * @default - no group id: one queue, first come first served
   */
  readonly fairBy?: string;
  /**
   * Priority lanes: a queue per lane, events routed by the value at `lanePath`, a lower lane
   * yielding to a higher lane's backlog beyond its guaranteed share of `maxConcurrency`
   * (enforced by the kit's consumer in a FlowControlTable). Needs `maxConcurrency`.
   * @default - one queue, first come first served
   */
  readonly priority?: QueueConsumerPriority;
}

/**
 * Rule -> queue -> function, with every failure path kept: the rule target retries
 * and has its own dead-letter queue, the queue is encrypted, TLS-only and redrives to
 * a dead-letter queue, and the function reports partial batch failures. The function
 * may also send a record to the dead-letter queue itself (a permanent failure, with the
 * reason as message attributes) and delay a record's retry (ChangeMessageVisibility), as
 * the kit's consumer does: it learns both queues' URLs from `ENV.queueUrl` and
 * `ENV.deadLetterQueueUrl`. With `flowControl`, the records of one key are bounded in
 * concurrency and rate, debounced, or paused after a throttling answer (docs/flow-control.md);
 * with `fairBy`, the queue is a fair queue with a tenant per value of a path; with `priority`,
 * a queue per lane, a lower lane yielding to a higher lane's backlog beyond its guaranteed share.
 */
export class QueueConsumer extends Construct implements IMonitorable {
  /** The rule; with `priority`, the first lane's (the others' are in `laneRules`). */
  public readonly rule: events.Rule;
  /** The queue; with `priority`, the first lane's. */
  public readonly queue: sqs.IQueue;
  /** With `priority`, each lane's queue, highest first (the first is `queue`); otherwise just `queue`. */
  public readonly laneQueues: readonly sqs.IQueue[];
  /** With `priority`, each lane's rule, highest first (the first is `rule`); otherwise just `rule`. */
  public readonly laneRules: readonly events.Rule[];
  /** Messages the function failed `maxReceiveCount` times. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** Events EventBridge could not deliver to the queue. */
  public readonly targetDeadLetterQueue: sqs.IQueue;
  public readonly function: SwitchyardFunction;
  /** The table flow control keeps its state in, if `flowControl` was declared. */
  public readonly flowControlTable?: dynamodb.ITable;
  readonly #alarms: QueueConsumerAlarms;
  readonly #maxMessageAge: Duration;
  /** What the rule matches, for the dashboard's "events in" lines. */
  readonly #detailTypes: string;

  constructor(scope: Construct, id: string, props: QueueConsumerProps) {
    super(scope, id);
    validateContractKeys(this, 'contracts', props.contracts);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    validateRange(this, 'maxReceiveCount', maxReceiveCount, 1, 1000);
    validateInteger(this, 'maxReceiveCount', maxReceiveCount);
    const batchSize = props.batchSize ?? 10;
    validateRange(this, 'batchSize', batchSize, 1, props.maxBatchingWindow ? 10_000 : 10);
    validateInteger(this, 'batchSize', batchSize);
    validateRange(this, 'maxBatchingWindow', props.maxBatchingWindow?.toSeconds(), 0, 300, 'seconds');
    validateRange(this, 'maxConcurrency', props.maxConcurrency, 2, 1000);
    validateRange(this, 'targetRetryAttempts', props.targetRetryAttempts, 0, 185);
    validateRange(this, 'targetMaxEventAge', props.targetMaxEventAge?.toSeconds(), 60, 86_400, 'seconds');
    const retentionPeriod = props.retentionPeriod ?? Duration.days(14);
    validateRange(this, 'retentionPeriod', retentionPeriod.toSeconds(), 60, 1_209_600, 'seconds');

    this.function = new SwitchyardFunction(this, 'Handler', props.handler);
    const functionTimeout = this.function.timeout.toSeconds();
    const visibilityTimeout = props.visibilityTimeout ?? Duration.seconds(functionTimeout * VISIBILITY_TO_TIMEOUT_RATIO);
    const visibility = visibilityTimeout.toSeconds();
    if (!Token.isUnresolved(visibility) && !Token.isUnresolved(functionTimeout)) {
      const minimum = functionTimeout * VISIBILITY_TO_TIMEOUT_RATIO;
      if (visibility < minimum || visibility > MAX_VISIBILITY_SECONDS) {
        invalidProp(
          this,
          `visibilityTimeout must be from ${minimum} seconds (${VISIBILITY_TO_TIMEOUT_RATIO}x the handler timeout of ${functionTimeout} s) to ${MAX_VISIBILITY_SECONDS} seconds (got ${visibility} seconds)`,
        );
      }
    }

    const alarms = props.alarms === false ? {} : (props.alarms ?? {});
    if (props.alarms === false) turnAlarmsOff(this);
    validateRange(this, 'alarms.maxMessageAge', alarms.maxMessageAge?.toSeconds(), 60, 1_209_600, 'seconds');
    validateRange(this, 'alarms.functionErrors', alarms.functionErrors, 0, 100_000);
    validateRange(this, 'alarms.functionThrottles', alarms.functionThrottles, 0, 100_000);
    this.#alarms = alarms;
    const detailTypes = (props.eventPattern.detailType ?? []).filter((t) => !Token.isUnresolved(t));
    this.#detailTypes = detailTypes.length > 0 ? detailTypes.join(', ') : 'any detail-type';
    this.#maxMessageAge = alarms.maxMessageAge ?? Duration.seconds(Math.max(60, visibility * maxReceiveCount));

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', { retentionPeriod });
    this.targetDeadLetterQueue = deadLetterQueue(this, 'TargetDeadLetterQueue', { retentionPeriod });
    const lanes = props.priority && priorityLanePlan(this, props.priority, props);
    const queueProps = { retentionPeriod, visibilityTimeout, deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount } };
    [this.laneQueues, this.laneRules] = this.#lanes(props, lanes, queueProps);
    this.queue = this.laneQueues[0] as sqs.IQueue;
    this.rule = this.laneRules[0] as events.Rule;

    // What the kit's consumer needs to route failures itself: permanent ones to the DLQ at
    // once, transient ones back to the queue after a backoff (the event source's consume
    // grant covers ChangeMessageVisibility too; granted here so the need is stated).
    this.function.addEnvironment(ENV.queueUrl, this.queue.queueUrl);
    this.function.addEnvironment(ENV.deadLetterQueueUrl, this.deadLetterQueue.queueUrl);
    this.function.addEnvironment(ENV.maxReceiveCount, String(maxReceiveCount));
    grantSendMessages(this.deadLetterQueue, this.function);
    // Each lane's records are held back and requeued against their own queue.
    for (const queue of this.laneQueues) queue.grant(this.function, 'sqs:ChangeMessageVisibility');

    if (props.flowControl !== undefined || lanes !== undefined) {
      this.flowControlTable = this.#flowControl(props, lanes, retentionPeriod.toSeconds());
    }

    // One event source per lane onto the one function: each its own maxConcurrency.
    for (const queue of this.laneQueues) {
      this.function.addEventSource(
        new SqsEventSource(queue, {
          batchSize,
          maxBatchingWindow: props.maxBatchingWindow,
          maxConcurrency: props.maxConcurrency,
          reportBatchItemFailures: true,
        }),
      );
    }
  }

  /**
   * A queue and a rule per lane, or the consumer's one queue and rule without `priority`.
   * The first lane keeps the consumer's own ids (`Queue`, `Rule`): construct ids are a contract.
   */
  #lanes(
    props: QueueConsumerProps,
    lanes: PriorityLanePlan | undefined,
    queueProps: sqs.QueueProps,
  ): [readonly sqs.IQueue[], readonly events.Rule[]] {
    const messageGroupId = props.fairBy === undefined ? undefined : fairGroupIdPath(this, props.fairBy, props.contracts);
    const routes = lanes?.lanes.map((lane, i) => ({ ...lane, id: i === 0 ? '' : `Lane${laneId(lane.name)}` })) ?? [
      { name: '', eventPattern: props.eventPattern, id: '' },
    ];
    const queues = routes.map((route) => secureQueue(this, `${route.id}Queue`, queueProps));
    const rules = routes.map(
      (route, i) =>
        new events.Rule(this, `${route.id}Rule`, {
          eventBus: props.eventBus,
          eventPattern: route.eventPattern,
          description: route.name === '' ? props.description : `${props.description} (lane ${route.name})`,
          targets: [
            new targets.SqsQueue(queues[i] as sqs.IQueue, {
              deadLetterQueue: this.targetDeadLetterQueue,
              retryAttempts: props.targetRetryAttempts ?? 185,
              maxEventAge: props.targetMaxEventAge ?? Duration.hours(24),
              messageGroupId,
            }),
          ],
        }),
    );
    return [queues, rules];
  }

  /** The flow control table and the kit's settings, for `flowControl`, `priority` or both. */
  #flowControl(props: QueueConsumerProps, lanes: PriorityLanePlan | undefined, retentionSeconds: number): dynamodb.ITable {
    const settings = {
      // Priority alone needs no key: its slots are keyed by lane.
      ...(props.flowControl === undefined
        ? { flow: this.node.path, key: { constant: 'lanes' }, retentionSeconds }
        : flowControlSettings(this, props.flowControl, { retentionSeconds, contracts: props.contracts })),
      ...(lanes === undefined
        ? {}
        : {
            priority: prioritySettings(
              lanes,
              this.laneQueues.map((q) => q.queueUrl),
            ),
          }),
    };
    const table = props.flowControl?.table ?? new FlowControlTable(this, 'FlowControl').table;
    FlowControlTable.connectTo(table, this.function);
    this.function.addEnvironment(ENV.flowControl, JSON.stringify(settings));
    for (const queue of this.laneQueues) {
      // Held-back records are routine under flow control: one on what would be its last
      // receive is sent to its queue again as a new message rather than dead-lettered.
      grantSendMessages(queue, this.function);
      // A lower lane looks at the higher lanes' backlogs (the event source's grant has it too).
      if (lanes !== undefined) queue.grant(this.function, 'sqs:GetQueueAttributes');
    }
    return table;
  }

  /** Both dead-letter queues, the oldest message's age, the rule and the handler (SwitchyardMonitoring calls it). */
  monitor(context: MonitoringContext): void {
    const name = resourceName(this.queue).replace(/Queue$/, '');
    context.deadLetterQueue(this, this.deadLetterQueue, `Consumer ${name}: records its handler failed for good`);
    context.deadLetterQueue(this, this.targetDeadLetterQueue, `Consumer ${name}: events EventBridge could not put on its queue`);
    this.laneQueues.forEach((queue, i) => {
      const lane = i === 0 ? name : resourceName(queue).replace(/Queue$/, '');
      context.consumerQueue(
        this,
        queue,
        lane,
        this.#maxMessageAge,
        this.#alarms.maxMessageAge === undefined ? 'its visibility timeout times maxReceiveCount' : 'its alarms.maxMessageAge',
      );
      context.rule(this, this.laneRules[i] as events.Rule, `${this.#detailTypes} -> ${lane}`, true);
    });
    context.lambdaFunction(this, this.function, this.#alarms);
  }
}
