import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteStateMachineCommand } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { credentials, region } from '../helpers.js';
import { queueSendPolicy } from '../template-resources.js';
import { sqsCase } from './recorded-cases-callbacks.js';
import { eventsToQueue } from './recorded-cases-service-scenarios.js';
import { BASE_PASS_RESULT, createMachine, type Definition, recordExecution, stateOf, template } from './recorded-executions.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/**
 * LocalStack's tests of Step Functions' optimized service integrations and their errors
 * (tests/aws/services/stepfunctions/v2/services/test_{sns,sqs,events,dynamodb,sfn,aws_sdk}_task_service.py
 * and v2/error_handling/test_{task_service_*,aws_sdk}.py): the queues, topics, rules, tables,
 * buckets and secrets they use are made through the local APIs, then one execution of the
 * test's machine is recorded, with what the test read afterwards (a queue's messages).
 */

const services = (path: string): Definition => template(`services/statemachines/${path}.json`);

const clientOptions = (context: ReplayContext) => ({ endpoint: context.endpoint, region, credentials, maxAttempts: 1 });

/** The SQS tests' transformers name the role by `<resource:1>`: it is created by its ARN, not replaced. */
const byArn = (context: ReplayContext) => ({ role: context.roleArn });

/** `sqs_create_queue(QueueName=queue-<uid>)`, its URL and name shown as `<sqs_queue_url>` and `<sqs_queue_name>`. */
async function queue(context: ReplayContext, sqs: SQSClient): Promise<string> {
  const name = context.name('queue-');
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (!QueueUrl) throw new Error('CreateQueue answered no QueueUrl');
  context.replace(QueueUrl, '<sqs_queue_url>');
  context.replace(name, '<sqs_queue_name>');
  return QueueUrl;
}

async function withSqs<T>(context: ReplayContext, run: (sqs: SQSClient) => Promise<T>): Promise<T> {
  const sqs = new SQSClient(clientOptions(context));
  try {
    return await run(sqs);
  } finally {
    sqs.destroy();
  }
}

async function withSns<T>(context: ReplayContext, run: (sns: SNSClient, sqs: SQSClient) => Promise<T>): Promise<T> {
  const sns = new SNSClient(clientOptions(context));
  try {
    return await withSqs(context, (sqs) => run(sns, sqs));
  } finally {
    sns.destroy();
  }
}

/** test_sqs_task_service: `sqs:sendMessage` of the input's body (and attributes) to a new queue. */
const sendMessage =
  (machine: () => Definition, input: (queueUrl: string) => unknown): Replay =>
  (context) =>
    withSqs(context, async (sqs) => {
      const queueUrl = await queue(context, sqs);
      return { get_execution_history: await recordExecution(context, machine(), JSON.stringify(input(queueUrl)), byArn(context)) };
    });

/** `sns_create_topic` (`test-topic-<uid>`, or the test's name and attributes). */
async function topic(context: ReplayContext, sns: SNSClient, input: { Name?: string; Attributes?: Record<string, string> } = {}) {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: context.name('test-topic-'), ...input }));
  if (!TopicArn) throw new Error('CreateTopic answered no TopicArn');
  return TopicArn;
}

/** test_publish_base: the message parameter is not used; each case publishes the same input. */
const publishBase: Replay = (context) =>
  withSns(context, async (sns) => {
    const TopicArn = await topic(context, sns);
    const input = JSON.stringify({ TopicArn, Message: { Message: 'HelloWorld!' } });
    return { get_execution_history: await recordExecution(context, services('sns_publish'), input, byArn(context)) };
  });

const publishToDeletedTopic: Replay = (context) =>
  withSns(context, async (sns) => {
    const TopicArn = await topic(context, sns);
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    const input = JSON.stringify({ TopicArn, Message: { Message: 'HelloWorld!' } });
    return { get_execution_history: await recordExecution(context, services('sns_publish'), input, byArn(context)) };
  });

