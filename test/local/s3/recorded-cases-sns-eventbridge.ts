import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type TopicConfiguration,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SetTopicAttributesCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { parsedAsSnapshot } from '../../helpers/recorded-answers.js';
import { type Answer, call, fixtures, type S3Replay, shortUid } from './recorded-cases.js';

/**
 * The replays of test_s3_notifications_sns.py's tests (TestS3NotificationsToSns) and of
 * test_s3_notifications_eventbridge.py's (TestS3NotificationsToEventBridge), each its calls in order.
 */
export function snsAndEventBridgeCases(local: S3Replay): Readonly<Record<string, () => Promise<Answer>>> {
  const { failure, bucket, queue, queueArn, put } = fixtures(local);

  /** The sns_create_topic fixture's topic, by ARN. */
  const topic = async () => (await local.sns.send(new CreateTopicCommand({ Name: `test-topic-${shortUid()}` }))).TopicArn as string;

  /** The sns_create_sqs_subscription fixture: the queue subscribed to the topic, and let the topic send to it. */
  async function subscribe(topicArn: string, queueUrl: string): Promise<void> {
    const arn = await queueArn(queueUrl);
    await local.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: arn }));
    const policy = {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: arn,
          Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
        },
      ],
    };
    await local.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
  }

  /** The test's create_sns_bucket_notification: the topic lets the bucket publish, and the bucket notifies it of `events`. */
  async function notifyTopic(bucketName: string, topicArn: string, events: string[]): Promise<void> {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'sns:Publish',
          Resource: topicArn,
          Condition: { ArnEquals: { 'aws:SourceArn': `arn:aws:s3:::${bucketName}` } },
        },
      ],
    };
    await local.sns.send(
      new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: 'Policy', AttributeValue: JSON.stringify(policy) }),
    );
    await local.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucketName,
        NotificationConfiguration: { TopicConfigurations: [{ TopicArn: topicArn, Events: events as never }] },
      }),
    );
  }

  /** The test's sqs_collect_sns_messages: the SNS envelopes the queue received, S3's test event left out, as the snapshot parses them. */
  async function envelopes(queueUrl: string, atLeast: number): Promise<Answer[]> {
    const found: Answer[] = [];
    for (let round = 0; round < 10 && found.length < atLeast; round++) {
      const { Messages = [] } = await local.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 1 }),
      );
      for (const message of Messages) {
        if (message.Body?.includes('s3:TestEvent')) continue;
        found.push(parsedAsSnapshot(JSON.parse(message.Body as string)) as Answer);
      }
    }
    if (found.length < atLeast) throw new Error(`${found.length} messages received, ${atLeast} expected`);
    return found;
  }

  const sizeOf = (envelope: Answer) =>
    (envelope.Message as { Records: { s3: { object: { size: number } } }[] }).Records[0]?.s3.object.size ?? 0;

  return {
    'TestS3NotificationsToSns::test_object_created_put': async () => {
      const topicArn = await topic();
      const queueUrl = await queue();
      const bucketName = await bucket();
      await subscribe(topicArn, queueUrl);
      await notifyTopic(bucketName, topicArn, ['s3:ObjectCreated:*']);
      await put(bucketName, 'bucket-key', 'first event');
      await put(bucketName, 'bucket-key', 'second event');
      const messages = (await envelopes(queueUrl, 2)).sort((a, b) => sizeOf(a) - sizeOf(b));
      return { receive_messages: { messages } };
    },
    'TestS3NotificationsToSns::test_bucket_notifications_with_filter': async () => {
      const topicArn = await topic();
      const queueUrl = await queue(`queue-${shortUid()}`);
      const bucketName = await bucket();
      await subscribe(topicArn, queueUrl);
      await notifyTopic(bucketName, topicArn, ['s3:ObjectCreated:*']);
      const configuration: TopicConfiguration = {
        Id: 'id123',
        Events: ['s3:ObjectCreated:*'],
        TopicArn: topicArn,
        Filter: { Key: { FilterRules: [{ Name: 'Prefix' as never, Value: 'testupload/' }] } },
      };
      await local.s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucketName,
          NotificationConfiguration: { TopicConfigurations: [configuration] },
        }),
      );
      await put(bucketName, 'test/dir1/myfile.txt', '{"test": "bucket_notification one"}');
      await put(bucketName, 'testupload/dir1/testfile.txt', '{"test": "bucket_notification one"}');
      const messages = await envelopes(queueUrl, 1);
      if (messages.length !== 1) throw new Error(`${messages.length} messages received, 1 expected`);
      return { message: messages[0] };
    },
    'TestS3NotificationsToSns::test_bucket_not_exist': async () => ({
      bucket_not_exists: await failure(
        new PutBucketNotificationConfigurationCommand({
          Bucket: `this-bucket-does-not-exist-${shortUid()}`,
          SkipDestinationValidation: true,
          NotificationConfiguration: {
            TopicConfigurations: [{ Id: 'id123', Events: ['s3:ObjectCreated:*'], TopicArn: 'arn:aws:sns:us-east-1:000000000000:my-topic' }],
          },
        }),
      ),
    }),
    'TestS3NotificationsToSns::test_invalid_topic_arn': async () => {
      const Bucket = await bucket();
      const configuration = (TopicArn: string) => ({
        TopicConfigurations: [{ Id: 'id123', Events: ['s3:ObjectCreated:*' as const], TopicArn }],
      });
      const attempt = (TopicArn: string, SkipDestinationValidation?: boolean) =>
        failure(
          new PutBucketNotificationConfigurationCommand({
            Bucket,
            NotificationConfiguration: configuration(TopicArn),
            ...(SkipDestinationValidation === undefined ? {} : { SkipDestinationValidation }),
          }),
        );
      const live: Answer = { invalid_not_skip: await attempt('invalid-topic', false), invalid_skip: await attempt('invalid-topic', true) };
      // The test asserts only the code of a topic that does not exist (AWS checks its permission first).
      const missing = 'arn:aws:sns:us-east-1:000000000000:my-topic';
      const refused = (await attempt(missing)) as { Error: { Code: string } };
      if (refused.Error.Code !== 'InvalidArgument') throw new Error(`a missing topic refused with ${refused.Error.Code}`);
      await local.s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket,
          NotificationConfiguration: configuration(missing),
          SkipDestinationValidation: true,
        }),
      );
      live.skip_destination_validation = await call(local.s3, new GetBucketNotificationConfigurationCommand({ Bucket }));
      return live;
    },
    'TestS3NotificationsToEventBridge::test_object_created_put': async () => {
      // The basic_event_bridge_rule_to_sqs_queue fixture: the bucket's events on the default bus, a rule sending its objects' to a queue.
      const bucketName = await bucket();
      await local.s3.send(
        new PutBucketNotificationConfigurationCommand({ Bucket: bucketName, NotificationConfiguration: { EventBridgeConfiguration: {} } }),
      );
      const ruleName = `test-rule-${shortUid()}`;
      const pattern = {
        source: ['aws.s3'],
        'detail-type': [
          'Object Created',
          'Object Deleted',
          'Object Restore Initiated',
          'Object Restore Completed',
          'Object Restore Expired',
          'Object Tags Added',
          'Object Tags Deleted',
          'Object ACL Updated',
          'Object Storage Class Changed',
          'Object Access Tier Changed',
        ],
        detail: { bucket: { name: [bucketName] } },
      };
      const { RuleArn } = await local.events.send(
        new PutRuleCommand({ Name: ruleName, EventBusName: 'default', EventPattern: JSON.stringify(pattern) }),
      );
      const queueUrl = await queue();
      const arn = await queueArn(queueUrl);
      const policy = {
        Statement: [
          {
            Sid: 'EventsToMyQueue',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: arn,
            Condition: { ArnEquals: { 'aws:SourceArn': RuleArn } },
          },
        ],
      };
      await local.sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: queueUrl,
          Attributes: { Policy: JSON.stringify(policy), ReceiveMessageWaitTimeSeconds: '5' },
        }),
      );
      await local.events.send(new PutTargetsCommand({ Rule: ruleName, Targets: [{ Id: `test-target-${shortUid()}`, Arn: arn }] }));
      await put(bucketName, 'test-key', 'data');
      await local.s3.send(new DeleteObjectCommand({ Bucket: bucketName, Key: 'test-key' }));
      const byType = new Map<string, Answer>();
      for (let round = 0; round < 5 && byType.size < 2; round++) {
        const { Messages = [] } = await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
        for (const message of Messages) {
          const event = JSON.parse(message.Body as string) as Answer;
          byType.set(String(event['detail-type']), event);
        }
      }
      const deleted = byType.get('Object Deleted') as { detail: Answer } | undefined;
      const created = byType.get('Object Created') as { detail: Answer } | undefined;
      if (deleted === undefined || created === undefined) throw new Error(`events received: ${[...byType.keys()].join(', ')}`);
      // The test asserts that each event has its own request id.
      if (deleted.detail['request-id'] === created.detail['request-id']) throw new Error('both events have one request id');
      return { object_deleted: deleted, object_created: created };
    },
  };
}
