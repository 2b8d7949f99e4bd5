import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { GetExecutionHistoryCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { credentials, region } from '../helpers.js';
import { createMachine, type Definition, functionCode, lambdaFunction, startExecution, stateOf, template } from './recorded-executions.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/**
 * The base scenarios of LocalStack's mocked service integrations
 * (tests/aws/services/stepfunctions/v2/local_mocking/test_base_scenarios.py), replayed as they
 * ran on AWS when recorded (the tests' `is_aws_cloud()` branch, no mock configuration): Lambda
 * functions, an SQS queue, an SNS topic, EventBridge's default bus with a rule to a queue and a
 * DynamoDB table, made through the local APIs, and one execution of each machine.
 */

const ID_FUNCTION = 'services/lambdafunctions/id_function.py';
const services = (path: string) => template(`services/statemachines/${path}.json`);

/**
 * The recording tests' `create_and_record_execution`; the role shows as `snf_role_arn`, or by
 * its ARN (`byArn`) where the test's snapshot has it so.
 */
async function history(context: ReplayContext, definition: unknown, input: unknown, byArn = false): Promise<Answer> {
  const { stateMachineArn } = await createMachine(context, definition, byArn ? { role: context.roleArn } : {});
  const { executionArn } = await startExecution(context, stateMachineArn, JSON.stringify(input));
  await context.ended(executionArn);
  return context.call(new GetExecutionHistoryCommand({ executionArn }));
}

const clientOptions = (context: ReplayContext) => ({ endpoint: context.endpoint, region, credentials, maxAttempts: 1 });

/** A function as these tests make it (`lambda_<uid>`, shown as `lambda_function_name`). */
const idFunction = (context: ReplayContext, prefix = 'lambda_') =>
  lambdaFunction(context, functionCode(ID_FUNCTION), 'lambda_function_name', { prefix });

const lambdaInvoke: Replay = async (context) => {
  const { arn } = await idFunction(context);
  const definition = services('lambda_invoke_resource');
  stateOf(definition, 'step1').Resource = arn;
  return { get_execution_history: await history(context, definition, { body: 'string body' }) };
};

const lambdaServiceInvoke: Replay = async (context) => {
  const { name } = await idFunction(context);
  const input = { FunctionName: name, Payload: { body: 'string body' } };
  return { get_execution_history: await history(context, services('lambda_invoke'), input) };
};

/** `create_and_record_express_sync_execution`: an Express machine and StartSyncExecution's answer. */
const lambdaServiceInvokeSync: Replay = async (context) => {
  const { name } = await idFunction(context);
  const creation_response = await createMachine(context, services('lambda_invoke'), {
    role: 'sfn_role_arn',
    name: context.name('express_statemachine_'),
    type: 'EXPRESS',
  });
  const input = JSON.stringify({ FunctionName: name, Payload: { body: 'string body' } });
  const started = await context.call(new StartSyncExecutionCommand({ stateMachineArn: creation_response.stateMachineArn, input }));
  const [, , execution, id] = String(started.executionArn).split(':').slice(-4);
  context.replace(String(execution), '<SyncExecArn_Part1_0idx>');
  context.replace(String(id), '<SyncExecArn_Part2_0idx>');
  return { creation_response, start_execution_sync_response: started };
};

const sqsSendMessage: Replay = async (context) => {
  const sqs = new SQSClient(clientOptions(context));
  try {
    const queueName = context.name('queue-');
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    context.replace(String(QueueUrl), 'sqs-queue-url');
    context.replace(queueName, 'sqs-queue-name');
    const input = { QueueUrl, MessageBody: 'test_message_body' };
    return { get_execution_history: await history(context, services('sqs_send_msg'), input, true) };
  } finally {
    sqs.destroy();
  }
};

const snsPublish: Replay = async (context) => {
  const sns = new SNSClient(clientOptions(context));
  try {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: context.name('topic-') }));
    context.replace(String(TopicArn), 'topic-arn');
    const input = { TopicArn, Message: { message: 'string-literal' } };
    return { get_execution_history: await history(context, services('sns_publish'), input) };
  } finally {
    sns.destroy();
  }
};

/** `events_to_sqs_queue`: a rule on the default bus sending what matches the pattern to a new queue; its URL. */
export async function eventsToQueue(context: ReplayContext, pattern: unknown): Promise<string> {
  const sqs = new SQSClient(clientOptions(context));
  const events = new EventBridgeClient(clientOptions(context));
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: context.name('test-queue-') }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const rule = context.name('test-rule-');
    await events.send(new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify(pattern) }));
    await events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: context.name('target-'), Arn: Attributes?.QueueArn }] }));
    return QueueUrl as string;
  } finally {
    sqs.destroy();
    events.destroy();
  }
}

const eventsPutEvents: Replay = async (context) => {
  const detailType = context.name('detail_type_');
  context.replace(detailType, 'detail-type');
  await eventsToQueue(context, { 'detail-type': [detailType] });
  // The Detail as the test's json.dumps wrote it, with its spaces.
  const entries = [{ Detail: '{"Message": "string-literal"}', DetailType: detailType, Source: 'some.source' }];
  return { get_execution_history: await history(context, services('events_put_events'), { Entries: entries }) };
};

const dynamoDbPutGetItem: Replay = async (context) => {
  const dynamodb = new DynamoDBClient(clientOptions(context));
  try {
    const tableName = context.name('sfn_test_table_');
    context.replace(tableName, 'table-name');
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const input = { TableName: tableName, Item: { data: { S: 'string-literal' }, id: { S: 'id1' } }, Key: { id: { S: 'id1' } } };
    return { get_execution_history: await history(context, services('dynamodb_put_get_item'), input) };
  } finally {
    dynamodb.destroy();
  }
};

const mapStateLambda: Replay = async (context) => {
  const { arn } = await idFunction(context, 'sfn_lambda_');
  context.replace(/arn:[^"\s]*:mapRun:[^"\s]*/g, 'map_run_arn');
  const definition: Definition = template('scenarios/statemachines/map_state_config_distributed_reentrant_lambda.json');
  (stateOf(definition, 'StartState').Parameters as { Values: unknown[] }).Values[0] = { body: 'string body' };
  const withArn = JSON.parse(JSON.stringify(definition).split('_tbd_').join(arn)) as Definition;
  return { get_execution_history: await history(context, withArn, {}) };
};

/** A JSONata loop calling the function until the variable it assigns says the work is done. */
const repeatUntilLoop: Replay = async (context) => {
  const { arn } = await idFunction(context);
  const definition = template('scenarios/statemachines/lambda_repeat_until_loop.json');
  stateOf(definition, 'LambdaState').Arguments = {
    FunctionName: arn,
    Payload: { status: "{% $exists($status) ? 'completed' : 'running' %}" },
  };
  return { get_execution_history: await history(context, definition, {}) };
};

export const SERVICE_SCENARIO_CASES: Record<string, Replay> = {
  test_lambda_invoke: lambdaInvoke,
  test_lambda_service_invoke: lambdaServiceInvoke,
  test_lambda_service_invoke_sync_execution: lambdaServiceInvokeSync,
  test_sqs_send_message: sqsSendMessage,
  test_sns_publish_base: snsPublish,
  test_events_put_events: eventsPutEvents,
  test_dynamodb_put_get_item: dynamoDbPutGetItem,
  test_map_state_lambda: mapStateLambda,
  test_numbered_mock_responses_multiple_success_invocations: repeatUntilLoop,
};