/** test_fifo_message_attribute: a FIFO topic, published to without (`fail`) and with a group and deduplication id. */
const fifoPublish =
  (params: Record<string, unknown>, fail: boolean): Replay =>
  (context) =>
    withSns(context, async (sns) => {
      const TopicArn = await topic(context, sns, { Name: context.name('topic-').concat('.fifo'), Attributes: { FifoTopic: 'true' } });
      const machine = services(fail ? 'sns_fifo_publish_fail' : 'sns_fifo_publish');
      return { get_execution_history: await recordExecution(context, machine, JSON.stringify({ ...params, TopicArn }), byArn(context)) };
    });

/**
 * `sqs_receive_num_messages(queue_url, 1)`: up to three long polls of 5 s with VisibilityTimeout
 * 0, each message's body read as JSON and deleted.
 */
async function receiveNotifications(sqs: SQSClient, queueUrl: string, expected: number): Promise<unknown[]> {
  const messages: unknown[] = [];
  for (let i = 0; i < 3 && messages.length < expected; i++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['All'], VisibilityTimeout: 0, WaitTimeSeconds: 5 }),
    );
    for (const m of Messages) {
      messages.push(JSON.parse(m.Body as string));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return messages.slice(0, expected);
}

/** test_publish_message_attributes: a queue subscribed to the topic (with the policy that lets it) gets the notification. */
const publishMessageAttributes =
  (message: unknown, change: (definition: Definition) => void = () => undefined): Replay =>
  (context) =>
    withSns(context, async (sns, sqs) => {
      const TopicArn = await topic(context, sns);
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: context.name('test-queue-') }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      const queueArn = Attributes?.QueueArn as string;
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn }));
      const Policy = queueSendPolicy('sns.amazonaws.com', queueArn, TopicArn);
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy } }));
      const reading = receiveNotifications(sqs, QueueUrl as string, 1);
      const input = JSON.stringify({ TopicArn, Message: message, MessageAttributeValue1: 'Hello', MessageAttributeValue2: 'World!' });
      const machine = services('sns_publish_message_attributes');
      change(machine);
      const history = await recordExecution(context, machine, input, byArn(context));
      const messages = await reading;
      return { get_execution_history: history, messages };
    });

/**
 * `record_sqs_events(queue_url, n)`: the queue is read (without deleting) until `n` events are
 * in hand, each body read as JSON, then they are sorted by their detail. Where fewer came, the
 * test's loop read one again once its visibility timeout ran out (the queue's 30 s); the replay
 * receives with a visibility timeout of 2 s, so that the second read comes sooner.
 */
async function recordSqsEvents(sqs: SQSClient, queueUrl: string, count: number): Promise<unknown[]> {
  const events: { detail?: unknown }[] = [];
  const deadline = Date.now() + 60_000;
  while (events.length < count && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 2 }));
    for (const m of Messages) events.push(JSON.parse(m.Body as string));
  }
  return events.sort((a, b) => JSON.stringify(a.detail ?? {}).localeCompare(JSON.stringify(b.detail ?? {})));
}

/** test_events_task_service: `events:putEvents` of the entries to the default bus, whose rule sends them to a queue. */
const putEvents =
  (entries: (detailType: string, queueUrl: string) => unknown[], received?: number): Replay =>
  (context) =>
    withSqs(context, async (sqs) => {
      const detailType = context.name('detail_type_');
      const queueUrl = await eventsToQueue(context, { 'detail-type': [detailType] });
      context.replace(detailType, '<detail-type>');
      context.replace(queueUrl, '<sqs_queue_url>');
      const input = JSON.stringify({ Entries: entries(detailType, queueUrl) });
      const answers: Answer = { get_execution_history: await recordExecution(context, services('events_put_events'), input) };
      if (received !== undefined) answers.stepfunctions_events = await recordSqsEvents(sqs, queueUrl, received);
      return answers;
    });

const entry = (detailType: string, detail: unknown, extra: Record<string, unknown> = { Source: 'some.source' }) => ({
  Detail: detail,
  DetailType: detailType,
  ...extra,
});

const errorHandling = (path: string): Definition => template(`errorhandling/statemachines/${path}.json`);

