import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime.js';
import { BROWSER_TESTS_RUN, useConsoleBrowser } from '../helpers/console-browser.js';
import { assemblyOf } from '../local/assembly.js';
import { credentials, disposableData, region } from '../local/helpers.js';
import { eventSourceMapping, inlineFunction } from '../local/template-resources.js';
import { boxOf } from './drawn.js';

/** Names the records whose body starts with `fail` as failed, and takes the rest. */
const handlerSource = `
exports.handler = async (event) => ({
  batchItemFailures: event.Records.filter((r) => r.body.startsWith('fail')).map((r) => ({ itemIdentifier: r.messageId })),
});`;

let runtime: LocalRuntime;

/** The console's Failures page in Debian's chromium (npm run test:browser); skipped where chromium is missing, failing in CI. */
describe.skipIf(!BROWSER_TESTS_RUN)("the console's Failures page in a browser", () => {
  const { open } = useConsoleBrowser({
    async start() {
      const cdkOut = assemblyOf({
        Dead: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'orders-dead' } },
        // A long visibility timeout: a failed record waits, to be delivered again, for the whole test.
        Orders: {
          Type: 'AWS::SQS::Queue',
          Properties: {
            QueueName: 'orders',
            VisibilityTimeout: 600,
            RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dead', 'Arn'] }, maxReceiveCount: 3 },
          },
        },
        Consumer: inlineFunction(handlerSource, { FunctionName: 'order-consumer' }),
        Mapping: eventSourceMapping('Orders', 'Consumer', { BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] }),
        // A stream mapping whose function always throws, with no on-failure destination: what it gives up on is skipped.
        Clicks: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'clicks', ShardCount: 1 } },
        ClickThrower: inlineFunction(`exports.handler = async () => { throw new Error('no click'); };`, { FunctionName: 'click-thrower' }),
        ClicksMapping: eventSourceMapping('Clicks', 'ClickThrower', { StartingPosition: 'TRIM_HORIZON', MaximumRetryAttempts: 0 }),
      });
      runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => {} });
      return runtime;
    },
    stop: (started) => started.stop(),
    url: (started) => started.url,
    timeoutMs: 60_000,
  });

  it('shows a record its consumer failed while SQS will deliver it again: its reason, receives and next delivery', async () => {
    const page = await open('#/failures');
    await page.getByText('No record is being retried').waitFor({ timeout: 10_000 });
    const sqs = new SQSClient({ endpoint: runtime.url, region, credentials });
    const { MessageId } = await sqs.send(
      new SendMessageCommand({ QueueUrl: `${runtime.url}/000000000000/orders`, MessageBody: 'fail-order' }),
    );
    sqs.destroy();
    // No live feed message says a consumer failed a record: the page reads the list again by itself.
    const row = page.locator(`table.retrying tr[data-message="${MessageId}"]`);
    await row.waitFor({ timeout: 15_000 });
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(0, 4)).toEqual(['orders', 'order-consumer', 'reported failed in its answer (batchItemFailures)', '1 of 3']);
    expect(cells[4]).toMatch(/^in (9|10) min/);
    expect(await page.locator('h2', { hasText: 'Being retried' }).isVisible()).toBe(true);
    // Drawn as a table a reader can read: the reason's cell has a size, and the section sits above the failed executions.
    const reason = await boxOf(row.locator('td.reason'));
    expect(reason.width).toBeGreaterThan(100);
    expect(reason.height).toBeGreaterThan(10);
    const retrying = await boxOf(page.locator('h2', { hasText: 'Being retried' }));
    const executions = await boxOf(page.locator('h2', { hasText: 'Failed executions' }));
    expect(retrying.y).toBeLessThan(executions.y);
  });

  it('shows a batch of stream records a mapping gave up on with no on-failure destination: its function, count and reason', async () => {
    const page = await open('#/failures');
    await page.getByText('No stream record was skipped').waitFor({ timeout: 10_000 });
    const kinesis = new KinesisClient({ endpoint: runtime.url, region, credentials });
    const { SequenceNumber } = await kinesis.send(
      new PutRecordCommand({ StreamName: 'clicks', PartitionKey: 'k', Data: Buffer.from('c-1') }),
    );
    kinesis.destroy();
    // No live feed message says a batch was skipped: the page reads the list again by itself.
    const row = page.locator(`table.discarded tr[data-start="${SequenceNumber}"]`);
    await row.waitFor({ timeout: 15_000 });
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(0, 4)).toEqual([
      'clicks',
      'click-thrower',
      '1',
      'RetryAttemptsExhausted (MaximumRetryAttempts 0) after 1 attempt: the function failed: Error: no click',
    ]);
    const skipped = await boxOf(page.locator('h2', { hasText: 'Skipped stream records' }));
    const executions = await boxOf(page.locator('h2', { hasText: 'Failed executions' }));
    expect(skipped.y).toBeLessThan(executions.y);
  });

  it('shows a schedule whose firing failed: its error, attempts and that it was dropped, as switchyard failures lists it', async () => {
    const page = await open('#/failures');
    await page.getByText('No schedule firing failed').waitFor({ timeout: 10_000 });
    const scheduler = new SchedulerClient({ endpoint: runtime.url, region, credentials });
    const at = new Date(Date.now() + 1_000).toISOString().slice(0, 19);
    const { ScheduleArn } = await scheduler.send(
      new CreateScheduleCommand({
        Name: 'to-nowhere',
        ScheduleExpression: `at(${at})`,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: `arn:aws:lambda:${region}:000000000000:function:no-such-function`,
          RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        },
      }),
    );
    scheduler.destroy();
    // No live feed message says a firing failed: the page reads the list again by itself.
    const row = page.locator(`table.schedule-failures tr[data-schedule="${ScheduleArn}"]`);
    await row.waitFor({ timeout: 15_000 });
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe('default/to-nowhere');
    expect(cells[1]).toBe(`${at}Z`);
    expect(cells[3]).toMatch(/^ResourceNotFoundException: Function not found/);
    expect(cells.slice(4, 6)).toEqual(['1 (MaximumRetryAttempts)', 'dropped (no dead-letter queue)']);
  });
});
