import type * as eventsv2 from 'aws-cdk-lib/aws-eventsv2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Annotations, CfnResource, type Duration, Stack, Token, Validations } from 'aws-cdk-lib/core';
import type { IConstruct } from 'constructs';
import type { ICustomEventBus } from './custom-event-bus-ref.js';
import type { DurableFlow } from './durable-flow.js';
import { grantSendMessages } from './key-grants.js';
import { invalidProp, validateInteger, validateRange } from './validation.js';

/**
 * How a subscriber calls a Lambda function or starts a Step Functions execution: `EVENT`
 * (asynchronously: a successful call is a delivery) or `REQUEST_RESPONSE` (it waits, and a
 * function error is a failed delivery, retried and then dead-lettered).
 */
export type SubscriberInvocationType = 'EVENT' | 'REQUEST_RESPONSE';

/** How a Lambda function target is called. */
export interface LambdaSubscriberTargetOptions {
  /**
   * `REQUEST_RESPONSE` waits for the function, so that its error is a failed delivery (retried,
   * then dead-lettered) and, on a FIFO subscriber, the next event of the group waits for it;
   * `EVENT` hands the batch to Lambda's asynchronous queue (at least once). A FIFO subscriber
   * refuses `EVENT`: order would hold only up to that hand-off.
   * @default 'REQUEST_RESPONSE'
   */
  readonly invocationType?: SubscriberInvocationType;
  /**
   * How long EventBridge waits for one call (whole seconds, 1 to 30).
   * @default Duration.seconds(30) - the service's default
   */
  readonly invocationTimeout?: Duration;
}

/** How a queue target is sent to. */
export interface QueueSubscriberTargetOptions {
  /**
   * Each message's group id, a literal or a JSONata expression (`{% ... %}`); a FIFO queue needs one.
   * @default - none for a standard queue; for a FIFO queue the event's group, `{% $events.SystemMetadata.EventGroupId %}`
   */
  readonly messageGroupId?: string;
  /**
   * Each message's deduplication id on a FIFO queue, a literal or a JSONata expression.
   * @default - none: the queue's content-based deduplication, if it has it
   */
  readonly messageDeduplicationId?: string;
}

/** How a state machine target is started. */
export interface StateMachineSubscriberTargetOptions {
  /**
   * `EVENT` starts an execution (StartExecution); `REQUEST_RESPONSE` runs an Express state
   * machine and waits for it (StartSyncExecution).
   * @default 'EVENT'
   */
  readonly invocationType?: SubscriberInvocationType;
}

/** An AWS API action a universal target calls, and what calling it takes. */
export interface AwsApiSubscriberTargetOptions {
  /** The service, as the SDK names it (`dynamodb`, `sfn`, `bedrock-runtime`). */
  readonly service: string;
  /** The API action, in camel case as the SDK names it (`putItem`). */
  readonly action: string;
  /** The request: JSON, or a JSONata expression in `{% %}` that reads the event. */
  readonly input: string;
  /** What the delivery role may call: the action's IAM actions on the resources it touches (no target object has a grant for it). */
  readonly policyStatement: iam.PolicyStatement;
}

/** What a target gives its subscriber: the ARN, the parameters block, what a batch may hold, and how the delivery role is granted. */
export interface SubscriberTargetConfig {
  /** The target's ARN (InvokeConfiguration.TargetArn). */
  readonly targetArn: string;
  /** The target's parameters, merged into InvokeConfiguration. */
  readonly parameters: Omit<eventsv2.CfnSubscriber.InvokeConfigurationProperty, 'targetArn' | 'roleArn'>;
  /** The most events one delivery to this kind of target may hold (AWS refuses more). */
  readonly maxBatchSize: number;
  /** The batch size a target needs regardless of the service's default (a durable flow: one execution per event). */
  readonly defaultBatchSize?: number;
  /** Whether the subscriber must set both `maxBatchSize` and `maxBatchWindow` (a universal target: AWS cannot know how many events the action's request can carry). */
  readonly requiresBatch?: boolean;
  /** Why this target cannot keep a FIFO subscriber's order, if it cannot. */
  readonly unordered?: string;
  /** What kind of target, for messages. */
  readonly kind: string;
}

/**
 * Where a BusSubscriber delivers, with the one grant its delivery role gets for it (the
 * target's own `grant*`). The per-target batch limits are AWS's: 100 events for Lambda, Step
 * Functions and another Custom Event Bus, 10 for SQS and SNS
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-eventsv2-subscriber-batchconfiguration.html).
 */
