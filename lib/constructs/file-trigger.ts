import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { ENV } from '../../contracts/wiring.js';
import { packagedHandlerEntry } from './handler-entry.js';
import { type IMonitorable, type MonitoringContext, turnAlarmsOff } from './monitoring-context.js';
import { onFirstUse } from './on-first-use.js';
import { deadLetterQueue } from './secure-queue.js';
import { SwitchyardFunction } from './switchyard-function.js';
import { invalidProp, validateInteger, validateRange } from './validation.js';

// Loaded when an app first makes one (on-first-use.ts says why).
const s3Module = onFirstUse<typeof s3>('aws-cdk-lib/aws-s3');
const destinationsModule = onFirstUse<typeof destinations>('aws-cdk-lib/aws-lambda-destinations');

const HANDLER_ENTRY = packagedHandlerEntry('file-trigger/handler');
/** S3's longest key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
const ACCESS_LOG_PREFIX = 'access/';

export interface FileTriggerProps {
  /** The hub the FileLanded events are published to. */
  readonly eventBus: events.IEventBus;
  /**
   * Names the trigger in every FileLanded event (`trigger`), so consumers can tell watched
   * locations apart: 1 to 128 letters, digits, `.`, `_` or `-`.
   */
  readonly name: string;
  /**
   * The bucket to watch; its EventBridge notifications are turned on.
   * @default - a new bucket: S3-managed encryption, TLS only, public access blocked, server access logs to a bucket of its own
   */
  readonly bucket?: s3.IBucket;
  /**
   * Only objects whose key starts with this (1 to 1024 bytes).
   * @default - any key
   */
  readonly prefix?: string;
  /**
   * Only objects whose key ends with this (1 to 1024 bytes).
   * @default - any key
   */
  readonly suffix?: string;
  /**
   * How often EventBridge retries invoking the function when the invocation itself fails (0 to 185).
   * @default 185
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps retrying one event (60 s to 24 h).
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;
  /**
   * What happens to a bucket this construct creates when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long the created access-log bucket keeps its logs (1 to 3650 days).
   * @default Duration.days(90)
   */
  readonly accessLogsRetention?: Duration;
  /**
   * The trigger's alarms (made by SwitchyardMonitoring): its dead-letter queue (the rule's
   * and the function's async failures), the rule's failed deliveries, the function's errors
   * and throttles. `false` turns them all off (its dashboard lines stay).
   * @default - every alarm
   */
  readonly alarms?: false;
}

/**
 * The trigger's own bucket (EventBridge notifications on, encrypted, private, TLS only) and
 * the bucket its server access logs go to, kept for `accessLogsRetention`.
 */
function loggedBucket(scope: Construct, props: FileTriggerProps): { bucket: s3.Bucket; logs: s3.Bucket } {
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  const { Bucket, BucketEncryption, BlockPublicAccess, ObjectOwnership } = s3Module();
  const logs = new Bucket(scope, 'AccessLogs', {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ expiration: props.accessLogsRetention ?? Duration.days(90) }],
    removalPolicy,
  });
  Validations.of(logs).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This is the server access log bucket of the trigger bucket; logging it too would only log the log writes.',
  });
  const bucket = new Bucket(scope, 'Bucket', {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    eventBridgeEnabled: true,
    removalPolicy,
  });
  // Log delivery by bucket policy, as S3 recommends (an ACL would need ACLs enabled on the log bucket).
  (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
    destinationBucketName: logs.bucketName,
    logFilePrefix: ACCESS_LOG_PREFIX,
  };
  logs.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'S3ServerAccessLogsPolicy',
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [logs.arnForObjects(`${ACCESS_LOG_PREFIX}*`)],
      conditions: { ArnLike: { 'aws:SourceArn': bucket.bucketArn }, StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  );
  return { bucket, logs };
}

/**
 * A file landing in a bucket becomes a contract event on the hub. The bucket sends its
 * events to EventBridge (S3 puts them on the default bus of its account and region); a rule
 * there matches `Object Created` under the prefix and suffix and invokes a small function
 * that publishes `FileLanded` (bucket, key, size, ETag) to the hub, with a `fileId` derived
 * from the bucket, key and the write's version id or sequencer, so every step downstream
 * dedupes on it. EventBridge cannot restate an event on another bus (an input transformer
 * does not apply to a bus target), hence the function. A delivery that keeps failing, at
 * EventBridge or in the function, lands in `deadLetterQueue` with its reason.
 */
export class FileTrigger extends Construct implements IMonitorable {
  public readonly bucket: s3.IBucket;
  /** The created bucket's server access logs; undefined when a bucket was given. */
  public readonly accessLogsBucket?: s3.IBucket;
  /** The rule on the default bus. */
  public readonly rule: events.Rule;
  public readonly function: SwitchyardFunction;
  /** S3 events the rule could not deliver, and invocations that failed after Lambda's retries. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The name in every FileLanded event's `trigger`. */
  public readonly triggerName: string;

