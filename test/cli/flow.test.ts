import { get } from 'node:http';
import * as path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import type { FlowControlReport } from '../../clients/flow-control.js';
import type { FlowControlSettings } from '../../contracts/flow-control.js';
import { ENV } from '../../contracts/wiring.js';
import { acquireSlot } from '../../lambdas/kit/flow-control/concurrency.js';
import { debounce, debounceSeq } from '../../lambdas/kit/flow-control/debounce.js';
import { pauseKey } from '../../lambdas/kit/flow-control/pause.js';
import { takeStart } from '../../lambdas/kit/flow-control/rate-limit.js';
import type { FlowControlStore } from '../../lambdas/kit/flow-control/store.js';
import { TokenBudget } from '../../lambdas/kit/flow-control/token-budget.js';
import { FlowControlTable } from '../../lib/constructs/flow-control-table.js';
import { FLOW_CONTROL_VARIABLES } from '../../local/lambda/flow-control-report.js';
import { credentials, eventually, region } from '../local/helpers.js';
import { startCdkApp, useApp } from './app-fixture.js';
import { runCli } from './run-cli.js';

const FLOW = 'Flows/Consumer';
const settings: FlowControlSettings = {
  flow: FLOW,
  key: { path: '$.customerId' },
  concurrency: { limit: 3, leaseMarginSeconds: 10 },
  rateLimit: { limit: 5, periodSeconds: 60 },
  debounce: { periodSeconds: 10, maxWaitSeconds: 60, keepSeconds: 86_400 },
  pauseOnThrottle: { defaultSeconds: 30, maxSeconds: 900 },
};

/**
 * The consumer holds every record back as the kit's consumer does when its key is at its rate
 * limit: it writes the very log line the kit writes then (its shape, from a real consumer, is
 * pinned by test/clients/flow-control.test.ts) and reports the record failed, so it stays in
 * flight for the queue's visibility timeout. Inline, so the test bundles nothing.
 */
const CONSUMER = `exports.handler = async (event) => {
  for (const record of event.Records) {
    const key = JSON.parse(record.body).customerId;
    process.stdout.write(JSON.stringify({
      level: 'WARN',
      message: 'flow control: its key is at its rate limit: record returned to the queue until it may go through',
      messageId: record.messageId,
      error: { name: 'FlowHeldBack', message: 'flow control: key is at its rate limit', reason: 'rate', flowKey: key, retryAfterMs: 60000 },
      retryInSeconds: 60,
    }) + '\\n');
  }
  return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
};`;

let store: FlowControlStore;
let queueUrl: string;

const app = useApp(
  async ({ config }) => {
    const client = new DynamoDBClient(config);
    const { TableNames = [] } = await client.send(new ListTablesCommand({}));
    store = { client, tableName: TableNames.find((name) => name.startsWith('Flows-Limits')) ?? '' };
    const sqsClient = new SQSClient(config);
    const { QueueUrls = [] } = await sqsClient.send(new ListQueuesCommand({}));
    queueUrl = QueueUrls.find((url) => url.includes('Flows-Work')) ?? '';
  },
  () =>
    startCdkApp('Flows', (stack) => {
      const limits = new FlowControlTable(stack, 'Limits');
      const queue = new sqs.Queue(stack, 'Work', { visibilityTimeout: Duration.minutes(5) });
      const consumer = new lambda.Function(stack, 'Consumer', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(CONSUMER),
        environment: { [ENV.flowControl]: JSON.stringify(settings) },
      });
      limits.connect(consumer);
      consumer.addEventSource(new SqsEventSource(queue, { batchSize: 1, reportBatchItemFailures: true }));
      // Beside it: a queue made fair by its rule's MessageGroupId (a QueueConsumer's fairBy), with the
      // rule target's dead-letter queue, and a plain queue no tenant's message comes to.
      new sqs.Queue(stack, 'Plain');
      new events.Rule(stack, 'ToFair', {
        eventPattern: { source: ['flows.test'] },
        targets: [
          new targets.SqsQueue(new sqs.Queue(stack, 'Fair'), {
            messageGroupId: '$.detail.customerId',
            deadLetterQueue: new sqs.Queue(stack, 'TargetDlq'),
          }),
        ],
      });
    }),
);

async function readReport(): Promise<FlowControlReport> {
  const result = await runCli(['flow', '--json', ...app.target]);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as FlowControlReport;
}