export abstract class SubscriberTarget {
  /**
   * A Lambda function (or an alias or version of one); it receives a JSON array of events,
   * or one event when the subscriber's `maxBatchSize` is 1
   * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-target-lambda.html).
   */
  static lambda(fn: lambda.IFunction, options: LambdaSubscriberTargetOptions = {}): SubscriberTarget {
    return new (class extends SubscriberTarget {
      bind(subscriber: IConstruct, role: iam.IGrantable, fifo: boolean): SubscriberTargetConfig {
        const invocationType = options.invocationType ?? 'REQUEST_RESPONSE';
        if (fifo && invocationType === 'EVENT') {
          invalidProp(
            subscriber,
            "target's invocationType must be REQUEST_RESPONSE on a FIFO subscriber (got EVENT): with EVENT the order holds only up to the hand-off into Lambda's asynchronous queue (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-ordering.html)",
          );
        }
        const seconds = invocationTimeout(subscriber, options.invocationTimeout);
        if (invocationType === 'REQUEST_RESPONSE') warnIfOutwaited(subscriber, fn, options.invocationTimeout);
        fn.grantInvoke(role);
        acknowledgeInvokedVersions(subscriber, fn);
        return {
          kind: 'a Lambda function',
          targetArn: fn.functionArn,
          maxBatchSize: 100,
          parameters: { lambdaParameters: { invocationType, invocationTimeoutSeconds: seconds } },
        };
      }
    })();
  }

  /**
   * A DurableFlow: each event starts a durable execution of its alias (`EVENT`: an execution
   * may run up to a year, longer than a synchronous call), one event per execution. Not on a
   * FIFO subscriber: its order would hold only up to the hand-off.
   */
  static durableFlow(flow: DurableFlow): SubscriberTarget {
    return new (class extends SubscriberTarget {
      bind(_subscriber: IConstruct, role: iam.IGrantable): SubscriberTargetConfig {
        flow.alias.grantInvoke(role);
        return {
          kind: 'a durable flow',
          targetArn: flow.alias.functionArn,
          maxBatchSize: 100,
          defaultBatchSize: 1,
          unordered: 'a durable execution is started asynchronously (EVENT), so the order would hold only up to the hand-off',
          parameters: { lambdaParameters: { invocationType: 'EVENT' } },
        };
      }
    })();
  }

  /** An SQS queue: one event per message (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-targets.html). */
  static queue(queue: sqs.IQueue, options: QueueSubscriberTargetOptions = {}): SubscriberTarget {
    return new (class extends SubscriberTarget {
      bind(_subscriber: IConstruct, role: iam.IGrantable): SubscriberTargetConfig {
        grantSendMessages(queue, role);
        const messageGroupId = options.messageGroupId ?? (queue.fifo ? '{% $events.SystemMetadata.EventGroupId %}' : undefined);
        return {
          kind: 'an SQS queue',
          targetArn: queue.queueArn,
          maxBatchSize: 10,
          parameters: { sqsParameters: { messageGroupId, messageDeduplicationId: options.messageDeduplicationId } },
        };
      }
    })();
  }

  /** A Step Functions state machine. */
  static stateMachine(stateMachine: sfn.IStateMachine, options: StateMachineSubscriberTargetOptions = {}): SubscriberTarget {
    return new (class extends SubscriberTarget {
      bind(_subscriber: IConstruct, role: iam.IGrantable): SubscriberTargetConfig {
        const invocationType = options.invocationType ?? 'EVENT';
        if (invocationType === 'EVENT') stateMachine.grantStartExecution(role);
        else stateMachine.grantStartSyncExecution(role);
        return {
          kind: 'a state machine',
          targetArn: stateMachine.stateMachineArn,
          maxBatchSize: 100,
          parameters: { stepFunctionsParameters: { invocationType } },
        };
      }
    })();
  }

  /** An SNS topic. */
  static topic(topic: sns.ITopic): SubscriberTarget {
    return new (class extends SubscriberTarget {
      bind(_subscriber: IConstruct, role: iam.IGrantable): SubscriberTargetConfig {
        topic.grantPublish(role);
        return { kind: 'an SNS topic', targetArn: topic.topicArn, maxBatchSize: 10, parameters: { snsParameters: {} } };
      }
    })();
  }

