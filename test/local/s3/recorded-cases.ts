import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalRuntime } from '../../../local/runtime.js';
import { isObject } from '../../helpers/recorded-answers.js';

/**
 * What the replays of S3's notification tests recorded on AWS share (recorded-answers.test.ts):
 * LocalStack's fixtures (a bucket, a queue, a notification configuration) and its collecting of
 * the event records a queue received.
 */
export type Answer = Record<string, unknown>;

/** The replay's runtime and its clients (read when a case runs: the runtime may have restarted). */
export interface S3Replay {
  readonly runtime: LocalRuntime;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly events: EventBridgeClient;
}

/** LocalStack's short_uid: eight hex digits. */
export const shortUid = () =>
  Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');

/** An output as botocore reported it to the recording: without the SDK's `$metadata`, with `ResponseMetadata.HTTPStatusCode`. */
export async function call(client: { send(command: never): Promise<unknown> }, command: object): Promise<Answer> {
  const output = (await client.send(command as never)) as Answer & { $metadata: { httpStatusCode?: number } };
  const { $metadata, ...rest } = output;
  return { ...rest, ResponseMetadata: { HTTPStatusCode: $metadata.httpStatusCode } };
}

/** The fixtures of the tests, on the replay's runtime. */
export function fixtures(local: S3Replay) {
  /** A failed S3 call's `ClientError.response`: the error's XML members (S3's `ArgumentName`, `BucketName`, ...) and its status. */
  async function failure(command: object): Promise<Answer> {
    try {
      await local.s3.send(command as never);
    } catch (error) {
      const e = error as Answer & { name: string; message: string; $metadata?: { httpStatusCode?: number } };
      if (e.$metadata === undefined) throw error;
      const members = Object.fromEntries(Object.entries(e).filter(([key]) => /^(Argument(Name|Value)\d*|BucketName)$/.test(key)));
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
  const put = (Bucket: string, Key: string, Body: string | Uint8Array) => local.s3.send(new PutObjectCommand({ Bucket, Key, Body }));

  return { failure, bucket, queue, queueArn, allowBucket, notify, records, nothingArrives, put };
}

export const field = (record: Answer, ...path: string[]): string =>
  String(path.reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), record) ?? '');
export const sortedBy = (list: Answer[], key: (record: Answer) => string | number) =>
  [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
