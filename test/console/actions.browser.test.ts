import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_ATTRIBUTES, ERROR_NAMES } from '../../contracts/wiring.js';
import { LocalRuntime } from '../../local/runtime.js';
import { BROWSER_TESTS_RUN, useConsoleBrowser } from '../helpers/console-browser.js';
import { assemblyOf } from '../local/assembly.js';
import { credentials, disposableData, eventually, region } from '../local/helpers.js';
import { durableApp } from '../local/lambda/durable/fixture.js';
import { paintOf, shownText } from './drawn.js';

const ARTIFACTS = path.resolve('test-artifacts');
const ROLE = 'arn:aws:iam::000000000000:role/states';
/** Dead-letter queues named as CDK names them: long names, in lines that must still fit the window. */
const BILLING_DEAD = 'Switchyard-BillingConsumerDeadLetterQueue5C1B2D3E-Q1w2E3r4T5y6';
const SHARED_DEAD = 'Switchyard-SharedConsumersDeadLetterQueue9A8B7C6D-Z9x8C7v6B5n4';

let runtime: LocalRuntime;
let sqs: SQSClient;
let sfn: SFNClient;

/** What the page draws in a colour of the stylesheet's (`--ok`), as the browser computes it. */
const colourOf = (page: Page, variable: string) =>
  page.locator('body').evaluate((body, name) => {
    const probe = body.ownerDocument.createElement('span');
    probe.style.setProperty('color', `var(${name})`);
    body.append(probe);
    const colour = body.ownerDocument.defaultView?.getComputedStyle(probe).color ?? '';
    probe.remove();
    return colour;
  }, variable);

/** The page is no wider than its window: nothing drawn (a task handle, an ARN) stretches it. */
const fitsTheWindow = (page: Page) =>
  page
    .locator('body')
    .evaluate((body) => body.ownerDocument.documentElement.scrollWidth <= (body.ownerDocument.defaultView?.innerWidth ?? 0));

const depthOf = async (queue: string) => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: `${runtime.url}/000000000000/${queue}`, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages);
};

/** The newest action line of the Failures page once its work has ended (working until then). */
async function endedAction(page: Page) {
  const line = page.locator('.flash .action').first();
  await expect.poll(() => line.getAttribute('data-outcome'), { timeout: 20_000 }).not.toBe('working');
  return line;
}

/**
 * The console's actions in Debian's chromium (npm run test:browser): each button follows the
 * work it started to its end and shows a failure, with AWS's reason, as plainly as a success.
 * Skipped where chromium is missing, failing in CI.
 */