/**
 * test_task_service_sqs's sends to `http://no-such-queue-<uid>`, a host that does not resolve:
 * the recorded cause names the host untransformed, so the replay sends to the one it recorded.
 */
const noSuchQueue =
  (machine: () => Definition, uid: string): Replay =>
  async (context) => {
    const queueUrl = `http://no-such-queue-${uid}`;
    context.replace(queueUrl, '<no_such_sqs_queue_url>');
    const input = JSON.stringify({ QueueUrl: queueUrl, MessageBody: 'test_message_body' });
    return { get_execution_history: await recordExecution(context, machine(), input, byArn(context)) };
  };

/** `states:startExecution` of BASE_PASS_RESULT, or of an ARN that names no machine (the deleted one's, suffixed). */
const startExecution =
  (input: unknown, noSuchArn = false): Replay =>
  async (context) => {
    context.replace(/"StartDate":("[^"]*"|[\d.eE+-]+)/g, '"StartDate":"start-date"');
    const target = await createMachine(context, BASE_PASS_RESULT, { prefix: CREATE_AND_RECORD });
    let stateMachineArn = target.stateMachineArn;
    if (noSuchArn) {
      await context.call(new DeleteStateMachineCommand({ stateMachineArn }));
      const suffix = context.name('NoSuchArn');
      context.replace(suffix, '<random_arn_part>');
      stateMachineArn += suffix;
    }
    const executionInput = JSON.stringify({ StateMachineArn: stateMachineArn, Input: input, Name: 'TestStartTarget' });
    return {
      get_execution_history: await recordExecution(context, services('sfn_start_execution'), executionInput, { prefix: CREATE_AND_RECORD }),
    };
  };

/** How `create_state_machine_with_iam_role` names its machines (the child's ARN is in the StartExecution answer's length). */
const CREATE_AND_RECORD = 'statemachine_create_and_record_execution_';

/** `dynamodb_create_table(table_name=sfn_test_table_<uid>, partition_key="id")`; its name. */
async function table(context: ReplayContext, placeholder: string): Promise<string> {
  const dynamodb = new DynamoDBClient(clientOptions(context));
  try {
    const name = context.name('sfn_test_table_');
    context.replace(name, placeholder);
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    return name;
  } finally {
    dynamodb.destroy();
  }
}

const ITEM = { data: { S: 'HelloWorld' }, id: { S: 'id1' } };

/**
 * The DynamoDB tests: a table (shown as `table-name`, or as the dynamodb_api transformer's
 * `<test-table>`) and one execution putting, getting, updating, deleting or querying its item.
 */
const dynamoDb =
  (machine: () => Definition, placeholder: string, extra: Record<string, unknown> = {}): Replay =>
  async (context) => {
    const TableName = await table(context, placeholder);
    const input = JSON.stringify({ TableName, Item: ITEM, Key: { id: { S: 'id1' } }, ...extra });
    return { get_execution_history: await recordExecution(context, machine(), input) };
  };

const UPDATE = { UpdateExpression: 'set S=:r', ExpressionAttributeValues: { ':r': { S: 'HelloWorldUpdated' } } };

/** The error tests' table that is never made (`no_such_sfn_test_table_<uid>`, or an invalid name), shown as `<test-table>`. */
const noSuchTable =
  (machine: () => Definition, input: (table: string) => unknown, prefix = 'no_such_sfn_test_table_'): Replay =>
  async (context) => {
    const name = context.name(prefix);
    context.replace(name.replace(/^\//, ''), '<test-table>');
    return { get_execution_history: await recordExecution(context, machine(), JSON.stringify(input(name))) };
  };

/** `s3_create_bucket()` (`test-bucket-<uid>`, shown as `bucket-name`); the S3 client and the bucket. */
async function bucket(context: ReplayContext): Promise<{ s3: S3Client; name: string }> {
  const s3 = new S3Client({ ...clientOptions(context), forcePathStyle: true });
  const name = context.name('test-bucket-');
  context.replace(name, 'bucket-name');
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return { s3, name };
}

/** test_s3_get_object: an object of each body kind (text, bytes, empty) put with boto3's put_object, read by `aws-sdk:s3:getObject`. */
const s3GetObject =
  (body: string | Uint8Array): Replay =>
  async (context) => {
    const { s3, name } = await bucket(context);
    try {
      const put = new PutObjectCommand({ Bucket: name, Key: 'file_key', Body: body });
      // boto3's put_object sends no Content-Type (S3 keeps binary/octet-stream); the SDK v3 sends application/octet-stream.
      put.middlewareStack.add(
        (next) => (args) => {
          delete (args.request as { headers: Record<string, string> }).headers['content-type'];
          return next(args);
        },
        { step: 'build', name: 'asBoto3PutObject' },
      );
      await s3.send(put);
      const input = JSON.stringify({ Bucket: name, Key: 'file_key' });
      return { get_execution_history: await recordExecution(context, services('aws_sdk_s3_get_object'), input) };
    } finally {
      s3.destroy();
    }
  };

/** test_s3_put_object: `aws-sdk:s3:putObject` of a JSON value as the Body, then the object as boto3's get_object reads it (its Body as text). */
const s3PutObject =
  (body: unknown): Replay =>
  async (context) => {
    const { s3, name } = await bucket(context);
    try {
      const key = context.name('file-key-');
      context.replace(key, 'file-key');
      const history = await recordExecution(
        context,
        services('aws_sdk_s3_put_object'),
        JSON.stringify({ Bucket: name, Key: key, Body: body }),
      );
      const { $metadata, Body, ...object } = await s3.send(new GetObjectCommand({ Bucket: name, Key: key }));
      const text = await Body?.transformToString();
      return {
        get_execution_history: history,
        'get-s3-object': { ...object, Body: text, ResponseMetadata: { HTTPStatusCode: $metadata.httpStatusCode } },
      };
    } finally {
      s3.destroy();
    }
  };

/** test_s3_no_such_key: `aws-sdk:s3:getObject` of a key the test's bucket does not hold. */
const s3NoSuchKey: Replay = async (context) => {
  const { s3, name } = await bucket(context);
  s3.destroy();
  const machine = errorHandling('aws_sdk_task_error_s3_no_such_key');
  return { get_execution_history: await recordExecution(context, machine, JSON.stringify({ Bucket: name })) };
};

/** test_no_such_bucket: `aws-sdk:s3:listObjects` of a bucket never made (a name S3 would not create). */
const s3NoSuchBucket: Replay = async (context) => {
  const name = context.name('someNonexistentBucketName');
  context.replace(name, 'someNonexistentBucketName');
  const machine = errorHandling('aws_sdk_task_error_s3_list_objects');
  return { get_execution_history: await recordExecution(context, machine, JSON.stringify({ Bucket: name })) };
};

/** An `aws-sdk:` machine run once on the input, nothing made before it. */
const sdkTask =
  (machine: () => Definition, input: unknown): Replay =>
  async (context) => ({ get_execution_history: await recordExecution(context, machine(), JSON.stringify(input)) });

/** test_sfn_start_execution: `aws-sdk:sfn:startExecution` of BASE_RAISE_FAILURE, both machines shown as `<ArnPart_0idx>`. */
const sdkStartExecution: Replay = async (context) => {
  const target = await createMachine(context, template('base/statemachines/raise_failure.json'), { prefix: CREATE_AND_RECORD });
  const input = JSON.stringify({ StateMachineArn: target.stateMachineArn, Input: null, Name: 'TestStartTarget' });
  return {
    get_execution_history: await recordExecution(context, services('aws_sdk_sfn_start_execution'), input, { prefix: CREATE_AND_RECORD }),
  };
};

/** test_sfn_start_execution_implicit_json_serialisation: the machine names BASE_PASS_RESULT's ARN and passes a JSON object as its Input. */
const sdkStartExecutionJsonInput: Replay = async (context) => {
  const target = await createMachine(context, BASE_PASS_RESULT, { prefix: CREATE_AND_RECORD });
  const machine = services('aws_sdk_sfn_start_execution_implicit_json_serialisation');
  (stateOf(machine, 'StartTarget').Parameters as Record<string, unknown>).StateMachineArn = target.stateMachineArn;
  return { get_execution_history: await recordExecution(context, machine, '{}', { prefix: CREATE_AND_RECORD }) };
};

export const SERVICE_CASES: Record<string, Replay> = {
  // The SQS tests' message as json.dumps wrote it.
  test_send_message: sendMessage(
    () => services('sqs_send_msg'),
    (QueueUrl) => ({ QueueUrl, MessageBody: 'test_message_body' }),
  ),
  test_send_message_unsupported_parameters: sendMessage(
    () => services('sqs_send_msg'),
    (QueueUrl) => ({
      QueueUrl,
      MessageBody: 'test',
      MessageSystemAttribute: { AWSTraceHeader: 'test' },
    }),
  ),
  test_send_message_attributes: sendMessage(
    () => services('sqs_send_msg_attributes'),
    (QueueUrl) => ({
      QueueUrl,
      Message: 'test_message_body',
      MessageAttributeValue1: 'Hello',
      MessageAttributeValue2: 'World',
    }),
  ),
  ...Object.fromEntries(['HelloWorld', 'message1', '1', 'True', 'None', ''].map((id) => [`test_publish_base[${id}]`, publishBase])),
  test_publish_base_error_topic_arn: publishToDeletedTopic,
  'test_fifo_message_attribute[input_params0-True]': fifoPublish({ Message: { Message: 'HelloWorld!' } }, true),
  'test_fifo_message_attribute[input_params1-False]': fifoPublish(
    { Message: { Message: 'HelloWorld!' }, MessageGroupId: 'a-group', MessageDeduplicationId: 'dedup-1' },
    false,
  ),
  // The 2023 recording of the test before it was parametrized, whose machine had no `Version` attribute (LocalStack's b0627a18a added it).
  test_publish_message_attributes: publishMessageAttributes('HelloWorld!', (definition) => {
    delete (stateOf(definition, 'Publish').Parameters as { MessageAttributes: Record<string, unknown> }).MessageAttributes.Version;
  }),
  'test_publish_message_attributes[HelloWorld]': publishMessageAttributes('HelloWorld'),
  'test_publish_message_attributes["HelloWorld"]': publishMessageAttributes('"HelloWorld"'),
  'test_publish_message_attributes[{}]': publishMessageAttributes('{}'),
  'test_publish_message_attributes[message_value3]': publishMessageAttributes({}),
  // A Detail as json.dumps wrote it, with its spaces.
  test_put_events_base: putEvents(
    (type, queueUrl) => [
      entry(type, '{"Message": "HelloWorld0"}'),
      entry(type, { Message: 'HelloWorld1' }),
      entry(type, { Message: 'HelloWorld2' }, { Source: 'some.source', Resources: [queueUrl] }),
    ],
    3,
  ),
  test_put_events_malformed_detail: putEvents((type) => [entry(type, '"jsonstring"')]),
  test_put_events_no_source: putEvents((type) => [entry(type, { Message: 'HelloWorld1' }), entry(type, { Message: 'HelloWorld' }, {})], 2),
  test_send_message_no_such_queue: noSuchQueue(() => errorHandling('task_service_sqs_send_msg_catch'), '73e08fde'),
  test_send_message_no_such_queue_no_catch: noSuchQueue(() => services('sqs_send_msg'), 'fa484d45'),
  test_send_message_empty_body: sendMessage(
    () => errorHandling('task_service_sqs_send_msg_catch'),
    (QueueUrl) => ({ QueueUrl, MessageBody: null }),
  ),
  test_sqs_failure_in_wait_for_task_tok: sqsCase({
    machine: () => {
      const definition = errorHandling('aws_service_sqs_send_msg_catch_token_failure');
      return JSON.parse(JSON.stringify(definition).replace('<%WaitForTaskTokenFailureErrorName%>', 'Failure error')) as Definition;
    },
    worker: 'sqs_failure_on_task_token',
    token: 'task_token',
  }),
  test_start_execution_input_json: startExecution({ Hello: 'World' }),
  test_start_execution_no_such_arn: startExecution(null, true),
  ...Object.fromEntries(
    ['PUT_GET_ITEM', 'PUT_DELETE_ITEM', 'PUT_UPDATE_GET_ITEM', 'PUT_QUERY'].map((id) => [
      `test_base_integrations[DYNAMODB_${id}]`,
      dynamoDb(() => services(`dynamodb_${id.toLowerCase()}`), 'table-name', UPDATE),
    ]),
  ),
  test_invalid_param: noSuchTable(
    () => errorHandling('task_service_dynamodb_put_item'),
    (TableName) => ({ TableName, Key: null, Item: null }),
  ),
  test_put_item_no_such_table: noSuchTable(
    () => errorHandling('task_service_dynamodb_put_item'),
    (TableName) => ({ TableName, Item: ITEM }),
  ),
  test_put_item_invalid_table_name: noSuchTable(
    () => errorHandling('task_service_dynamodb_put_item'),
    (TableName) => ({ TableName, Item: ITEM }),
    '/invalid_test_table_',
  ),
  test_dynamodb_invalid_param: noSuchTable(
    () => errorHandling('task_service_aws_sdk_dynamodb_put_item'),
    (TableName) => ({ TableName, Key: null, Item: null }),
  ),
  test_dynamodb_put_item_no_such_table: noSuchTable(
    () => errorHandling('task_service_aws_sdk_dynamodb_put_item'),
    (TableName) => ({ TableName, Item: ITEM }),
  ),
  'test_aws_sdk_task_service::test_dynamodb_put_get_item': dynamoDb(() => services('aws_sdk_dynamodb_put_get_item'), '<test-table>'),
  test_dynamodb_put_delete_item: dynamoDb(() => services('aws_sdk_dynamodb_put_delete_item'), '<test-table>'),
  test_dynamodb_put_update_get_item: dynamoDb(() => services('aws_sdk_dynamodb_put_update_get_item'), '<test-table>', UPDATE),
  test_invalid_secret_name: sdkTask(() => errorHandling('aws_sdk_task_error_secretsmanager_crate_secret'), {
    Name: 'Invalid Name',
    SecretString: 'HelloWorld',
  }),
  test_no_such_bucket: s3NoSuchBucket,
  test_s3_no_such_key: s3NoSuchKey,
  test_list_secrets: sdkTask(() => services('aws_sdk_secrestsmaager_list_secrets'), {}),
  ...Object.fromEntries(
    ['success', 'failure'].map((outcome, i) => [
      `test_sfn_send_task_outcome_with_no_such_token[state_machine_template${i}]`,
      sdkTask(() => services(`aws_sdk_sfn_send_task_${outcome}`), { TaskToken: 'NoSuchTaskToken' }),
    ]),
  ),
  test_sfn_start_execution: sdkStartExecution,
  test_sfn_start_execution_implicit_json_serialisation: sdkStartExecutionJsonInput,
  'test_s3_get_object[empty_str]': s3GetObject(''),
  'test_s3_get_object[str]': s3GetObject('text data'),
  'test_s3_get_object[empty_binary]': s3GetObject(new Uint8Array()),
  'test_s3_get_object[binary]': s3GetObject(Buffer.from('binary data')),
  'test_s3_get_object[bytearray]': s3GetObject(Buffer.from('byte array data')),
  'test_s3_put_object[str]': s3PutObject('text data'),
  'test_s3_put_object[dict]': s3PutObject({ Dict: 'Value' }),
  'test_s3_put_object[list]': s3PutObject(['List', 'Data']),
  'test_s3_put_object[bool]': s3PutObject(false),
  'test_s3_put_object[num]': s3PutObject(0),
  test_put_events_mixed_malformed_detail: putEvents((type) => [entry(type, '{"Message": "HelloWorld0"}'), entry(type, '"jsonstring"')], 1),
};
