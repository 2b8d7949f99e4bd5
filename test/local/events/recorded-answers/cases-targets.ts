/**
 * Replays of LocalStack's tests/aws/services/events/test_events_targets.py: what a rule's target
 * receives, for the targets the local runtime serves through their APIs: SQS queues, event buses,
 * SNS topics (read through a subscribed queue), Kinesis streams and log groups. Roles are ARNs
 * only: the local runtime serves no IAM API and does not assume a target's role.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DeleteResourcePolicyCommand,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { PutEventsCommand, PutPermissionCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { CreateTopicCommand, DeleteTopicCommand, SetTopicAttributesCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { expect } from 'vitest';
import { type CaseContext, type ReplayedCase, TEST_EVENT_DETAIL, TEST_EVENT_PATTERN } from './context.js';
import { collectMessages, putEventsWithFilterToSqs } from './delivery.js';
import { answerOf } from './snapshot.js';

const SOURCE = TEST_EVENT_PATTERN.source[0];
const DETAIL_TYPE = TEST_EVENT_PATTERN['detail-type'][0];
const entry = (detail: object, EventBusName?: string) => ({
  EventBusName,
  Source: SOURCE,
  DetailType: DETAIL_TYPE,
  Detail: JSON.stringify(detail),
});

/** The transformers of the target tests: a message's receipt handle and body digest, as they are named. */
function messageKeys(c: CaseContext) {
  c.snap.keyValue('ReceiptHandle', 'receipt-handle', { reference: false });
  c.snap.keyValue('MD5OfBody', 'm-d5-of-body', { reference: false });
}

async function targetSqs(c: CaseContext) {
  const message = await putEventsWithFilterToSqs(c, { pattern: TEST_EVENT_PATTERN, entriesAsserts: [[[entry(TEST_EVENT_DETAIL)], true]] });
  messageKeys(c);
  c.snap.match('message', message);
}

async function targetSqsDetailMatch(c: CaseContext) {
  const messages = await putEventsWithFilterToSqs(c, {
    pattern: { detail: { EventType: ['0', '1'] } },
    entriesAsserts: [
      [[entry({ EventType: '1' })], true],
      [[entry({ EventType: '2' })], false],
    ],
    inputPath: '$.detail',
  });
  messageKeys(c);
  c.snap.match('messages', messages);
}

/** test_put_events_with_target_events: a rule on one bus sends to another, whose rule sends to a queue. */
async function targetEvents(c: CaseContext, source: string, target: string) {
  let sourceBus = 'default';
  if (source === 'custom') {
    sourceBus = `test-event-bus-source-${c.uid()}`;
    await c.createBus({ Name: sourceBus });
  }
  let targetBus = 'default';
  let targetBusArn = `arn:aws:events:${c.region}:${c.accountId}:event-bus/default`;
  if (target === 'custom') {
    targetBus = `test-event-bus-target-${c.uid()}`;
    targetBusArn = (await c.createBus({ Name: targetBus })).EventBusArn ?? '';
  }
  const roleArn = `arn:aws:iam::${c.accountId}:role/event-bus-source-to-target-${c.uid()}`;
  const statement = { StatementId: `TargetEventBusAccessPermission${c.uid()}`, Action: 'events:PutEvents', Principal: '*' };
  await c.events.send(new PutPermissionCommand({ EventBusName: targetBus, ...statement }));
  const toTarget = `test-rule-source-to-target-${c.uid()}`;
  await c.putRule({ Name: toTarget, EventBusName: sourceBus, EventPattern: JSON.stringify(TEST_EVENT_PATTERN) });
  const busTarget = { Id: `test-target-source-events-${c.uid()}`, Arn: targetBusArn, RoleArn: roleArn };
  await c.events.send(new PutTargetsCommand({ Rule: toTarget, EventBusName: sourceBus, Targets: [busTarget] }));
  const toQueue = `test-rule-target-${c.uid()}`;
  await c.putRule({ Name: toQueue, EventBusName: targetBus, EventPattern: JSON.stringify(TEST_EVENT_PATTERN) });
  const queue = await c.sqsTarget();
  await c.events.send(
    new PutTargetsCommand({ Rule: toQueue, EventBusName: targetBusArn, Targets: [{ Id: `target-${c.uid()}`, Arn: queue.arn }] }),
  );
  await c.events.send(new PutEventsCommand({ Entries: [entry(TEST_EVENT_DETAIL, sourceBus)] }));
  const messages = await collectMessages(c, queue, 1);
  messageKeys(c);
  c.snap.match('messages', messages);
}

/**
 * test_put_events_with_target_sns: the topic's notification, as the queue subscribed to it
 * holds it. (The parameter is LocalStack's SQS endpoint strategy, which changes nothing on AWS.)
 */
async function targetSns(c: CaseContext) {
  const sns = new SNSClient(c.clientConfig);
  const queue = await c.sqsTarget();
  const { TopicArn: topicArn = '' } = await sns.send(new CreateTopicCommand({ Name: `test-topic-${c.uid()}` }));
  try {
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn }));
    const statement = { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Resource: topicArn };
    const policy = {
      Version: '2012-10-17',
      Id: `sns-eventbridge-${c.uid()}`,
      Statement: [{ Sid: `SendMessage-${c.uid()}`, ...statement }],
    };
    await sns.send(new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: 'Policy', AttributeValue: JSON.stringify(policy) }));
    const bus = `test-bus-${c.uid()}`;
    await c.createBus({ Name: bus });
    const rule = `test-rule-${c.uid()}`;
    await c.putRule({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(TEST_EVENT_PATTERN) });
    await c.events.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [{ Id: `target-${c.uid()}`, Arn: topicArn }] }));
    await c.events.send(new PutEventsCommand({ Entries: [entry(TEST_EVENT_DETAIL, bus)] }));
    const messages = await collectMessages(c, queue, 1);
    const body = JSON.parse(messages[0]?.Body ?? '{}') as { Message: string };
    const messageId = (JSON.parse(body.Message) as { id: string }).id;
    messageKeys(c);
    c.snap.keyValue('Signature', 'signature', { reference: false });
    c.snap.keyValue('SigningCertURL', 'signing-cert-u-r-l', { reference: false });
    c.snap.keyValue('UnsubscribeURL', 'unsubscribe-u-r-l', { reference: false });
    c.snap.regex(topicArn, 'topic-arn');
    c.snap.regex(messageId, 'message-id');
    c.snap.match('messages', messages);
  } finally {
    await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
  }
}

