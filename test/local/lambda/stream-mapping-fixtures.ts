import {
  type AttributeValue,
  CreateTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamCommand, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { type MappingReplay, type MappingReplayContext, parsedJson, queue, receiveFailure, until } from './mapping-replay-fixtures.js';
import { asBotoAnswer } from './recorded-replay.js';

/**
 * The fixtures of LocalStack's stream mapping tests only (tables with streams, Kinesis streams,
 * a topic or bucket as an on-failure destination), beside those every mapping replay shares
 * (mapping-replay-fixtures.ts).
 */

/**
 * `dynamodb_create_table` (a PAY_PER_REQUEST table keyed by a string `partitionKey`, with a
 * stream of `viewType` if given), its answer; then `_await_dynamodb_table_active`.
 */
export async function createTable(c: MappingReplayContext, partitionKey: string, viewType?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES') {
  const TableName = c.name('test-table');
  const answer = await asBotoAnswer(() =>
    c.dynamodb.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        ...(viewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: viewType } } : {}),
      }),
    ),
  );
  await until(
    async () => (await c.dynamodb.send(new DescribeTableCommand({ TableName }))).Table?.TableStatus === 'ACTIVE',
    `table ${TableName} ACTIVE`,
  );
  return { TableName, answer, streamArn: (answer.TableDescription as { LatestStreamArn?: string }).LatestStreamArn };
}

/** UpdateTable turning the table's stream on: its answer and the stream's ARN. */
export async function enableStream(c: MappingReplayContext, TableName: string, viewType: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES') {
  const answer = await asBotoAnswer(() =>
    c.dynamodb.send(new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: true, StreamViewType: viewType } })),
  );
  return { answer, streamArn: String((answer.TableDescription as { LatestStreamArn: string }).LatestStreamArn) };
}

export const putItem = (c: MappingReplayContext, TableName: string, Item: Record<string, AttributeValue>) =>
  c.dynamodb.send(new PutItemCommand({ TableName, Item }));

/** `kinesis_create_stream` of one shard and `wait_for_stream_ready`: its name and ARN. */
export async function createKinesisStream(c: MappingReplayContext): Promise<{ StreamName: string; arn: string }> {
  const StreamName = c.name('test-stream');
  await c.kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  let arn = '';
  await until(async () => {
    const { StreamDescription } = await c.kinesis.send(new DescribeStreamCommand({ StreamName }));
    arn = String(StreamDescription?.StreamARN);
    return StreamDescription?.StreamStatus === 'ACTIVE';
  }, `stream ${StreamName} ACTIVE`);
  return { StreamName, arn };
}

export const putRecord = (c: MappingReplayContext, StreamName: string, Data: string, PartitionKey: string) =>
  c.kinesis.send(new PutRecordCommand({ StreamName, Data: Buffer.from(Data), PartitionKey }));

export const putRecords = (c: MappingReplayContext, StreamName: string, records: readonly { Data: string; PartitionKey: string }[]) =>
  c.kinesis.send(
    new PutRecordsCommand({ StreamName, Records: records.map((r) => ({ Data: Buffer.from(r.Data), PartitionKey: r.PartitionKey })) }),
  );

/** `sns_create_topic`, subscribed by a new queue (`sns_allow_topic_sqs_queue`: the local queue takes it unasked). */
export async function topicIntoQueue(c: MappingReplayContext): Promise<{ topicArn: string; queueUrl: string }> {
  const subscriber = await queue(c);
  const { TopicArn } = await c.sns.send(new CreateTopicCommand({ Name: c.name('topic') }));
  await c.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: subscriber.arn }));
  return { topicArn: String(TopicArn), queueUrl: subscriber.url };
}

/** An SNS notification a queue received (raw delivery off), as the tests snapshot it: the envelope with its Message parsed. */
export async function receiveNotification(c: MappingReplayContext, QueueUrl: string): Promise<unknown> {
  const answer = await receiveFailure(c, QueueUrl);
  const envelope = (answer.Messages as { Body: Record<string, unknown> }[])[0]?.Body ?? {};
  return { ...envelope, Message: parsedJson(String(envelope.Message), { objectsOnly: true }) };
}

/**
 * `s3_bucket` as an on-failure destination: the bucket's ARN, and the failure record Lambda
 * puts in it, read once there is one (its key checked as the tests check it:
 * `aws/lambda/<mapping UUID>/<shard id>/<yyyy/mm/dd>/<time>`).
 */
export async function s3FailureRecord(c: MappingReplayContext, batchInfo: 'DDBStreamBatchInfo' | 'KinesisBatchInfo') {
  const Bucket = c.name('bucket').toLowerCase();
  await c.s3.send(new CreateBucketCommand({ Bucket }));
  return {
    arn: `arn:aws:s3:::${Bucket}`,
    async read(uuid: string): Promise<unknown> {
      let keys: string[] = [];
      await until(async () => {
        keys = ((await c.s3.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((o) => String(o.Key));
        return keys.length > 0;
      }, `a failure record in ${Bucket}`);
      if (keys.length !== 1) throw new Error(`${keys.length} objects in ${Bucket}`);
      const key = keys[0] as string;
      const object = await c.s3.send(new GetObjectCommand({ Bucket, Key: key }));
      const record = JSON.parse(await (object.Body as { transformToString(): Promise<string> }).transformToString()) as Record<
        string,
        { shardId?: string }
      > & { timestamp: string };
      const at = record.timestamp.slice(0, 19);
      const prefix = `aws/lambda/${uuid}/${record[batchInfo]?.shardId}/${at.slice(0, 10).replace(/-/g, '/')}/${at.replace(/:/g, '.')}`;
      if (!key.startsWith(prefix)) throw new Error(`the failure record's key ${key} does not start with ${prefix}`);
      return record;
    },
  };
}

/**
 * The responses (Python) `test_*_report_batch_item_failure_scenarios` parametrizes its function
 * with, by id: the same in the DynamoDB and Kinesis tests.
 */
export const BATCH_ITEM_FAILURE_RESPONSES: Readonly<Record<string, string>> = {
  item_identifier_not_present_failure: '{"batchItemFailures": [{"itemIdentifier": 123}]}',
  empty_string_item_identifier_failure: '{"batchItemFailures": [{"itemIdentifier": ""}]}',
  null_item_identifier_failure: '{"batchItemFailures": [{"itemIdentifier": None}]}',
  invalid_key_foo_failure: '{"batchItemFailures": [{"foo": 123}]}',
  invalid_key_foo_null_value_failure: '{"batchItemFailures": [{"foo": None}]}',
  unhandled_exception_in_function: '(lambda: 1 / 0)()',
};

/** Those of `test_*_report_batch_item_success_scenarios` (the Kinesis test's: the DynamoDB test's has no empty_string_success). */
export const BATCH_ITEM_SUCCESS_RESPONSES: Readonly<Record<string, string>> = {
  empty_string_success: '',
  empty_list_success: '[]',
  null_success: 'None',
  empty_dict_success: '{}',
  empty_batch_item_failure_success: '{"batchItemFailures": []}',
  null_batch_item_failure_success: '{"batchItemFailures": None}',
};

/** The cases of a recorded test parametrized by `responses`: `<test>[<id>]`, each replayed by `replay(response)`. */
export function parametrized(
  test: string,
  responses: Readonly<Record<string, string>>,
  replay: (response: string) => MappingReplay,
): Record<string, MappingReplay> {
  return Object.fromEntries(Object.entries(responses).map(([id, response]) => [`${test}[${id}]`, replay(response)]));
}
