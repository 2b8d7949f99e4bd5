import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { expectTextAnswer, onlyFunctionName, onlyTopicArn, runApp } from './helpers.js';

// @aws-solutions-constructs/aws-lambda-sns, integ.lamsns-deployFunction: a function (the
// package's test/lambda/index.js, CommonJS) given an SNS topic's ARN and name in SNS_TOPIC_ARN
// and SNS_TOPIC_NAME, with permission to publish; the topic is encrypted with the AWS managed key.
let sns: SNSClient;
let lambda: LambdaClient;

runApp('aws-lambda-sns', async (running) => {
  sns = new SNSClient(running.config);
  lambda = new LambdaClient(running.config);
});

describe('aws-lambda-sns (integ.lamsns-deployFunction)', () => {
  it("tells the function the topic's ARN and name", async () => {
    const arn = await onlyTopicArn(sns);
    const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: await onlyFunctionName(lambda) }));
    expect(Configuration?.Environment?.Variables).toMatchObject({ SNS_TOPIC_ARN: arn, SNS_TOPIC_NAME: arn.split(':').at(-1) });
  });

  it('encrypts the topic with the AWS managed key for SNS', async () => {
    const { Attributes = {} } = await sns.send(new GetTopicAttributesCommand({ TopicArn: await onlyTopicArn(sns) }));
    expect(Attributes.KmsMasterKeyId).toBe('arn:aws:kms:us-east-1:000000000000:alias/aws/sns');
  });

  it('answers an invocation from the CommonJS handler of its asset', async () => {
    // The handler's source has no-break spaces in this text.
    await expectTextAnswer(lambda, '/topic', "Hello from AWS Solutions Constructs!\u00a0You've\u00a0hit\u00a0/topic\n");
  });
});
