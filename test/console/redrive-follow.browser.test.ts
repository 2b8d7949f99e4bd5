import { LambdaClient, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime.js';
import { BROWSER_TESTS_RUN, useConsoleBrowser } from '../helpers/console-browser.js';
import { assemblyOf } from '../local/assembly.js';
import { credentials, disposableData, region } from '../local/helpers.js';
import { inlineFunction } from '../local/template-resources.js';
import { shownText } from './drawn.js';

/** A consumer that refuses a refund of `o-9` (it throws: SQS delivers it again, then dead-letters it) and takes the rest. */
const handlerSource = `
exports.handler = async (event) => {
  for (const r of event.Records) if (r.body.includes('o-9')) throw new Error('refund service refused ' + r.body);
  return {};
};`;

let runtime: LocalRuntime;
let sqs: SQSClient;
let lambda: LambdaClient;

const urlOf = (queue: string) => `${runtime.url}/000000000000/${queue}`;

const depthOf = async (queue: string) => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: urlOf(queue), AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages);
};

/** The newest action line of the Failures page once its work has ended (working until then). */
async function endedAction(page: Page) {
  const line = page.locator('.flash .action').first();
  await expect.poll(() => line.getAttribute('data-outcome'), { timeout: 60_000 }).not.toBe('working');
  return line;
}

/**
 * The Failures page's queue redrive in Debian's chromium, against a queue with a consumer: moving
 * the messages back is not the work the operator asked for, their consumer handling them is, so
 * the line follows each moved message until it is handled or dead-lettered again.
 */
describe.skipIf(!BROWSER_TESTS_RUN)("the console's queue redrive, followed to its consumer's end", () => {
  const { open } = useConsoleBrowser({
    async start() {
      const cdkOut = assemblyOf({
        RefundsDead: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'refunds-dead' } },
        Refunds: {
          Type: 'AWS::SQS::Queue',
          Properties: {
            QueueName: 'refunds',
            VisibilityTimeout: 0,
            RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['RefundsDead', 'Arn'] }, maxReceiveCount: 2 },
          },
        },
        Consumer: inlineFunction(handlerSource, { FunctionName: 'refunder' }),
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { FunctionName: { Ref: 'Consumer' }, EventSourceArn: { 'Fn::GetAtt': ['Refunds', 'Arn'] }, BatchSize: 1 },
        },
      });
      runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => {} });
      return runtime;
    },
    stop: (started) => started.stop(),
    url: (started) => started.url,
    timeoutMs: 60_000,
  });

  beforeAll(() => {
    sqs = new SQSClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    lambda = new LambdaClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  });
  afterAll(() => {
    sqs?.destroy();
    lambda?.destroy();
  });

  it('says in red which redriven message its consumer failed again, with the reason, not green for having moved it', async () => {
    // Two dead letters, as the consumer kit sends them: one its consumer now takes, one it refuses again.
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('refunds-dead'), MessageBody: '{"orderId":"o-1"}' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('refunds-dead'), MessageBody: '{"orderId":"o-9"}' }));
    const page = await open('#/failures');
    await page.locator('article.dlq[data-queue="refunds-dead"]').getByRole('button', { name: 'Redrive to source' }).click();

    const line = await endedAction(page);
    const text = await shownText(page, '.flash .action');
    expect(text).toMatch(
      /^Redrove refunds-dead to refunds: 2 messages moved\. Then: 1 handled, 1 failed again\. \S+ failed again and is back in refunds-dead: received 2 times from refunds \(maxReceiveCount\); its consumer failed it with Error: refund service refused \{"orderId":"o-9"\}/,
    );
    expect(await line.getAttribute('data-outcome')).toBe('failed');
    expect(await depthOf('refunds-dead')).toBe(1);
  });

  it('turns green only once the consumer has handled every redriven message', async () => {
    // The letter the test before left is taken out: only o-2 goes back.
    await sqs.send(new PurgeQueueCommand({ QueueUrl: urlOf('refunds-dead') }));
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('refunds-dead'), MessageBody: '{"orderId":"o-2"}' }));
    const page = await open('#/failures');
    await page.locator('article.dlq[data-queue="refunds-dead"]').getByRole('button', { name: 'Redrive to source' }).click();

    const line = await endedAction(page);
    expect(await shownText(page, '.flash .action')).toBe('Redrove refunds-dead to refunds: 1 message moved. Then: 1 handled.');
    expect(await line.getAttribute('data-outcome')).toBe('ok');
    expect(await depthOf('refunds-dead')).toBe(0);
  });

  it('ends in red, naming the paused consumer, when the queue it redrove to is read by a paused consumer alone', async () => {
    const { EventSourceMappings = [] } = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'refunder' }));
    const UUID = EventSourceMappings[0]?.UUID;
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: false }));
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('refunds-dead'), MessageBody: '{"orderId":"o-3"}' }));
      const page = await open('#/failures');
      await page.locator('article.dlq[data-queue="refunds-dead"]').getByRole('button', { name: 'Redrive to source' }).click();

      const line = await endedAction(page);
      expect(await shownText(page, '.flash .action')).toBe(
        'Redrove refunds-dead to refunds: 1 message moved. Then: 1 moved to refunds; its consumer refunder is paused, so nothing handles it yet.',
      );
      expect(await line.getAttribute('data-outcome')).toBe('failed');
      expect(await depthOf('refunds')).toBe(1);
    } finally {
      await lambda.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: true }));
    }
  });
});