  /** Another Custom Event Bus: each event published to it again (bus to bus). */
  static eventBus(bus: ICustomEventBus): SubscriberTarget {
    return new (class extends SubscriberTarget {
      bind(_subscriber: IConstruct, role: iam.IGrantable): SubscriberTargetConfig {
        bus.grantPublish(role);
        return { kind: 'a Custom Event Bus', targetArn: bus.eventBusArn, maxBatchSize: 100, parameters: { eventBusV2Parameters: {} } };
      }
    })();
  }

  /**
   * An AWS API action, as a universal target (`arn:<partition>:events:::aws-sdk:<service>:<action>`),
   * one event per call. The subscriber must set both `maxBatchSize` (1) and `maxBatchWindow`
   * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-batching.html).
   */
  static awsApi(options: AwsApiSubscriberTargetOptions): SubscriberTarget {
    return new (class extends SubscriberTarget {
      bind(subscriber: IConstruct, role: iam.IGrantable): SubscriberTargetConfig {
        for (const [prop, value] of [
          ['service', options.service],
          ['action', options.action],
        ] as const) {
          if (!Token.isUnresolved(value) && !/^[a-zA-Z0-9-]+$/.test(value)) {
            invalidProp(subscriber, `target's ${prop} must be the SDK's name, letters, digits and '-' (got ${JSON.stringify(value)})`);
          }
        }
        role.grantPrincipal.addToPrincipalPolicy(options.policyStatement);
        return {
          kind: 'an AWS API action (a universal target)',
          targetArn: `arn:${Stack.of(subscriber).partition}:events:::aws-sdk:${options.service}:${options.action}`,
          maxBatchSize: 1,
          requiresBatch: true,
          parameters: { universalTargetParameters: { input: options.input } },
        };
      }
    })();
  }

  /** Grants `role` what delivering to the target takes and says how the subscriber calls it (BusSubscriber calls it once). */
  abstract bind(subscriber: IConstruct, role: iam.IGrantable, fifo: boolean): SubscriberTargetConfig;
}

/** The warning's id: `Annotations.of(subscriber).acknowledgeWarning(SUBSCRIBER_OUTWAITED_WARNING)` silences it. */
export const SUBSCRIBER_OUTWAITED_WARNING = '@switchyard/constructs:subscriberOutwaited';

/**
 * A synchronous call EventBridge stops waiting for (30 s at most) is a failed delivery, retried
 * while the first call may still run: a function whose timeout is longer gets a synth warning.
 */
function warnIfOutwaited(subscriber: IConstruct, fn: lambda.IFunction, timeout: Duration | undefined): void {
  const runs = (fn as { readonly timeout?: Duration }).timeout?.toSeconds();
  const waits = timeout?.toSeconds() ?? 30;
  if (runs === undefined || Token.isUnresolved(runs) || Token.isUnresolved(waits) || runs <= waits) return;
  Annotations.of(subscriber).addWarningV2(
    SUBSCRIBER_OUTWAITED_WARNING,
    `${fn.node.path} may run ${runs} s, longer than the subscriber waits for a REQUEST_RESPONSE call (${waits} s): a slower call counts as failed and is retried while it still runs. Shorten its timeout, or take invocationType EVENT.`,
  );
}

/**
 * `grantInvoke` grants a function's ARN and `<ARN>:*` (any version or alias of that one
 * function), which cdk-nag's AwsSolutions-IAM5 reports as a wildcard: acknowledged here with its
 * reason, as a Workflow does for its steps' functions, so a subscriber needs none of its own.
 */
function acknowledgeInvokedVersions(subscriber: IConstruct, fn: lambda.IFunction): void {
  const cfn = fn.node.defaultChild;
  if (!(cfn instanceof CfnResource) || cfn.cfnResourceType !== 'AWS::Lambda::Function' || Stack.of(cfn) !== Stack.of(subscriber)) return;
  Validations.of(subscriber).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(cfn).getLogicalId(cfn)}.Arn>:*]`,
    reason: `The subscriber invokes ${fn.node.path}; grantInvoke grants any version or alias of it (its ARN with :*) besides its ARN.`,
  });
}

/** A Lambda invocation timeout as the template writes it: whole seconds, 1 to 30, as a string. */
function invocationTimeout(subscriber: IConstruct, timeout: Duration | undefined): string | undefined {
  if (timeout === undefined) return undefined;
  const seconds = timeout.toSeconds({ integral: false });
  validateRange(subscriber, "target's invocationTimeout", seconds, 1, 30, 'seconds');
  validateInteger(subscriber, "target's invocationTimeout (in seconds)", seconds);
  return Token.isUnresolved(seconds) ? Token.asString(seconds) : String(seconds);
}