describe.skipIf(!BROWSER_TESTS_RUN)("the console's actions, followed to their end", () => {
  const { open } = useConsoleBrowser({
    async start() {
      const dlqOf = (source: string, dlq: string) => ({
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: source, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 3 } },
      });
      const cdkOut = assemblyOf({
        // A QueueConsumer's queue: the consumer kit sends what it gives up on straight to its dead-letter queue.
        BillingDead: { Type: 'AWS::SQS::Queue', Properties: { QueueName: BILLING_DEAD } },
        Billing: dlqOf('billing', 'BillingDead'),
        // One dead-letter queue behind two queues: SQS cannot tell which one a message sent to it came from.
        SharedDead: { Type: 'AWS::SQS::Queue', Properties: { QueueName: SHARED_DEAD } },
        East: dlqOf('east', 'SharedDead'),
        West: dlqOf('west', 'SharedDead'),
      });
      runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => {} });
      return runtime;
    },
    stop: (started) => started.stop(),
    url: (started) => started.url,
    // A laptop's window: a line holding a task's whole handle would be wider.
    viewport: { width: 1000, height: 800 },
    timeoutMs: 60_000,
  });

  beforeAll(() => {
    sqs = new SQSClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    sfn = new SFNClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  });
  afterAll(() => {
    sqs?.destroy();
    sfn?.destroy();
  });

  it("redrives a QueueConsumer's dead letter to its one source queue, leaves the one whose event breaks its contract and says why, then says no consumer reads that queue", async () => {
    const dlqUrl = `${runtime.url}/000000000000/${BILLING_DEAD}`;
    // As the consumer kit sends what it gives up on: straight to the dead-letter queue (no DeadLetterQueueSourceArn), its reason beside it.
    const kitLetter = (body: object, errorName: string, errorMessage: string) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: dlqUrl,
          MessageBody: JSON.stringify(body),
          MessageAttributes: {
            [DEAD_LETTER_ATTRIBUTES.errorName]: { DataType: 'String', StringValue: errorName },
            [DEAD_LETTER_ATTRIBUTES.errorMessage]: { DataType: 'String', StringValue: errorMessage },
          },
        }),
      );
    await kitLetter({ order: 'o-1' }, 'ModelThrottled', 'the model answered 429');
    const { MessageId: invalid } = await kitLetter(
      { 'detail-type': 'OrderPlaced', detail: { amount: 12 } },
      ERROR_NAMES.invalidEvent,
      'OrderPlaced breaks its contract: orderId is required',
    );
    const page = await open('#/failures');
    await page.locator(`article.dlq[data-queue="${BILLING_DEAD}"]`).getByRole('button', { name: 'Redrive to source' }).click();

    // billing has no consumer: the message moved waits there, so the redrive's work is not done, and the line ends saying so
    // (test/console/redrive-follow.browser.test.ts follows one to its consumer's end).
    const line = page.locator('.flash .action').first();
    await expect
      .poll(() => shownText(page, '.flash .action'), { timeout: 20_000 })
      .toBe(
        `Redrove ${BILLING_DEAD} to billing: 1 message moved, 1 left because its event breaks its contract. ` +
          `Left ${invalid} in ${BILLING_DEAD}: its event breaks its contract (InvalidEvent: OrderPlaced breaks its contract: orderId is required). ` +
          'A redrive would send an event back unchanged, and one that breaks its contract would fail again. ' +
          'Fix the event where it is produced and send it again (or fix the contract, if it is the contract that is wrong). ' +
          'Then: 1 moved to billing; no function or pipe of the app reads billing, so nothing handles it yet.',
      );
    expect(await line.getAttribute('data-outcome')).toBe('failed');
    expect(await paintOf(line, 'color')).toBe(await colourOf(page, '--fail'));
    expect(await depthOf(BILLING_DEAD)).toBe(1);
    expect(await depthOf('billing')).toBe(1);
    expect(await fitsTheWindow(page)).toBe(true);
    // The page read again: the queue holds the one message left, with its reason.
    await expect
      .poll(() => page.locator(`article.dlq[data-queue="${BILLING_DEAD}"]`).getAttribute('data-depth'), { timeout: 10_000 })
      .toBe('1');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-redrive-moved.png'), fullPage: true });
  });

  it('moves a dead letter SQS moved from one of several queues back to it, and shows in red why the kit’s letter beside it stays', async () => {
    // One SQS moved from east after its third receive: SQS names its source on it.
    const eastUrl = `${runtime.url}/000000000000/east`;
    const { MessageId: fromEast } = await sqs.send(new SendMessageCommand({ QueueUrl: eastUrl, MessageBody: '{"order":"o-3"}' }));
    // Received past its maxReceiveCount (3), SQS moves it to the dead-letter queue.
    await eventually(
      async () => {
        await sqs.send(new ReceiveMessageCommand({ QueueUrl: eastUrl, VisibilityTimeout: 0 }));
        return (await depthOf(SHARED_DEAD)) === 0 ? undefined : true;
      },
      10_000,
      'the message moved to the dead-letter queue',
    );
    // One sent straight to the dead-letter queue, as the consumer kit sends: no source SQS could name.
    const { MessageId: kitLetter } = await sqs.send(
      new SendMessageCommand({ QueueUrl: `${runtime.url}/000000000000/${SHARED_DEAD}`, MessageBody: '{"order":"o-2"}' }),
    );
    const page = await open('#/failures');
    await page.locator(`article.dlq[data-queue="${SHARED_DEAD}"]`).getByRole('button', { name: 'Redrive to source' }).click();

    const line = await endedAction(page);
    expect(await line.getAttribute('data-outcome')).toBe('failed');
    expect(await shownText(page, '.flash .action')).toBe(
      `Redrove ${SHARED_DEAD} to their source queues (east, west): 1 message moved, 1 failed. ` +
        `Message ${kitLetter} not moved (it stays in ${SHARED_DEAD}): cannot tell where it came from: it has no DeadLetterQueueSourceArn ` +
        '(the consumer kit sent it straight to the dead-letter queue) and the queue has 2 source queues (east, west); send its body again to the queue it belongs to. ' +
        'Then: 1 moved to east; no function or pipe of the app reads east, so nothing handles it yet.',
    );
    expect(await paintOf(line, 'color')).toBe(await colourOf(page, '--fail'));
    expect(await depthOf(SHARED_DEAD)).toBe(1);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: eastUrl, VisibilityTimeout: 0, WaitTimeSeconds: 1 }));
    expect(Messages.map((m) => m.Body)).toEqual(['{"order":"o-3"}']);
    expect(Messages[0]?.MessageId).not.toBe(fromEast);
    expect(await fitsTheWindow(page)).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-redrive-failed.png'), fullPage: true });
  });

  it('follows a redriven execution to its end: red with its error when it fails again, green once it succeeds', async () => {
    const queueName = 'actions-redrive-later';
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'ActionsRedriven',
        definition: JSON.stringify({
          StartAt: 'Send',
          States: {
            Send: {
              Type: 'Task',
              Resource: 'arn:aws:states:::sqs:sendMessage',
              Parameters: { QueueUrl: `${runtime.url}/000000000000/${queueName}`, MessageBody: 'hello' },
              End: true,
            },
          },
        }),
        roleArn: ROLE,
      }),
    );
    const { executionArn = '' } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'redrive-me', input: '{}' }));
    await eventually(
      async () => ((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status === 'FAILED' ? true : undefined),
      15_000,
      'the execution to fail: its queue does not exist',
    );
    const page = await open('#/failures');
    const row = page.locator(`tr[data-execution="${executionArn}"]`);
    // Its queue still missing: the redrive runs Send again, which fails again, and the page says so in red.
    await row.getByRole('button', { name: 'Redrive' }).click();
    const failed = await endedAction(page);
    expect(await failed.getAttribute('data-outcome')).toBe('failed');
    expect(await shownText(page, '.flash .action')).toMatch(
      /^Redriven redrive-me: FAILED again:\s+SQS\.QueueDoesNotExistException: The specified queue does not exist/,
    );
    expect(await paintOf(failed, 'color')).toBe(await colourOf(page, '--fail'));

    await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    await row.getByRole('button', { name: 'Redrive' }).click();
    await expect.poll(() => page.locator('.flash .action').count(), { timeout: 10_000 }).toBe(2);
    const succeeded = await endedAction(page);
    expect(await shownText(page, '.flash .action')).toBe('Redriven redrive-me: SUCCEEDED.');
    expect(await paintOf(succeeded, 'color')).toBe(await colourOf(page, '--ok'));
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('SUCCEEDED');
  });

  it('says in red that a decision was not taken when its execution ends before the escalation policy’s verdict', async () => {
    const policy = {
      policy: 'ActionsPolicy',
      askState: 'AwaitDecision',
      ask: { detailType: 'ActionAsked', source: 'actions', subjectField: 'ticketId' },
    };
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'ActionsEscalation',
        definition: JSON.stringify({
          StartAt: 'AwaitDecision',
          States: {
            AwaitDecision: {
              Type: 'Task',
              Comment: `switchyard:escalation-policy ${JSON.stringify(policy)}`,
              Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
              Parameters: {
                QueueUrl: `${runtime.url}/000000000000/billing`,
                MessageBody: { 'taskToken.$': '$$.Task.Token', ticketId: 'T-9' },
              },
              Next: 'Abandon',
            },
            // Nothing records the decision: the policy never gives its verdict.
            Abandon: { Type: 'Fail', Error: 'Abandoned', Cause: 'nobody records the decision' },
          },
        }),
        roleArn: ROLE,
      }),
    );
    await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'escalate-t9', input: '{}' }));
    const page = await open('#/escalations');
    const card = page.locator('article.escalation[data-subject="T-9"]');
    await card.getByRole('button', { name: 'Approve' }).click();
    const failed = page.getByTestId('decision-failed');
    await failed.waitFor({ timeout: 20_000 });
    expect(await shownText(page, '[data-testid="decision-failed"]')).toBe(
      'Approval of ticket T-9 not taken: escalate-t9 ended FAILED before its escalation policy gave a verdict on the decision Watch its execution',
    );
    expect(await paintOf(failed, 'color')).toBe(await colourOf(page, '--fail'));
    expect(await page.getByTestId('decided').count()).toBe(0);
  });

  it('draws the state a stopped execution was in as aborted, and a timed-out one’s as timed out, each as its legend says and neither as failed', async () => {
    const waiting = (name: string, timeoutSeconds?: number) =>
      sfn.send(
        new CreateStateMachineCommand({
          name,
          definition: JSON.stringify({
            ...(timeoutSeconds === undefined ? {} : { TimeoutSeconds: timeoutSeconds }),
            StartAt: 'Hold',
            States: { Hold: { Type: 'Wait', Seconds: 600, End: true } },
          }),
          roleArn: ROLE,
        }),
      );
    const { stateMachineArn: held } = await waiting('ActionsStopped');
    const { executionArn: stopped = '' } = await sfn.send(new StartExecutionCommand({ stateMachineArn: held, input: '{}' }));
    await sfn.send(new StopExecutionCommand({ executionArn: stopped }));
    const { stateMachineArn: timed } = await waiting('ActionsTimedOut', 1);
    const { executionArn: timedOut = '' } = await sfn.send(new StartExecutionCommand({ stateMachineArn: timed, input: '{}' }));
    await eventually(
      async () => ((await sfn.send(new DescribeExecutionCommand({ executionArn: timedOut }))).status === 'TIMED_OUT' ? true : undefined),
      15_000,
      'the execution to time out',
    );

    const page = await open(`#/execution/${encodeURIComponent(stopped)}`);
    const drawn = async (ended: string, state: string) => {
      const status = page.locator('[data-testid="execution-status"]', { hasText: ended });
      await status.waitFor({ timeout: 10_000 });
      const hold = page.locator('svg.graph g.state[data-state="Hold"]');
      expect(await hold.getAttribute('data-status')).toBe(state);
      const fill = await paintOf(hold.locator('> rect'), 'fill');
      expect(fill).toBe(await paintOf(page.locator(`.legend .status-${state} .swatch`), 'background-color'));
      expect(fill).not.toBe(await paintOf(page.locator('.legend .status-failed .swatch'), 'background-color'));
      // The execution's own status is not drawn as FAILED's either.
      expect(await paintOf(status, 'background-color')).not.toBe(
        await paintOf(page.locator('.legend .status-failed .swatch'), 'background-color'),
      );
      expect(await page.locator('svg.graph g[data-status="failed"]').count()).toBe(0);
    };
    await drawn('ABORTED', 'aborted');
    // Its history's ExecutionAborted as the graph draws it, not in failure's red.
    const abortedRow = page.locator('table.history-table tr', { hasText: 'ExecutionAborted' }).locator('td').first();
    expect(await paintOf(abortedRow, 'color')).toBe(await colourOf(page, '--aborted'));
    expect(await shownText(page, '.legend')).toContain('aborted');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-execution-aborted.png'), fullPage: true });

    await page.goto(`${runtime.url}/#/execution/${encodeURIComponent(timedOut)}`);
    await drawn('TIMED_OUT', 'timed-out');
    expect(await shownText(page, '.legend')).toContain('timed out');
  });
});