/** test_put_events_with_target_kinesis: the record the stream got, as text. */
async function targetKinesis(c: CaseContext) {
  const kinesis = new KinesisClient(c.clientConfig);
  const stream = `stream-${c.uid()}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
  const streamArn = StreamDescription?.StreamARN ?? '';
  const bus = `bus-${c.uid()}`;
  await c.createBus({ Name: bus });
  const rule = `rule-${c.uid()}`;
  await c.putRule({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(TEST_EVENT_PATTERN) });
  const target = {
    Id: `target-${c.uid()}`,
    Arn: streamArn,
    RoleArn: `arn:aws:iam::${c.accountId}:role/bus-to-kinesis-${c.uid()}`,
    KinesisParameters: { PartitionKeyPath: '$.detail-type' },
  };
  await c.events.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [target] }));
  await c.events.send(new PutEventsCommand({ Entries: [entry(TEST_EVENT_DETAIL, bus)] }));
  const ShardId = StreamDescription?.Shards?.[0]?.ShardId;
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({ StreamName: stream, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  let records: { Data?: Uint8Array }[] = [];
  for (let i = 0; i < 20 && records.length === 0; i++) {
    records = (await kinesis.send(new GetRecordsCommand({ ShardIterator }))).Records ?? [];
    if (records.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(records.length).toBe(1);
  c.snap.match('response', new TextDecoder().decode(records[0]?.Data));
}

/** The events_log_group fixture's account resource policy letting EventBridge write to `groupArn`. */
const logsPolicy = (groupArn: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EventBridgePutLogEvents',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `${groupArn}:*`,
      },
    ],
  });

/** test_put_events_with_target_cloudwatch_logs: the answers on the way, and the log event the group then holds. */
async function targetLogs(c: CaseContext) {
  const logs = new CloudWatchLogsClient(c.clientConfig);
  c.snap.keyValue('EventId', 'event-id');
  c.snap.keyValue('RuleArn', 'rule-arn');
  c.snap.keyValue('EventBusArn', 'event-bus-arn');
  const bus = `test-bus-${c.uid()}`;
  c.snap.match('event_bus_response', answerOf(await c.createBus({ Name: bus })));
  const group = `/aws/events/test-log-group-${c.uid()}`;
  const groupArn = `arn:aws:logs:${c.region}:${c.accountId}:log-group:${group}`;
  const policies = [`EventBridgePolicy-${c.uid()}`, `EventBridgePolicy-${c.uid()}`];
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  try {
    for (const policyName of policies) await logs.send(new PutResourcePolicyCommand({ policyName, policyDocument: logsPolicy(groupArn) }));
    const rule = `test-rule-${c.uid()}`;
    c.snap.match(
      'rule_response',
      answerOf(await c.putRule({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(TEST_EVENT_PATTERN) })),
    );
    const targets = new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [{ Id: `target-${c.uid()}`, Arn: groupArn }] });
    c.snap.match('put_targets_response', answerOf(await c.events.send(targets)));
    c.snap.match('put_events_response', answerOf(await c.events.send(new PutEventsCommand({ Entries: [entry(TEST_EVENT_DETAIL, bus)] }))));
    let events: unknown[] = [];
    for (let i = 0; i < 50 && events.length === 0; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const { logStreams = [] } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
      const stream = logStreams[0]?.logStreamName;
      if (stream) events = (await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream }))).events ?? [];
    }
    c.snap.match('log_events', events);
  } finally {
    for (const policyName of policies) await logs.send(new DeleteResourcePolicyCommand({ policyName })).catch(() => undefined);
    await logs.send(new DeleteLogGroupCommand({ logGroupName: group })).catch(() => undefined);
    logs.destroy();
  }
}

const SNS = 'TestEventsTargetSns::test_put_events_with_target_sns';
const EVENTS = 'TestEventsTargetEvents::test_put_events_with_target_events';

export const targetCases: Record<string, ReplayedCase> = {
  'TestEventsTargetSqs::test_put_events_with_target_sqs': targetSqs,
  'TestEventsTargetSqs::test_put_events_with_target_sqs_event_detail_match': targetSqsDetailMatch,
  // Recorded before the tests moved into their class.
  test_put_events_with_target_sqs: targetSqs,
  test_put_events_with_target_sqs_event_detail_match: targetSqsDetailMatch,
  [`${EVENTS}[bus_combination0]`]: (c) => targetEvents(c, 'default', 'custom'),
  [`${EVENTS}[bus_combination1]`]: (c) => targetEvents(c, 'custom', 'custom'),
  [`${EVENTS}[bus_combination2]`]: (c) => targetEvents(c, 'custom', 'default'),
  [`${SNS}[standard]`]: targetSns,
  [`${SNS}[domain]`]: targetSns,
  [`${SNS}[path]`]: targetSns,
  'TestEventsTargetKinesis::test_put_events_with_target_kinesis': targetKinesis,
  'TestEventsTargetCloudWatchLogs::test_put_events_with_target_cloudwatch_logs': targetLogs,
};
