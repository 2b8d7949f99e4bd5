import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type PutBucketNotificationConfigurationCommandInput,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { parsedAsSnapshot } from '../../helpers/recorded-answers.js';
import { s3Client } from '../restartable-runtime.js';
import { type Answer, call, field, fixtures, type S3Replay, shortUid, sortedBy } from './recorded-cases.js';

const TRACE_HEADER = 'Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1';

/** The replays of test_s3_notifications_sqs.py's tests (TestS3NotificationsToSQS), each its calls in order. */
export function sqsCases(local: S3Replay): Readonly<Record<string, () => Promise<Answer>>> {
  const { failure, bucket, queue, queueArn, allowBucket, notify, records, nothingArrives, put } = fixtures(local);
  /** A test on a fresh bucket and queue notified of `events`, whose records are snapshot as `receive_messages`. */
  const received = (events: string[], act: (bucket: string, queueUrl: string) => Promise<Answer[]>) => async (): Promise<Answer> => {
    const bucketName = await bucket();
    const queueUrl = await queue();
    await notify(bucketName, queueUrl, events);
    return { receive_messages: { messages: await act(bucketName, queueUrl) } };
  };

  return {
    'TestS3NotificationsToSQS::test_object_created_put': received(['s3:ObjectCreated:Put'], async (b, q) => {
      await put(b, 'my_key_0', 'something');
      await put(b, 'my_key_1', 'something else');
      return sortedBy(await records(q, 2), (r) => Number(field(r, 's3', 'object', 'size')));
    }),
    'TestS3NotificationsToSQS::test_object_created_copy': received(['s3:ObjectCreated:Copy'], async (b, q) => {
      const source = `src-dest-${shortUid()}`;
      await put(b, source, 'something');
      await nothingArrives(q);
      await local.s3.send(new CopyObjectCommand({ Bucket: b, CopySource: `${b}/${source}`, Key: `key-dest-${shortUid()}` }));
      return records(q, 1);
    }),
    'TestS3NotificationsToSQS::test_object_created_and_object_removed': received(
      ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
      async (b, q) => {
        const source = `src-dest-${shortUid()}`;
        await put(b, source, 'something');
        await local.s3.send(new CopyObjectCommand({ Bucket: b, CopySource: `${b}/${source}`, Key: `key-dest-${shortUid()}` }));
        await local.s3.send(new DeleteObjectCommand({ Bucket: b, Key: source }));
        return sortedBy(await records(q, 3), (r) => field(r, 'eventName'));
      },
    ),
    'TestS3NotificationsToSQS::test_delete_objects': received(['s3:ObjectRemoved:*'], async (b, q) => {
      const key = `key-${shortUid()}`;
      await put(b, key, 'something');
      await local.s3.send(
        new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: key }, { Key: 'dummy1' }, { Key: 'dummy2' }], Quiet: true } }),
      );
      return sortedBy(await records(q, 3), (r) => field(r, 's3', 'object', 'key'));
    }),
    // boto3's upload_file past its 5 KiB threshold: a multipart upload, whose 1 KiB part size s3transfer raises to
    // S3's 5 MiB least, so one part of 6 KiB of ones (the recorded ETag ends in -1).
    'TestS3NotificationsToSQS::test_object_created_complete_multipart_upload': received(['s3:ObjectCreated:*'], async (b, q) => {
      const Key = 'test-key';
      const { UploadId } = await local.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key }));
      const { ETag } = await local.s3.send(new UploadPartCommand({ Bucket: b, Key, UploadId, PartNumber: 1, Body: '1'.repeat(6 * 1024) }));
      await local.s3.send(
        new CompleteMultipartUploadCommand({ Bucket: b, Key, UploadId, MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] } }),
      );
      return records(q, 1);
    }),
    'TestS3NotificationsToSQS::test_key_encoding': received(['s3:ObjectCreated:*'], async (b, q) => {
      await put(b, 'a@b', 'something');
      return records(q, 1);
    }),
    'TestS3NotificationsToSQS::test_object_tagging_put_event': received(['s3:ObjectTagging:Put'], async (b, q) => {
      const Key = `key-dest-${shortUid()}`;
      await put(b, Key, 'FooBarBlitz');
      await nothingArrives(q);
      await local.s3.send(
        new PutObjectTaggingCommand({ Bucket: b, Key, Tagging: { TagSet: [{ Key: 'swallow_type', Value: 'african' }] } }),
      );
      return records(q, 1);
    }),
    'TestS3NotificationsToSQS::test_object_tagging_delete_event': received(['s3:ObjectTagging:Delete'], async (b, q) => {
      const Key = `key-dest-${shortUid()}`;
      await put(b, Key, 'FooBarBlitz');
      await nothingArrives(q);
      await local.s3.send(
        new PutObjectTaggingCommand({ Bucket: b, Key, Tagging: { TagSet: [{ Key: 'swallow_type', Value: 'african' }] } }),
      );
      await local.s3.send(new DeleteObjectTaggingCommand({ Bucket: b, Key }));
      return records(q, 1);
    }),
    'TestS3NotificationsToSQS::test_xray_header': async () => {
      const bucketName = await bucket();
      const queueUrl = await queue();
      await notify(bucketName, queueUrl, ['s3:ObjectCreated:*']);
      // The test's botocore hook: every S3 request carries this X-Ray trace header.
      const traced = s3Client(local.runtime.url);
      traced.middlewareStack.add(
        (next) => (args) => {
          (args.request as { headers: Record<string, string> }).headers['X-Amzn-Trace-Id'] = TRACE_HEADER;
          return next(args);
        },
        { step: 'build', name: 'xrayHeader' },
      );
      await traced.send(new PutObjectCommand({ Bucket: bucketName, Key: 'test-data', Body: 'something' }));
      traced.destroy();
      const messages: Answer[] = [];
      for (let round = 0; round < 10 && messages.length === 0; round++) {
        const { Messages = [] } = await local.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MessageSystemAttributeNames: ['AWSTraceHeader'],
            MessageAttributeNames: ['All'],
            VisibilityTimeout: 0,
            WaitTimeSeconds: 1,
          }),
        );
        for (const message of Messages) {
          if (message.Body?.includes('s3:TestEvent')) {
            await local.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
          } else messages.push(parsedAsSnapshot(message) as Answer);
        }
      }
      return { receive_messages: { messages } };
    },
    'TestS3NotificationsToSQS::test_notifications_with_filter': async () => {
      const bucketName = await bucket();
      const queueUrl = await queue(`queue-${shortUid()}`);
      const QueueArn = await allowBucket(queueUrl, bucketName);
      const configure = (NotificationConfiguration: PutBucketNotificationConfigurationCommandInput['NotificationConfiguration']) =>
        local.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucketName, NotificationConfiguration }));
      const getConfig = () => call(local.s3, new GetBucketNotificationConfigurationCommand({ Bucket: bucketName }));
      const Filter = {
        Key: {
          FilterRules: [
            { Name: 'Prefix' as never, Value: 'testupload/' },
            { Name: 'Suffix' as never, Value: 'testfile.txt' },
          ],
        },
      };
      await configure({
        QueueConfigurations: [
          { Id: 'id0001', QueueArn, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'], Filter },
          { Id: 'id0002', QueueArn, Events: ['s3:ObjectTagging:*'], Filter },
        ],
      });
      const live: Answer = { config: await getConfig() };
      await put(bucketName, '/testdata', '{"test": "bucket_notification1"}');
      await put(bucketName, 'testupload/dir1/testfile.txt', '{"test": "bucket_notification2"}');
      const messages = await records(queueUrl, 1);
      if (messages.length !== 1) throw new Error(`${messages.length} records received, 1 expected`);
      live.message = messages[0];
      await configure({});
      live.config_empty = await getConfig();
      await configure({ QueueConfigurations: [{ Id: 'id123456', QueueArn, Events: ['s3:ObjectCreated:*'] }] });
      live.config_updated = await getConfig();
      await configure({
        QueueConfigurations: [
          {
            Id: 'id123456',
            QueueArn,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'Prefix' as never, Value: 'testupload/' }] } },
          },
        ],
      });
      live.config_updated_filter = await getConfig();
      return live;
    },
    'TestS3NotificationsToSQS::test_filter_rules_case_insensitive': async () => {
      const bucketName = await bucket();
      const QueueArn = await queueArn(await queue(`my-queue-${shortUid()}`));
      await local.s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucketName,
          SkipDestinationValidation: true,
          NotificationConfiguration: {
            QueueConfigurations: [
              {
                QueueArn,
                Events: ['s3:ObjectCreated:*'],
                // Different casing, which S3 writes back as Prefix and Suffix.
                Filter: {
                  Key: {
                    FilterRules: [
                      { Name: 'suffix' as never, Value: '.txt' },
                      { Name: 'PREFIX' as never, Value: 'notif-' },
                    ],
                  },
                },
              },
            ],
          },
        }),
      );
      const response = await call(local.s3, new GetBucketNotificationConfigurationCommand({ Bucket: bucketName }));
      const rules = (response.QueueConfigurations as { Filter: { Key: { FilterRules: { Name: string }[] } } }[])[0]?.Filter.Key.FilterRules;
      rules?.sort((a, b) => a.Name.localeCompare(b.Name));
      return { bucket_notification_configuration: response };
    },
    'TestS3NotificationsToSQS::test_filter_rules_empty_value': async () => {
      const bucketName = await bucket();
      const QueueArn = await queueArn(await queue(`my-queue-${shortUid()}`));
      await local.s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucketName,
          SkipDestinationValidation: true,
          NotificationConfiguration: {
            QueueConfigurations: [
              { QueueArn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix' as never, Value: '' }] } } },
            ],
          },
        }),
      );
      return {
        bucket_notification_configuration: await call(local.s3, new GetBucketNotificationConfigurationCommand({ Bucket: bucketName })),
      };
    },
    'TestS3NotificationsToSQS::test_invalid_sqs_arn': async () => {
      const Bucket = await bucket();
      const configuration = (QueueArn: string) => ({
        QueueConfigurations: [{ Id: 'id123', Events: ['s3:ObjectCreated:*' as const], QueueArn }],
      });
      const live: Answer = {};
      live.invalid_not_skip = await failure(
        new PutBucketNotificationConfigurationCommand({
          Bucket,
          NotificationConfiguration: configuration('invalid-queue'),
          SkipDestinationValidation: false,
        }),
      );
      live.invalid_skip = await failure(
        new PutBucketNotificationConfigurationCommand({
          Bucket,
          NotificationConfiguration: configuration('invalid-queue'),
          SkipDestinationValidation: true,
        }),
      );
      const missing = `arn:aws:sqs:us-east-1:000000000000:my-queue`;
      live['queue-does-not-exist'] = await failure(
        new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: configuration(missing) }),
      );
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
    'TestS3NotificationsToSQS::test_multiple_invalid_sqs_arns': async () => {
      const Bucket = await bucket();
      const configurations = [
        { Id: 'id1', Events: ['s3:ObjectCreated:*' as const], QueueArn: 'invalid_arn' },
        { Id: 'id2', Events: ['s3:ObjectRemoved:*' as const], QueueArn: 'invalid_arn_2' },
      ];
      const attempt = () =>
        failure(
          new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: { QueueConfigurations: configurations } }),
        );
      const live: Answer = { 'two-queue-arns-invalid': await attempt() };
      (configurations[0] as { QueueArn: string }).QueueArn = 'arn:aws:sqs:us-east-1:000000000000:my-queue';
      live['one-queue-invalid-one-not-existent'] = await attempt();
      (configurations[1] as { QueueArn: string }).QueueArn = 'arn:aws:sqs:us-east-1:000000000000:my-queue-2';
      live['multiple-queues-do-not-exist'] = await attempt();
      return live;
    },
  };
}
