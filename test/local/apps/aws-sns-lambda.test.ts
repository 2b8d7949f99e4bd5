import { randomUUID } from 'node:crypto';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListSubscriptionsByTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { logHolding, only, onlyTopicArn, runApp } from './helpers.js';

// @aws-solutions-constructs/aws-sns-lambda, integ.snslam-no-arguments: an SNS topic (encrypted
// with the AWS managed key) with a function (inline code) subscribed to it.
let sns: SNSClient;
let lambda: LambdaClient;

const app = runApp('aws-sns-lambda', async (running) => {
  sns = new SNSClient(running.config);
  lambda = new LambdaClient(running.config);
});

async function theFunction(): Promise<{ name: string; arn: string }> {
  const { Functions = [] } = await lambda.send(new ListFunctionsCommand({}));
  const arn = only(Functions.map((f) => f.FunctionArn ?? ''));
  return { name: arn.split(':').at(-1) ?? '', arn };
}

describe('aws-sns-lambda (integ.snslam-no-arguments)', () => {
  it('subscribes the function to the topic', async () => {
    const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: await onlyTopicArn(sns) }));
    expect(Subscriptions).toHaveLength(1);
    expect(Subscriptions[0]).toMatchObject({ Protocol: 'lambda', Endpoint: (await theFunction()).arn });
  });

  it('invokes the function with the SNS event of each message published to the topic', async () => {
    const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: await onlyTopicArn(sns) }));
    const subscriptionArn = Subscriptions[0]?.SubscriptionArn ?? 'no subscription';
    const published = await sns.send(new PublishCommand({ TopicArn: await onlyTopicArn(sns), Message: `hello ${randomUUID()}` }));
    expect(published.MessageId).toBeDefined();
    const { name } = await theFunction();
    // The inline handler logs the event with console.log, which prints two levels deep:
    // the record's EventSource and EventSubscriptionArn, not the message inside `Sns`.
    const log = await logHolding(() => app().logs, name, subscriptionArn, 'the function to log the SNS event');
    expect(log).toContain("EventSource: 'aws:sns'");
  });
});
