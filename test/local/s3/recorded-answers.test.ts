import { readFileSync } from 'node:fs';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
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
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe } from 'vitest';
import {
  anyValueUnder,
  caseDifferences,
  isObject,
  itAnswersAsRecorded,
  parsedAsSnapshot,
  withoutPaths,
} from '../../helpers/recorded-answers.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, s3Client, sdkConfig } from '../restartable-runtime.js';

/**
 * S3's event notifications to SQS against answers recorded on real AWS (LocalStack's AWS-validated
 * tests/aws/services/s3/test_s3_notifications_sqs.py; see test/conformance/aws-recorded/s3/README.md):
 * each recorded test is replayed call by call through the AWS SDK v3 S3 and SQS clients, and the
 * event records the queue received, and the configurations and errors S3 answered, compared with
 * AWS's, modulo the recording's placeholders (names, ids, ip addresses).
 */
type Answer = Record<string, unknown>;

interface RecordedCase {
  readonly 'recorded-content': Record<string, unknown>;
}

const RECORDED = JSON.parse(
  readFileSync(new URL('../../conformance/aws-recorded/s3/test_s3_notifications_sqs.snapshot.json', import.meta.url), 'utf8'),
) as Record<string, RecordedCase>;

const local = restartableRuntime({
  assembly: () => assemblyOf({}),
  ownsAssembly: true,
  clients: (runtime) => ({ s3: s3Client(runtime.url), sqs: new SQSClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }) }),
});

const TRACE_HEADER = 'Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1';

/** LocalStack's short_uid: eight hex digits. */
const shortUid = () =>
  Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');

/** An output as botocore reported it to the recording: without the SDK's `$metadata`, with `ResponseMetadata.HTTPStatusCode`. */
async function call(client: { send(command: never): Promise<unknown> }, command: object): Promise<Answer> {
  const output = (await client.send(command as never)) as Answer & { $metadata: { httpStatusCode?: number } };
  const { $metadata, ...rest } = output;
  return { ...rest, ResponseMetadata: { HTTPStatusCode: $metadata.httpStatusCode } };
}

/** A failed S3 call's `ClientError.response`: the error's XML members (S3's `ArgumentName`, ...) and its status. */
async function failure(command: object): Promise<Answer> {
  try {
    await local.s3.send(command as never);
  } catch (error) {
    const e = error as Answer & { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    if (e.$metadata === undefined) throw error;
    const members = Object.fromEntries(Object.entries(e).filter(([key]) => /^Argument(Name|Value)\d*$/.test(key)));
    return { Error: { ...members, Code: e.name, Message: e.message }, ResponseMetadata: { HTTPStatusCode: e.$metadata.httpStatusCode } };
  }
  throw new Error('the call succeeded; the recording expects an error');
}

/** The s3_bucket fixture: a bucket named as LocalStack names its test buckets. */
async function bucket(): Promise<string> {
  const name = `test-bucket-${shortUid()}`;
  await local.s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

/** The sqs_create_queue fixture: a queue, by URL. */
async function queue(name = `test-queue-${shortUid()}`): Promise<string> {
  const { QueueUrl } = await local.sqs.send(new CreateQueueCommand({ QueueName: name }));
  return QueueUrl as string;
}

async function queueArn(queueUrl: string): Promise<string> {
  const { Attributes } = await local.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  return Attributes?.QueueArn as string;
}

/** The test's set_policy_for_queue: the queue lets S3 send from the bucket; its ARN. */
async function allowBucket(queueUrl: string, bucketName: string): Promise<string> {
  const arn = await queueArn(queueUrl);
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 'sqs:SendMessage',
        Resource: arn,
        Condition: { ArnEquals: { 'aws:SourceArn': `arn:aws:s3:::${bucketName}` } },
      },
    ],
  };
  await local.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
  return arn;
}

/** The s3_create_sqs_bucket_notification fixture: the bucket notifies the queue of `events`. */
async function notify(bucketName: string, queueUrl: string, events: string[]): Promise<void> {
  const QueueArn = await allowBucket(queueUrl, bucketName);
  await local.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucketName,
      NotificationConfiguration: { QueueConfigurations: [{ QueueArn, Events: events as never }] },
    }),
  );
}

/**
 * The test's sqs_collect_s3_events: the records of the messages received, S3's test event left
 * out, until at least `atLeast` (a receive waits a second; `seconds` of them at most).
 */
