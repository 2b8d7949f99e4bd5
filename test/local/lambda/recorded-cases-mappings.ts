import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import {
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  ListEventSourceMappingsCommand,
  PublishVersionCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { region } from '../helpers.js';
import { until } from './mapping-replay-fixtures.js';
import { type Answer, asBotoAnswer, type Replay, type ReplayContext } from './recorded-replay.js';

/** The `sqs_create_queue` fixture: a queue, and its ARN. */
export async function queueArn(c: ReplayContext): Promise<string> {
  const sqs = c.client(SQSClient);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: c.name('queue') }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return String(Attributes?.QueueArn);
}

/**
 * The `dynamodb_create_table` fixture (a PAY_PER_REQUEST table keyed by `id`, waited for), then
 * UpdateTable turning its stream on, as the tests do: the answer, and the stream's ARN.
 */
async function tableStream(c: ReplayContext, viewType: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES'): Promise<{ answer: Answer; arn: string }> {
  const dynamodb = c.client(DynamoDBClient);
  const TableName = c.name('teststreamtable');
  await dynamodb.send(
    new CreateTableCommand({
      TableName,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: false },
    }),
  );
  await until(async () => (await dynamodb.send(new DescribeTableCommand({ TableName }))).Table?.TableStatus === 'ACTIVE');
  const answer = await asBotoAnswer(() =>
    dynamodb.send(new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: true, StreamViewType: viewType } })),
  );
  return { answer, arn: String((answer.TableDescription as { LatestStreamArn: string }).LatestStreamArn) };
}

const stateOf = async (c: ReplayContext, UUID: string) => (await c.lambda.send(new GetEventSourceMappingCommand({ UUID }))).State;

/** `_await_event_source_mapping_enabled`. */
const enabled = (c: ReplayContext, UUID: string) => until(async () => (await stateOf(c, UUID)) === 'Enabled');

const create = (c: ReplayContext, input: CreateEventSourceMappingCommandInput) => c.call(new CreateEventSourceMappingCommand(input));

/** The lifecycle tests' function and stream mapping (an SQS queue as its on-failure destination), as they create it. */
async function streamMapping(c: ReplayContext, live: Answer): Promise<{ name: string; uuid: string }> {
  const destination = await queueArn(c);
  const { answer, arn } = await tableStream(c, 'NEW_IMAGE');
  live.update_table_response = answer;
  const name = c.name('lambda_func');
  await c.create(name);
  live.create_response = await create(c, {
    FunctionName: name,
    EventSourceArn: arn,
    DestinationConfig: { OnFailure: { Destination: destination } },
    BatchSize: 1,
    StartingPosition: 'TRIM_HORIZON',
    MaximumBatchingWindowInSeconds: 1,
    MaximumRetryAttempts: 1,
  });
  return { name, uuid: String((live.create_response as Answer).UUID) };
}

/** A stream's refusals of a mapping without a StartingPosition or with one that is not one. */
const startingPositionRefusals = async (c: ReplayContext, name: string, EventSourceArn: string): Promise<Answer> => ({
  no_starting_position: await create(c, { FunctionName: name, EventSourceArn }),
  invalid_starting_position: await create(c, { FunctionName: name, EventSourceArn, StartingPosition: 'invalid' as 'LATEST' }),
});