describe.skipIf(!BROWSER_TESTS_RUN)("the console's Stop and a durable execution's callback answers, followed to their end", () => {
  let lambda: LambdaClient;
  const { open } = useConsoleBrowser({
    start: () => LocalRuntime.start({ cdkOut: durableApp().cdkOut, ...disposableData(), port: 0, log: () => {} }),
    stop: (started) => started.stop(),
    url: (started) => started.url,
    timeoutMs: 60_000,
  });
  let url = '';

  beforeAll(async () => {
    const page = await open('#/');
    url = new URL(page.url()).origin;
    await page.close();
    lambda = new LambdaClient({ endpoint: url, region, credentials, maxAttempts: 1 });
    sfn = new SFNClient({ endpoint: url, region, credentials, maxAttempts: 1 });
  });
  afterAll(() => {
    lambda?.destroy();
    sfn?.destroy();
  });

  /** A durable execution of `callback-only`, waiting at its callback `answer`, and its page showing the form to answer it. */
  async function waiting(name: string): Promise<Page> {
    const { DurableExecutionArn: arn = '' } = await lambda.send(
      new InvokeCommand({
        FunctionName: 'callback-only:$LATEST',
        InvocationType: 'Event',
        DurableExecutionName: name,
        Payload: Buffer.from('{}'),
      }),
    );
    const page = await open(`#/durable-execution/${encodeURIComponent(arn)}`);
    await page.locator('form.decision').waitFor({ timeout: 20_000 });
    return page;
  }

  /** The newest line of what the callback answers did, once the execution they were followed to has ended. */
  async function answered(page: Page) {
    const line = page.locator('[data-testid="callback-answers"] .action').first();
    await expect.poll(() => line.getAttribute('data-outcome'), { timeout: 20_000 }).not.toBe('working');
    return line;
  }

  it('approves a waiting callback and says so in green only once the execution it resumed has succeeded', async () => {
    const page = await waiting('approve-me');
    await page.locator('form.decision').getByRole('button', { name: 'Approve' }).click();
    const line = await answered(page);
    expect(await shownText(page, '[data-testid="callback-answers"] .action')).toBe('Approved at answer: the execution SUCCEEDED.');
    expect(await paintOf(line, 'color')).toBe(await colourOf(page, '--ok'));
  });

  it('shows in red, with its error, the failure a refused callback ends its execution in', async () => {
    const page = await waiting('refuse-me');
    await page.getByRole('textbox', { name: 'reason' }).fill('not today');
    await page.locator('form.decision').getByRole('button', { name: 'Refuse' }).click();
    const line = await answered(page);
    expect(await line.getAttribute('data-outcome')).toBe('failed');
    expect(await shownText(page, '[data-testid="callback-answers"] .action')).toBe(
      'Refused at answer: the execution FAILED: CallbackExternalError: not today',
    );
    expect(await paintOf(line, 'color')).toBe(await colourOf(page, '--fail'));
    // The page says what the line says: the execution FAILED.
    expect(await shownText(page, '[data-testid="execution-status"]')).toBe('FAILED');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-callback-refused.png'), fullPage: true });
  });

  it('says a durable execution stopped only once it has ended STOPPED', async () => {
    const page = await waiting('stop-me');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByRole('button', { name: 'Stop execution' }).click();
    const note = page.getByTestId('stop-control').locator('[role="status"] span');
    await expect.poll(() => note.textContent(), { timeout: 20_000 }).toBe('Stopped: STOPPED.');
    expect(await paintOf(note, 'color')).toBe(await colourOf(page, '--ok'));
    // Its status drawn as a Step Functions execution's ABORTED is: stopped, not failed, not idle grey.
    const pill = page.locator('[data-testid="execution-status"]', { hasText: 'STOPPED' });
    await pill.waitFor({ timeout: 10_000 });
    expect(await paintOf(pill, 'color')).toBe(await colourOf(page, '--aborted'));
  });

  it('says a Standard execution stopped only once it has ended ABORTED', async () => {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'ActionsStop',
        definition: JSON.stringify({ StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 600, End: true } } }),
        roleArn: ROLE,
      }),
    );
    const { executionArn = '' } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
    const page = await open(`#/execution/${encodeURIComponent(executionArn)}`);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByRole('button', { name: 'Stop execution' }).click();
    const note = page.getByTestId('stop-control').locator('[role="status"] span');
    await expect.poll(() => note.textContent(), { timeout: 20_000 }).toBe('Stopped: ABORTED.');
    expect(await paintOf(note, 'color')).toBe(await colourOf(page, '--ok'));
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
  });
});