async function records(queueUrl: string, atLeast: number, seconds = 10): Promise<Answer[]> {
  const found: Answer[] = [];
  for (let round = 0; round < seconds; round++) {
    const { Messages = [] } = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 1 }),
    );
    for (const message of Messages) {
      if (message.Body?.includes('s3:TestEvent')) continue;
      found.push(...(JSON.parse(message.Body as string) as { Records: Answer[] }).Records);
    }
    if (found.length >= atLeast && (atLeast > 0 || round > 0)) break;
  }
  if (found.length < atLeast) throw new Error(`${found.length} records received, ${atLeast} expected`);
  return found;
}

/** The test's `assert not sqs_collect_s3_events(..., 0, timeout=1)`: nothing arrives within a second. */
async function nothingArrives(queueUrl: string): Promise<void> {
  const arrived = await records(queueUrl, 0, 1);
  if (arrived.length > 0) throw new Error(`unexpected event: ${JSON.stringify(arrived)}`);
}

const field = (record: Answer, ...path: string[]): string =>
  String(path.reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), record) ?? '');
const sortedBy = (list: Answer[], key: (record: Answer) => string | number) =>
  [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

/** A test on a fresh bucket and queue notified of `events`, whose records are snapshot as `receive_messages`. */
const received = (events: string[], act: (bucket: string, queueUrl: string) => Promise<Answer[]>) => async (): Promise<Answer> => {
  const bucketName = await bucket();
  const queueUrl = await queue();
  await notify(bucketName, queueUrl, events);
  return { receive_messages: { messages: await act(bucketName, queueUrl) } };
};

const put = (Bucket: string, Key: string, Body: string | Uint8Array) => local.s3.send(new PutObjectCommand({ Bucket, Key, Body }));

const CASES: Readonly<Record<string, () => Promise<Answer>>> = {
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
    await local.s3.send(new PutObjectTaggingCommand({ Bucket: b, Key, Tagging: { TagSet: [{ Key: 'swallow_type', Value: 'african' }] } }));
    return records(q, 1);
  }),
  'TestS3NotificationsToSQS::test_object_tagging_delete_event': received(['s3:ObjectTagging:Delete'], async (b, q) => {
    const Key = `key-dest-${shortUid()}`;
    await put(b, Key, 'FooBarBlitz');
    await nothingArrives(q);
    await local.s3.send(new PutObjectTaggingCommand({ Bucket: b, Key, Tagging: { TagSet: [{ Key: 'swallow_type', Value: 'african' }] } }));
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

/** What each test's `skip_snapshot_verify` leaves out, on both sides. */
const SKIPPED: Readonly<Record<string, readonly string[]>> = {
  'TestS3NotificationsToSQS::test_invalid_sqs_arn': [
    'queue-does-not-exist.Error.ArgumentName1',
    'queue-does-not-exist.Error.ArgumentValue1',
    'queue-does-not-exist.Error.ArgumentName',
    'queue-does-not-exist.Error.ArgumentValue',
  ],
  'TestS3NotificationsToSQS::test_multiple_invalid_sqs_arns': [
    '*.Error.ArgumentName',
    '*.Error.ArgumentValue',
    '*.Error.ArgumentName1',
    '*.Error.ArgumentValue1',
    '*.Error.ArgumentName2',
    '*.Error.ArgumentValue2',
    '*.Error.Message',
  ],
};

/** The s3_notifications_transformer's replacements without a reference: any value stands in their place. */
const ANY_VALUE = {
  MD5OfBody: 'm-d5-of-body',
  'x-amz-id-2': 'amz-id',
  'x-amz-request-id': 'amz-request-id',
  sequencer: 'sequencer',
  versionId: 'version-id',
};

describe('S3 notifications to SQS answers recorded on AWS', () => {
  itAnswersAsRecorded(
    CASES,
    () => Object.keys(RECORDED),
    (test, live) => {
      const recorded = RECORDED[test]?.['recorded-content'];
      if (!isObject(recorded)) throw new Error(`no recorded case ${test}`);
      const skipped = SKIPPED[test] ?? [];
      return caseDifferences(withoutPaths(recorded, skipped), withoutPaths(live, skipped), (answer) => anyValueUnder(answer, ANY_VALUE));
    },
    () => undefined,
  );
});