/** test_lambda_api.py's TestLambdaEventSourceMappings, by snapshot key. */
export const MAPPING_CASES: Record<string, Replay> = {
  'TestLambdaEventSourceMappings::test_event_source_mapping_exceptions': async (c) => {
    const live: Answer = {
      get_unknown_uuid: await c.call(new GetEventSourceMappingCommand({ UUID: randomUUID() })),
      delete_unknown_uuid: await c.call(new DeleteEventSourceMappingCommand({ UUID: randomUUID() })),
      update_unknown_uuid: await c.call(new UpdateEventSourceMappingCommand({ UUID: randomUUID(), Enabled: false })),
    };
    // Lists do not mind filters naming nothing that exists.
    const somequeue = `arn:aws:sqs:${region}:111111111111:somequeue`;
    await c.lambda.send(new ListEventSourceMappingsCommand({}));
    await c.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'doesnotexist' }));
    await c.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: somequeue }));
    live.create_no_event_source_arn = await create(c, { FunctionName: 'doesnotexist' });
    live.create_unknown_params = await create(c, { FunctionName: 'doesnotexist', EventSourceArn: somequeue });
    live.destination_config_failure = await create(c, {
      FunctionName: 'doesnotexist',
      EventSourceArn: somequeue,
      DestinationConfig: { OnSuccess: { Destination: `arn:aws:sqs:${region}:111111111111:someotherqueue` } },
    });
    return live;
  },
  'TestLambdaEventSourceMappings::test_event_source_mapping_lifecycle_delete_function': async (c) => {
    const live: Answer = {};
    const { name, uuid } = await streamMapping(c, live);
    await enabled(c, uuid);
    live.get_response = await c.call(new GetEventSourceMappingCommand({ UUID: uuid }));
    live.delete_function_response = await c.call(new DeleteFunctionCommand({ FunctionName: name }));
    live.get_response_post_delete = await c.call(new GetEventSourceMappingCommand({ UUID: uuid }));
    live.delete_response = await c.call(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    return live;
  },
  'TestLambdaEventSourceMappings::test_event_source_mapping_lifecycle': async (c) => {
    const live: Answer = {};
    const { uuid } = await streamMapping(c, live);
    await until(async () => (await stateOf(c, uuid)) !== 'Creating');
    live.get_response = await c.call(new GetEventSourceMappingCommand({ UUID: uuid }));
    live.delete_response = await c.call(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    return live;
  },
  'TestLambdaEventSourceMappings::test_function_name_variations': async (c) => {
    const queue = await queueArn(c);
    const name = c.name('lambda_func');
    await c.create(name);
    const v1 = await c.lambda.send(new PublishVersionCommand({ FunctionName: name }));
    const alias = await c.lambda.send(new CreateAliasCommand({ FunctionName: name, FunctionVersion: v1.Version, Name: 'myalias' }));
    const fn = await c.lambda.send(new GetFunctionCommand({ FunctionName: name }));
    const live: Answer = {};
    const mapped = async (scope: string, FunctionName: string) => {
      const answer = await create(c, { FunctionName, EventSourceArn: queue });
      live[`${scope}_create_esm`] = answer;
      const UUID = String(answer.UUID);
      await enabled(c, UUID);
      await c.lambda.send(new DeleteEventSourceMappingCommand({ UUID }));
      await until(async () => (await c.call(new GetEventSourceMappingCommand({ UUID }))).Error !== undefined);
    };
    await mapped('name_only', name);
    await mapped('partial_arn_latest', `${name}:$LATEST`);
    await mapped('partial_arn_version', `${name}:${v1.Version}`);
    await mapped('partial_arn_alias', `${name}:${alias.Name}`);
    await mapped('full_arn_latest', String(fn.Configuration?.FunctionArn));
    await mapped('full_arn_version', String(v1.FunctionArn));
    await mapped('full_arn_alias', String(alias.AliasArn));
    return live;
  },
  'TestLambdaEventSourceMappings::test_create_event_source_validation': async (c) => {
    const name = c.name('function');
    await c.create(name);
    const { arn } = await tableStream(c, 'NEW_AND_OLD_IMAGES');
    return {
      ...(await startingPositionRefusals(c, name, arn)),
      incompatible_starting_position: await create(c, {
        FunctionName: name,
        EventSourceArn: arn,
        StartingPosition: 'AT_TIMESTAMP',
        StartingPositionTimestamp: new Date(1741010802 * 1000),
      }),
    };
  },
  'TestLambdaEventSourceMappings::test_create_event_source_validation_kinesis': async (c) => {
    const name = c.name('function');
    await c.create(name);
    const kinesis = c.client(KinesisClient);
    const StreamName = c.name('stream');
    await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
    const described = await kinesis.send(new DescribeStreamCommand({ StreamName }));
    return startingPositionRefusals(c, name, String(described.StreamDescription?.StreamARN));
  },
  'TestLambdaEventSourceMappings::test_create_event_filter_criteria_validation': async (c) => {
    const name = c.name('function');
    await c.create(name);
    const { arn } = await tableStream(c, 'NEW_AND_OLD_IMAGES');
    const answer = await create(c, {
      FunctionName: name,
      EventSourceArn: arn,
      StartingPosition: 'LATEST',
      FilterCriteria: { Filters: [] },
    });
    await enabled(c, String(answer.UUID));
    // The test's other three calls are botocore's own refusals of their parameters (ParamValidationError): they never reach AWS.
    return { 'response-with-empty-filters': answer };
  },
  'TestLambdaEventSourceMappings::test_create_event_source_self_managed': async (c) => {
    const name = c.name('function');
    await c.create(name);
    const secrets = c.client(SecretsManagerClient);
    const secret = await secrets.send(
      new CreateSecretCommand({
        Name: c.name('secret'),
        SecretString: JSON.stringify({ username: 'someUsername', password: 'somePassword' }),
      }),
    );
    const access = [{ Type: 'BASIC_AUTH' as const, URI: secret.ARN }];
    const kafka = (...servers: string[]) => ({ Endpoints: { KAFKA_BOOTSTRAP_SERVERS: servers } });
    return {
      'missing-source-access-configuration': await create(c, {
        Topics: ['topic'],
        FunctionName: name,
        SelfManagedEventSource: kafka('kafka:1000'),
      }),
      'event-source-mapping-default': await create(c, {
        Topics: ['topic'],
        FunctionName: name,
        SourceAccessConfigurations: access,
        SelfManagedEventSource: kafka('kafka:1000'),
      }),
      'duplicate-source': await create(c, {
        Topics: ['topic'],
        FunctionName: name,
        SourceAccessConfigurations: access,
        SelfManagedEventSource: kafka('kafka:1000'),
      }),
      'event-source-mapping-values': await create(c, {
        Topics: ['topic_2'],
        FunctionName: name,
        SourceAccessConfigurations: access,
        SelfManagedEventSource: kafka('kafka:1000'),
        BatchSize: 1,
        SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'random_id' },
        StartingPosition: 'LATEST',
      }),
      'multiple-duplicate-source': await create(c, {
        Topics: ['topic'],
        FunctionName: name,
        SourceAccessConfigurations: access,
        SelfManagedEventSource: kafka('kafka:1000', 'kafka:2000'),
        BatchSize: 1,
        SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'random_id' },
      }),
    };
  },
};