describe('switchyard flow', () => {
  it("shows each key's slots in flight, starts, debounce and pause against the consumer's declared limits, and token windows against theirs", async () => {
    const now = Date.now();
    for (const holder of ['a', 'b']) await acquireSlot(store, { flow: FLOW, key: 'globex', limit: 3, holder, leaseUntilMs: now + 60_000 });
    await takeStart(store, { flow: FLOW, key: 'globex', limit: 5, periodMs: 60_000 });
    const burst = { flow: FLOW, key: 'doc-1', periodMs: 10_000, maxWaitMs: 60_000, keepMs: 86_400_000 };
    for (let i = 0; i < 3; i++) await debounce(store, { ...burst, seq: debounceSeq(now + i, `m${i}`), sentAtMs: now + i });
    await pauseKey(store, { flow: FLOW, key: 'globex' }, now + 120_000);
    await new TokenBudget({ client: store.client, tableName: store.tableName }).reserve(
      [{ scope: 'model', key: 'claude', limits: { perMinute: 10_000 } }],
      1_200,
    );

    const report = await readReport();
    expect(report.declared).toEqual([{ function: 'Consumer', table: store.tableName, settings }]);
    expect(report.keys.find((k) => k.key === 'globex')).toMatchObject({
      inFlight: { count: 2, limit: 3 },
      rate: { starts: 1, limit: 5, periodSeconds: 60 },
      pausedUntil: new Date(now + 120_000).toISOString(),
    });
    expect(report.keys.find((k) => k.key === 'doc-1')?.debounce).toEqual({ seen: 3, ran: 0, pending: true, superseded: 2 });
    expect(report.tokens).toContainEqual({ scope: 'model', key: 'claude', minute: { used: 1_200, limit: 10_000 } });

    const text = await runCli(['flow', ...app.target]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `${FLOW} (Consumer): concurrency 3, rate 5 per 60 s, debounce 10 s (at most 60 s), pause on throttling, keyed by $.customerId`,
    );
    expect(text.stdout).toMatch(/Flows\/Consumer\s+globex\s+2\/3\s+1\/5 per 60 s\s+-\s+-\s+until \d\d:\d\d:\d\dZ/);
    expect(text.stdout).toMatch(/model\s+claude\s+1,200\/10,000/);
  });

  it("counts the records a consumer held back, shows the queue's fair-queue state, and trace shows the hold as a step", async () => {
    const sqsClient = new SQSClient({ endpoint: app.runtime.url, region, credentials });
    const { MessageId = '' } = await sqsClient.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ customerId: 'acme' }), MessageGroupId: 'acme' }),
    );
    const report = await eventually(
      async () => {
        const r = await readReport();
        return r.keys.find((k) => k.key === 'acme')?.heldBack === 1 ? r : undefined;
      },
      30_000,
      'the held-back record in switchyard flow',
    );
    expect(report.fairQueues?.find((q) => q.queue.startsWith('Flows-Work'))).toMatchObject({
      noisyGroups: [],
      metrics: expect.objectContaining({ ApproximateNumberOfMessagesNotVisibleInQuietGroups: 1 }),
    });

    const trace = await runCli(['trace', MessageId, ...app.target]);
    expect(trace.code).toBe(0);
    expect(trace.stdout).toMatch(/flow control: held back: key "acme" at its rate limit; back in 60 s\s+\[held back\]/);
  });

  it('fails if the app uses no flow control', async () => {
    const bare = path.resolve(import.meta.dirname, '../fixtures/small-apps/cloudformation-read-api');
    const result = await runCli(['flow', '--endpoint', app.runtime.url, '--cdk-out', bare]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the app uses no flow control');
  });
});

describe("the read API's flow-control route", () => {
  it('answers the same report, with the fair queues', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      get(`${app.runtime.url}/_switchyard/v1/flow-control`, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      }).on('error', reject);
    });
    const report = JSON.parse(body) as FlowControlReport;
    const cli = await readReport();
    expect(report.declared.map((d) => d.settings)).toEqual([settings]);
    expect(report.keys.map((k) => k.key)).toEqual(cli.keys.map((k) => k.key));
    expect(report.fairQueues?.map((q) => q.queue)).toContain(cli.fairQueues?.find((q) => q.queue.startsWith('Flows-Work'))?.queue);
    // The fair queues only: the one its rule makes fair, and Work since a tenant's message came to it; not Plain, nor a dead-letter queue.
    const named = (report.fairQueues ?? []).map((q) =>
      ['Flows-Fair', 'Flows-Work', 'Flows-Plain', 'Flows-TargetDlq'].find((n) => q.queue.startsWith(n)),
    );
    expect(named.sort()).toEqual(['Flows-Fair', 'Flows-Work']);
  });

  it("names the consumer's variables as the kit reads them", () => {
    expect(FLOW_CONTROL_VARIABLES).toEqual({ settings: ENV.flowControl, table: ENV.flowControlTable });
  });
});
