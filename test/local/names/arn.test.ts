import { describe, expect, it } from 'vitest';
import { type Arn, InvalidArnError, parseArn, tryParseArn } from '../../../local/names/arn.js';

/**
 * Examples in the forms the services' documentation gives them: what is read from each ARN, and
 * the parts it has none of (an ARN with none of the three optional parts is read exactly).
 */
const EXAMPLES: [what: string, arn: string, expected: Partial<Arn>, absent?: (keyof Arn)[]][] = [
  [
    'the partition, service, region and account of any ARN',
    'arn:aws-cn:sqs:cn-north-1:123456789012:orders',
    { partition: 'aws-cn', service: 'sqs', region: 'cn-north-1', account: '123456789012', resource: 'orders' },
  ],
  [
    'an SQS queue as a resource id without a type',
    'arn:aws:sqs:us-east-2:123456789012:MyQueue',
    { partition: 'aws', service: 'sqs', region: 'us-east-2', account: '123456789012', resource: 'MyQueue', resourceId: 'MyQueue' },
    ['resourceType', 'parent', 'qualifier'],
  ],
  ['a FIFO SQS queue', 'arn:aws:sqs:us-east-2:123456789012:MyQueue.fifo', { resourceId: 'MyQueue.fifo' }],
  [
    'a Lambda function without a qualifier',
    'arn:aws:lambda:us-west-2:123456789012:function:my-function',
    { resourceType: 'function', resourceId: 'my-function' },
    ['qualifier'],
  ],
  ['a Lambda function of $LATEST', 'arn:aws:lambda:us-west-2:123456789012:function:my-function:$LATEST', { qualifier: '$LATEST' }],
  [
    'a Lambda function version',
    'arn:aws:lambda:us-west-2:123456789012:function:my-function:1',
    { resourceId: 'my-function', qualifier: '1' },
  ],
  ['a Lambda function alias', 'arn:aws:lambda:us-west-2:123456789012:function:my-function:PROD', { qualifier: 'PROD' }],
  [
    'a state machine',
    'arn:aws:states:us-east-1:123456789012:stateMachine:HelloWorld',
    { resourceType: 'stateMachine', resourceId: 'HelloWorld' },
  ],
  ['a state machine version', 'arn:aws:states:us-east-1:123456789012:stateMachine:HelloWorld:10', { qualifier: '10' }],
  ['a state machine alias', 'arn:aws:states:us-east-1:123456789012:stateMachine:HelloWorld:PROD', { qualifier: 'PROD' }],
  [
    'a standard execution',
    'arn:aws:states:us-east-1:123456789012:execution:HelloWorld:run-1',
    { resourceType: 'execution', parent: 'HelloWorld', resourceId: 'run-1' },
  ],
  [
    'an Express execution',
    'arn:aws:states:us-east-1:123456789012:express:HelloWorld:run-1:4a6e1a8c-0d2b-4a41-9e0f-8e2a4c9f3b7d',
    { resourceType: 'express', parent: 'HelloWorld', resourceId: 'run-1', qualifier: '4a6e1a8c-0d2b-4a41-9e0f-8e2a4c9f3b7d' },
  ],
  ['an SNS topic', 'arn:aws:sns:us-east-2:123456789012:MyTopic', { resourceId: 'MyTopic' }],
  [
    'an SNS subscription',
    'arn:aws:sns:us-east-2:123456789012:MyTopic:6b0e71bd-7e97-4d97-80ce-4a0994e55286',
    { resourceId: 'MyTopic', qualifier: '6b0e71bd-7e97-4d97-80ce-4a0994e55286' },
  ],
  ['a FIFO SNS topic', 'arn:aws:sns:us-east-2:123456789012:MyTopic.fifo', {}, ['resourceType']],
  ['an event bus', 'arn:aws:events:us-east-1:123456789012:event-bus/orders', { resourceType: 'event-bus', resourceId: 'orders' }],
  [
    'a partner event bus',
    'arn:aws:events:us-east-1:123456789012:event-bus/aws.partner/example.com/123/orders',
    { resourceId: 'aws.partner/example.com/123/orders' },
  ],
  [
    'a rule on the default bus',
    'arn:aws:events:us-east-2:123456789012:rule/example',
    { resourceType: 'rule', resourceId: 'example' },
    ['parent'],
  ],
  [
    'a rule on a custom bus',
    'arn:aws:events:us-east-2:123456789012:rule/orders/example',
    { resourceType: 'rule', parent: 'orders', resourceId: 'example' },
  ],
  [
    'a log group',
    'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/my-function',
    { resourceType: 'log-group', resourceId: '/aws/lambda/my-function' },
  ],
  [
    'a log group with the `:*` its ARN ends in where a log stream ARN is expected',
    'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/my-function:*',
    { resourceId: '/aws/lambda/my-function', qualifier: '*' },
  ],
  ['a DynamoDB table', 'arn:aws:dynamodb:us-west-2:123456789012:table/Books', { resourceType: 'table', resourceId: 'Books' }],
  [
    "a DynamoDB table's stream, whose label has colons of its own",
    'arn:aws:dynamodb:us-west-2:123456789012:table/Books/stream/2015-05-11T21:21:33.291',
    {
      resource: 'table/Books/stream/2015-05-11T21:21:33.291',
      resourceType: 'table',
      resourceId: 'Books',
      qualifier: 'stream/2015-05-11T21:21:33.291',
    },
  ],
  [
    'an S3 bucket, with the empty region and account of its format',
    'arn:aws:s3:::amzn-s3-demo-bucket',
    { partition: 'aws', service: 's3', region: '', account: '', resource: 'amzn-s3-demo-bucket', resourceId: 'amzn-s3-demo-bucket' },
    ['resourceType', 'parent', 'qualifier'],
  ],
  ['an S3 object', 'arn:aws:s3:::amzn-s3-demo-bucket/photos/cat.jpg', { resourceId: 'amzn-s3-demo-bucket', qualifier: 'photos/cat.jpg' }],
  [
    'a schedule in its group',
    'arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly',
    { resourceType: 'schedule', parent: 'default', resourceId: 'nightly' },
  ],
  [
    'an IAM role by its whole path',
    'arn:aws:iam::123456789012:role/service-role/MyRole',
    { region: '', resourceType: 'role', resourceId: 'service-role/MyRole' },
  ],
  ['an SSM parameter by its whole path', 'arn:aws:ssm:us-east-1:123456789012:parameter/app/db/password', { resourceId: 'app/db/password' }],
  [
    'a KMS key',
    'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    { resourceType: 'key', resourceId: '1234abcd-12ab-34cd-56ef-1234567890ab' },
  ],
  ['a KMS alias', 'arn:aws:kms:us-east-1:123456789012:alias/ExampleAlias', { resourceType: 'alias', resourceId: 'ExampleAlias' }],
];

describe('parseArn', () => {
  it.each(EXAMPLES)('reads %s', (_what, arn, expected, absent = []) => {
    const parsed = parseArn(arn);
    expect(parsed).toMatchObject(expected);
    for (const part of absent) expect(parsed[part], part).toBeUndefined();
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
