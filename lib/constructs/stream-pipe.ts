import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as pipes from 'aws-cdk-lib/aws-pipes';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { type Duration, Stack, Validations } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { grantSendMessages } from './key-grants.js';
import { type MonitoringContext, RUNBOOK_SECTIONS, resourceName } from './monitoring-context.js';
import { onFirstUse } from './on-first-use.js';
import { deadLetterQueue } from './secure-queue.js';
import { invalidProp, validateInteger, validateRange } from './validation.js';

// Loaded when an app first makes one (on-first-use.ts says why).
const pipesModule = onFirstUse<typeof pipes>('aws-cdk-lib/aws-pipes');

/**
 * How a pipe from a table's DynamoDB stream to the hub reads the stream and gives up on a
 * batch: the props ChangeCapture and TableOutbox share.
 */
export interface StreamPipeProps {
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

/** Refuses the reading props a pipe could not be made from, in the order they are declared. */
export function validateStreamPipe(scope: Construct, props: StreamPipeProps, maximumRecordAge: Duration): void {
  validateRange(scope, 'batchSize', props.batchSize, 1, 10_000);
  validateInteger(scope, 'batchSize', props.batchSize);
  validateRange(scope, 'maximumBatchingWindow', props.maximumBatchingWindow?.toSeconds(), 0, 300, 'seconds');
  validateRange(scope, 'maximumRetryAttempts', props.maximumRetryAttempts, 0, 10_000);
  validateInteger(scope, 'maximumRetryAttempts', props.maximumRetryAttempts);
  validateRange(scope, 'maximumRecordAge', maximumRecordAge.toSeconds(), 60, 604_800, 'seconds');
}

/** The table's stream ARN; a table without a stream is refused. */
export function streamOf(scope: Construct, table: dynamodb.ITable, hint: string): string {
  const streamArn = table.tableStreamArn;
  if (streamArn === undefined) invalidProp(scope, `table must have a stream (set \`stream\` on the table; ${hint})`);
  return streamArn;
}

export interface StreamPipeParts {
  readonly scope: Construct;
  readonly props: StreamPipeProps;
  readonly table: dynamodb.ITable;
  readonly streamArn: string;
  readonly eventBus: events.IEventBus;
  readonly enrichment: lambda.IFunction;
  readonly maximumRecordAge: Duration;
  /** The pipe's filter: an EventBridge pattern matched against each stream record. */
  readonly pattern: Record<string, unknown>;
  readonly targetParameters: pipes.CfnPipe.PipeTargetParametersProperty;
  /** The role's and the pipe's descriptions. */
  readonly roleDescription: string;
  readonly pipeDescription: string;
}

/**
 * The role, the dead-letter queue and the pipe (construct IDs `Role`, `DeadLetterQueue`,
 * `Pipe` in `scope`): the role reads the stream, decrypts the table's key, puts events on
 * the bus, sends to the dead-letter queue and invokes the enrichment, nothing else.
 */
export function streamPipe(parts: StreamPipeParts): { role: iam.Role; deadLetterQueue: sqs.IQueue; pipe: pipes.CfnPipe } {
  const { scope, props, streamArn } = parts;
  const dlq = props.deadLetterQueue ?? deadLetterQueue(scope, 'DeadLetterQueue');
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
    description: parts.roleDescription,
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      resources: [streamArn],
    }),
  );
  role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }));
  parts.table.encryptionKey?.grantDecrypt(role);
  parts.eventBus.grantPutEventsTo(role);
  grantSendMessages(dlq, role);
  // The function's ARN only (grantInvoke would add `<arn>:*`, every version and alias).
  role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [parts.enrichment.functionArn] }));

  const pipe = new (pipesModule().CfnPipe)(scope, 'Pipe', {
    description: parts.pipeDescription,
    roleArn: role.roleArn,
    source: streamArn,
    sourceParameters: {
      filterCriteria: { filters: [{ pattern: JSON.stringify(parts.pattern) }] },
      dynamoDbStreamParameters: {
        startingPosition: props.startingPosition ?? 'TRIM_HORIZON',
        batchSize: props.batchSize ?? 10,
        maximumBatchingWindowInSeconds: props.maximumBatchingWindow?.toSeconds() ?? 0,
        maximumRetryAttempts: props.maximumRetryAttempts ?? 3,
        maximumRecordAgeInSeconds: parts.maximumRecordAge.toSeconds(),
        ...(props.bisectBatchOnFailure === false ? {} : { onPartialBatchItemFailure: 'AUTOMATIC_BISECT' }),
        deadLetterConfig: { arn: dlq.queueArn },
      },
    },
    enrichment: parts.enrichment.functionArn,
    target: parts.eventBus.eventBusArn,
    targetParameters: parts.targetParameters,
  });
  pipe.node.addDependency(role);

  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'dynamodb:ListStreams, which Pipes calls to find the stream, supports no resource-level permissions.',
  });
  return { role, deadLetterQueue: dlq, pipe };
}

/** The pipe's dead-letter queue, its dashboard line and its failed-executions alarm (`what` names what it carries: `Ticket changes`). */
export function monitorStreamPipe(
  owner: Construct,
  pipe: pipes.CfnPipe,
  dlq: sqs.IQueue,
  context: MonitoringContext,
  what: { readonly dlq: string; readonly line: string; readonly failed: string },
): void {
  context.deadLetterQueue(owner, dlq, what.dlq);
  if (!context.claim(pipe)) return;
  const metric = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: 'AWS/EventBridge/Pipes',
      metricName,
      dimensionsMap: { PipeName: pipe.ref },
      statistic: 'Sum',
      period: context.thresholds.period,
    });
  context.lines.eventsIn.push({ label: what.line, metric: metric('TargetStageSucceeded') });
  if (context.alarmsOff(owner)) return;
  context.alarm(pipe, 'ExecutionFailed', metric('ExecutionFailed'), {
    what: what.failed,
    run: `npx switchyard failures --source ${resourceName(dlq)}, and the pipe's execution metrics`,
    runbook: RUNBOOK_SECTIONS.pipe,
  });
}
