import { describe, expect, it } from 'vitest';
import { InvalidArnError, parseArn, tryParseArn } from '../../../local/names/arn.js';

// Examples in the forms the services' documentation gives them.
describe('parseArn', () => {
  it('reads the partition, service, region and account of any ARN', () => {
    expect(parseArn('arn:aws-cn:sqs:cn-north-1:123456789012:orders')).toMatchObject({
      partition: 'aws-cn',
      service: 'sqs',
      region: 'cn-north-1',
      account: '123456789012',
      resource: 'orders',
    });
  });

  it('reads an SQS queue, standard or FIFO, as a resource id without a type', () => {
    expect(parseArn('arn:aws:sqs:us-east-2:123456789012:MyQueue')).toEqual({
      partition: 'aws',
      service: 'sqs',
      region: 'us-east-2',
      account: '123456789012',
      resource: 'MyQueue',
      resourceId: 'MyQueue',
    });
    expect(parseArn('arn:aws:sqs:us-east-2:123456789012:MyQueue.fifo').resourceId).toBe('MyQueue.fifo');
  });

  it('reads a Lambda function with and without its version or alias qualifier', () => {
    const unqualified = parseArn('arn:aws:lambda:us-west-2:123456789012:function:my-function');
    expect(unqualified).toMatchObject({ resourceType: 'function', resourceId: 'my-function' });
    expect(unqualified.qualifier).toBeUndefined();
    expect(parseArn('arn:aws:lambda:us-west-2:123456789012:function:my-function:$LATEST').qualifier).toBe('$LATEST');
    expect(parseArn('arn:aws:lambda:us-west-2:123456789012:function:my-function:1')).toMatchObject({
      resourceId: 'my-function',
      qualifier: '1',
    });
    expect(parseArn('arn:aws:lambda:us-west-2:123456789012:function:my-function:PROD').qualifier).toBe('PROD');
  });

  it('reads a state machine, its version and alias, and its standard and Express executions', () => {
    expect(parseArn('arn:aws:states:us-east-1:123456789012:stateMachine:HelloWorld')).toMatchObject({
      resourceType: 'stateMachine',
      resourceId: 'HelloWorld',
    });
    expect(parseArn('arn:aws:states:us-east-1:123456789012:stateMachine:HelloWorld:10').qualifier).toBe('10');
    expect(parseArn('arn:aws:states:us-east-1:123456789012:stateMachine:HelloWorld:PROD').qualifier).toBe('PROD');
    expect(parseArn('arn:aws:states:us-east-1:123456789012:execution:HelloWorld:run-1')).toMatchObject({
      resourceType: 'execution',
      parent: 'HelloWorld',
      resourceId: 'run-1',
    });
    expect(parseArn('arn:aws:states:us-east-1:123456789012:express:HelloWorld:run-1:4a6e1a8c-0d2b-4a41-9e0f-8e2a4c9f3b7d')).toMatchObject({
      resourceType: 'express',
      parent: 'HelloWorld',
      resourceId: 'run-1',
      qualifier: '4a6e1a8c-0d2b-4a41-9e0f-8e2a4c9f3b7d',
    });
  });

  it('reads an SNS topic and a subscription of it', () => {
    expect(parseArn('arn:aws:sns:us-east-2:123456789012:MyTopic')).toMatchObject({ resourceId: 'MyTopic' });
    expect(parseArn('arn:aws:sns:us-east-2:123456789012:MyTopic:6b0e71bd-7e97-4d97-80ce-4a0994e55286')).toMatchObject({
      resourceId: 'MyTopic',
      qualifier: '6b0e71bd-7e97-4d97-80ce-4a0994e55286',
    });
    expect(parseArn('arn:aws:sns:us-east-2:123456789012:MyTopic.fifo').resourceType).toBeUndefined();
  });

  it('reads event buses, partner buses included, and rules on the default and on a custom bus', () => {
    expect(parseArn('arn:aws:events:us-east-1:123456789012:event-bus/orders')).toMatchObject({
      resourceType: 'event-bus',
      resourceId: 'orders',
    });
    expect(parseArn('arn:aws:events:us-east-1:123456789012:event-bus/aws.partner/example.com/123/orders').resourceId).toBe(
      'aws.partner/example.com/123/orders',
    );
    const onDefault = parseArn('arn:aws:events:us-east-2:123456789012:rule/example');
    expect(onDefault).toMatchObject({ resourceType: 'rule', resourceId: 'example' });
    expect(onDefault.parent).toBeUndefined();
    expect(parseArn('arn:aws:events:us-east-2:123456789012:rule/orders/example')).toMatchObject({
      resourceType: 'rule',
      parent: 'orders',
      resourceId: 'example',
    });
  });

  it('reads a log group, with the `:*` its ARN ends in where a log stream ARN is expected', () => {
    expect(parseArn('arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/my-function')).toMatchObject({
      resourceType: 'log-group',
      resourceId: '/aws/lambda/my-function',
    });
    expect(parseArn('arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/my-function:*')).toMatchObject({
      resourceId: '/aws/lambda/my-function',
      qualifier: '*',
    });
  });

  it('reads a DynamoDB table and its stream, whose label has colons of its own', () => {
    expect(parseArn('arn:aws:dynamodb:us-west-2:123456789012:table/Books')).toMatchObject({ resourceType: 'table', resourceId: 'Books' });
    expect(parseArn('arn:aws:dynamodb:us-west-2:123456789012:table/Books/stream/2015-05-11T21:21:33.291')).toMatchObject({
      resource: 'table/Books/stream/2015-05-11T21:21:33.291',
      resourceType: 'table',
      resourceId: 'Books',
      qualifier: 'stream/2015-05-11T21:21:33.291',
    });
  });

  it('reads an S3 bucket and an object in it, with the empty region and account of their format', () => {
    expect(parseArn('arn:aws:s3:::amzn-s3-demo-bucket')).toEqual({
      partition: 'aws',
      service: 's3',
      region: '',
      account: '',
      resource: 'amzn-s3-demo-bucket',
      resourceId: 'amzn-s3-demo-bucket',
    });
    expect(parseArn('arn:aws:s3:::amzn-s3-demo-bucket/photos/cat.jpg')).toMatchObject({
      resourceId: 'amzn-s3-demo-bucket',
      qualifier: 'photos/cat.jpg',
    });
  });

  it('reads a schedule in its group, and path ids (IAM roles, SSM parameters, KMS keys and aliases) whole', () => {
    expect(parseArn('arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly')).toMatchObject({
      resourceType: 'schedule',
      parent: 'default',
      resourceId: 'nightly',
    });
    expect(parseArn('arn:aws:iam::123456789012:role/service-role/MyRole')).toMatchObject({
      region: '',
      resourceType: 'role',
      resourceId: 'service-role/MyRole',
    });
    expect(parseArn('arn:aws:ssm:us-east-1:123456789012:parameter/app/db/password').resourceId).toBe('app/db/password');
    expect(parseArn('arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab')).toMatchObject({
      resourceType: 'key',
      resourceId: '1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    expect(parseArn('arn:aws:kms:us-east-1:123456789012:alias/ExampleAlias')).toMatchObject({
      resourceType: 'alias',
      resourceId: 'ExampleAlias',
    });
  });

  it.each([
    ['a name', 'my-queue', "it does not start with 'arn:'"],
    ['too few parts', 'arn:aws:sqs:us-east-1', 'fewer than six'],
    ['no partition', 'arn::sqs:us-east-1:123456789012:q', 'partition is empty'],
    ['no service', 'arn:aws::us-east-1:123456789012:q', 'service is empty'],
    ['no resource', 'arn:aws:sqs:us-east-1:123456789012:', 'resource is empty'],
  ])('fails if the string has %s, naming it', (_what, text, reason) => {
    let caught: unknown;
    try {
      parseArn(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidArnError);
    expect(caught).toMatchObject({ name: 'InvalidArnError', arn: text });
    expect((caught as Error).message).toContain(text);
    expect((caught as Error).message).toContain(reason);
  });
});

describe('tryParseArn', () => {
  it('answers undefined for a name where a name or an ARN is taken', () => {
    expect(tryParseArn('my-function')).toBeUndefined();
    expect(tryParseArn('arn:aws:lambda:us-east-1:123456789012:function:my-function')?.resourceId).toBe('my-function');
  });
});
