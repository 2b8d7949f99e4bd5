import { PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { READ_API_PATHS, READ_API_PREFIX, type RetryingMessagesPage } from '../../../clients/read-api-contract.js';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { runCli } from '../../cli/run-cli.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { inlineFunction } from '../template-resources.js';

/**
 * Names the records whose body starts with `fail` as failed, throws for `throw`, and takes the
 * rest; for `fail-logged` it first logs the record's error as Powertools' logger writes one.
 */
const handlerSource = `
exports.handler = async (event) => {
  if (event.Records.some((r) => r.body === 'throw')) throw new Error('the whole batch failed');
  for (const r of event.Records.filter((r) => r.body === 'fail-logged')) {
    process.stdout.write(JSON.stringify({ level: 'WARN', message: 'record failed', messageId: r.messageId, error: { name: 'StockError', message: 'no stock for o-9' } }) + '\\n');
  }
  return { batchItemFailures: event.Records.filter((r) => r.body.startsWith('fail')).map((r) => ({ itemIdentifier: r.messageId })) };
};`;

const queue = (name: string) => ({
  Type: 'AWS::SQS::Queue',
  // A long visibility timeout: a failed record stays in flight, to be delivered again, for the whole test.
  Properties: {
    QueueName: name,
    VisibilityTimeout: 600,
    RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dead', 'Arn'] }, maxReceiveCount: 4 },
  },
});

const mapping = (queueId: string) => ({
  Type: 'AWS::Lambda::EventSourceMapping',
  Properties: {
    FunctionName: { Ref: 'Consumer' },
    EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
    BatchSize: 1,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
  },
});

const app = restartableRuntime({
  assembly: () =>
    assemblyOf({
      Dead: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'dead' } },
      Orders: queue('orders'),
      Refunds: queue('refunds'),
      Consumer: inlineFunction(handlerSource, { FunctionName: 'consumer' }),
      OrdersMapping: mapping('Orders'),
      RefundsMapping: mapping('Refunds'),
    }),
  ownsAssembly: true,
  options: { clock: new AdvanceableClock() },
  clients: (runtime) => ({ sqs: new SQSClient(sdkConfig(runtime.url)) }),
});

const queueUrl = (name: string) => `${app.runtime.url}/000000000000/${name}`;

async function retrying(): Promise<RetryingMessagesPage['messages']> {
  const answer = await fetch(`${app.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.retryingMessages}`);
  return ((await answer.json()) as RetryingMessagesPage).messages;
}

describe('SQS records a consumer failed (the read API and switchyard failures)', () => {
  it('lists each record a consumer failed while SQS will deliver it again, with the reason, until it leaves its queue', async () => {
    const named = await app.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('orders'), MessageBody: 'fail-order' }));
    await app.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('orders'), MessageBody: 'fine-order' }));
    const thrown = await app.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('refunds'), MessageBody: 'throw' }));
    const logged = await app.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('orders'), MessageBody: 'fail-logged' }));

    const listed = await eventually(
      async () => {
        const messages = await retrying();
        return messages.length === 3 ? messages : undefined;
      },
      15_000,
      'the three failed records',
    );
    const byId = new Map(listed.map((m) => [m.messageId, m]));
    expect(byId.get(named.MessageId ?? '')).toMatchObject({
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:orders',
      functionName: 'consumer',
      reason: 'reported failed in its answer (batchItemFailures)',
      receiveCount: 1,
      maxReceiveCount: 4,
    });
    expect(byId.get(thrown.MessageId ?? '')).toMatchObject({ reason: 'Error: the whole batch failed', receiveCount: 1 });
    // The error the function logged for the record, where its answer only named it failed.
    expect(byId.get(logged.MessageId ?? '')).toMatchObject({ reason: 'StockError: no stock for o-9 (batchItemFailures)', receiveCount: 1 });
    expect(Date.parse(byId.get(thrown.MessageId ?? '')?.nextReceiveAt ?? '')).toBeGreaterThan(Date.now() + 500_000);

    const failures = await runCli(['failures', '--json', '--endpoint', app.runtime.url, '--cdk-out', app.cdkOut]);
    expect(failures.code, failures.stderr).toBe(0);
    const rows = (JSON.parse(failures.stdout) as { failures: { kind: string; source: string; id: string; reason: string }[] }).failures;
    expect(rows.filter((r) => r.kind === 'retrying').map((r) => [r.source, r.id])).toEqual(
      expect.arrayContaining([
        ['orders', named.MessageId],
        ['refunds', thrown.MessageId],
      ]),
    );
    expect(rows.find((r) => r.id === thrown.MessageId)?.reason).toMatch(
      /^consumer failed it: Error: the whole batch failed; received 1 of 4 times, SQS delivers it again in \d+m/,
    );

    // A record that leaves its queue (here purged; deleted or dead-lettered alike) is no longer retried.
    await app.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl('refunds') }));
    expect((await retrying()).map((m) => m.messageId).sort()).toEqual([named.MessageId, logged.MessageId].sort());
  });
});