  constructor(scope: Construct, id: string, props: FileTriggerProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.name) && !/^[A-Za-z0-9._-]{1,128}$/.test(props.name)) {
      invalidProp(this, `name must be 1 to 128 letters, digits, '.', '_' or '-' (got ${JSON.stringify(props.name)})`);
    }
    validateKeyPart(this, 'prefix', props.prefix);
    validateKeyPart(this, 'suffix', props.suffix);
    validateRange(this, 'retryAttempts', props.retryAttempts, 0, 185);
    validateInteger(this, 'retryAttempts', props.retryAttempts);
    validateRange(this, 'maxEventAge', props.maxEventAge?.toSeconds(), 60, 86_400, 'seconds');
    validateRange(this, 'accessLogsRetention', props.accessLogsRetention?.toDays(), 1, 3650, 'days');
    if (props.bucket !== undefined && (props.removalPolicy !== undefined || props.accessLogsRetention !== undefined)) {
      invalidProp(
        this,
        'removalPolicy and accessLogsRetention apply only to a bucket the trigger creates; set them on the bucket you pass',
      );
    }

    if (props.bucket) {
      this.bucket = props.bucket;
      this.bucket.enableEventBridgeNotification();
    } else {
      const { bucket, logs } = loggedBucket(this, props);
      this.accessLogsBucket = logs;
      this.bucket = bucket;
    }

    acknowledgeNotificationsHandler(this);

    if (props.alarms === false) turnAlarmsOff(this);
    this.triggerName = props.name;
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue');
    this.function = new SwitchyardFunction(this, 'Publisher', {
      entry: HANDLER_ENTRY,
      description: `Publishes FileLanded for objects created in the ${props.name} trigger's bucket`,
      serviceName: 'file-trigger',
      timeout: Duration.seconds(10),
      environment: { [ENV.eventBusName]: props.eventBus.eventBusName, [ENV.fileTriggerName]: props.name },
    });
    props.eventBus.grantPutEventsTo(this.function);
    // A function error is retried twice by Lambda; after that the event goes to the same queue, with its reason.
    this.function.configureAsyncInvoke({ retryAttempts: 2, onFailure: new (destinationsModule().SqsDestination)(this.deadLetterQueue) });
    if (this.deadLetterQueue.encryptionMasterKey !== undefined) {
      // SqsDestination grants with CDK's grantSendMessages, whose key actions are wildcards.
      for (const action of ['kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
        Validations.of(this.function.role as iam.IRole).acknowledge({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: `Lambda's on-failure destination is the dead-letter queue, encrypted with the SwitchyardEncryption key; CDK's SqsDestination grants ${action} on that key only.`,
        });
      }
    }

    const key = keyMatcher(props.prefix, props.suffix);
    this.rule = new events.Rule(this, 'ObjectCreated', {
      description: `S3 Object Created in the ${props.name} trigger's bucket -> FileLanded on the hub`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [this.bucket.bucketName] }, ...(key === undefined ? {} : { object: { key } }) },
      },
      targets: [
        new targets.LambdaFunction(this.function, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: props.retryAttempts ?? 185,
          maxEventAge: props.maxEventAge ?? Duration.hours(24),
        }),
      ],
    });
  }

  /** The dead-letter queue, the rule and the function (SwitchyardMonitoring calls it). */
  monitor(context: MonitoringContext): void {
    context.deadLetterQueue(this, this.deadLetterQueue, `File trigger ${this.triggerName}: S3 events that did not become FileLanded`);
    context.rule(this, this.rule, `Object Created (${this.triggerName})`, true);
    context.lambdaFunction(this, this.function);
  }
}

/**
 * CDK turns a bucket's EventBridge notifications on through a custom resource whose
 * provider, one per stack, runs only while CloudFormation deploys; its role has the
 * AWSLambdaBasicExecutionRole managed policy, which CDK gives it and we cannot change.
 */
function acknowledgeNotificationsHandler(scope: Construct): void {
  const stack = Stack.of(scope);
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
    const role = child.node.tryFindChild('Role');
    if (role === undefined) continue;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's bucket notifications provider (deploy-time only) is created by aws-s3 with the AWSLambdaBasicExecutionRole managed policy, which it does not let us replace.",
    });
  }
}

function validateKeyPart(scope: Construct, prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  const bytes = Buffer.byteLength(value);
  if (bytes < 1 || bytes > MAX_KEY_BYTES) invalidProp(scope, `${prop} must be 1 to ${MAX_KEY_BYTES} bytes long (got ${bytes} bytes)`);
}

/**
 * The key filter of the rule: a prefix, a suffix, or both as a wildcard (`<prefix>*<suffix>`,
 * with `*` and `\` in them escaped), since one pattern field takes one matcher.
 */
function keyMatcher(prefix: string | undefined, suffix: string | undefined): string[] | undefined {
  if (prefix !== undefined && suffix !== undefined) {
    const literal = (text: string) => text.replace(/[\\*]/g, (c) => `\\${c}`);
    return events.Match.wildcard(`${literal(prefix)}*${literal(suffix)}`);
  }
  if (prefix !== undefined) return events.Match.prefix(prefix);
  if (suffix !== undefined) return events.Match.suffix(suffix);
  return undefined;
}
