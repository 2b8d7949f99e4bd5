import { existsSync } from 'node:fs';
import { GetDurableExecutionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ModelCallsPage, PausesPage } from '../../clients/read-api-contract.js';
import { LocalRuntime } from '../../local/runtime.js';
import { assemblyOf } from '../local/assembly.js';
import { credentials, disposableData, eventually, region } from '../local/helpers.js';
import { forkApp, WRITER_MODELS } from '../local/lambda/durable/fork-fixture.js';
import { eventSourceMapping } from '../local/template-resources.js';
import { boxesOf, boxOf, ConsoleProblems, paintOf, reportPolicyViolations, shownText, shownTexts } from './drawn.js';

/**
 * The console's control of a durable execution and of a flow, in Debian's chromium (npm run
 * test:browser): "Rerun from here" on a durable execution's step, and Pause and Resume on a
 * flow. Skipped where chromium is missing, failing in CI.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';

let browser: Browser;
let context: BrowserContext;
/** What the pages printed to their console as errors, threw, or had refused by the console's policy: each test ends with none. */
const problems = new ConsoleProblems();

beforeAll(async () => {
  if (!hasChromium && inCi)
    throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (.ci/run) for the console's browser tests`);
  if (!hasChromium) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await reportPolicyViolations(context);
}, 60_000);

afterEach(async () => {
  for (const page of context?.pages() ?? []) await page.close();
  expect(problems.take()).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

async function open(runtime: LocalRuntime, hash: string): Promise<Page> {
  const page = problems.watch(await context.newPage());
  await page.goto(`${runtime.url}/${hash}`);
  return page;
}

describe.skipIf(!hasChromium && !inCi)("the console's rerun from here of a durable execution", () => {
  let runtime: LocalRuntime;
  let lambda: LambdaClient;

  beforeAll(async () => {
    runtime = await LocalRuntime.start({ cdkOut: forkApp(), ...disposableData(), port: 0, log: () => {} });
    lambda = new LambdaClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  }, 120_000);

  afterAll(async () => {
    lambda?.destroy();
    await runtime?.stop();
  });

  const ended = (arn: string) =>
    eventually(
      async () => {
        const execution = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
        return execution.Status === 'RUNNING' ? undefined : execution;
      },
      30_000,
      `${arn} to end`,
    );
  const modelCalls = async () =>
    ((await (await fetch(`${runtime.url}/_switchyard/v1/model-calls`)).json()) as ModelCallsPage).calls.map((c) => c.modelId);

  it("reruns a durable execution from its third step with its event edited, opens the fork's page naming its parent, and lists the fork on the parent's", async () => {
    const event = { topic: 'tides', polishPrompt: 'Polish it plainly' };
    const { DurableExecutionArn: parent = '' } = await lambda.send(
      new InvokeCommand({ FunctionName: 'writer:$LATEST', DurableExecutionName: 'essay-1', Payload: Buffer.from(JSON.stringify(event)) }),
    );
    expect((await ended(parent)).Status).toBe('SUCCEEDED');
    const page = await open(runtime, `#/durable-execution/${encodeURIComponent(parent)}`);
    await page.locator('[data-testid="execution-status"]', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 10_000 });

    // Each operation of the handler itself has Rerun from here, in its row; the step inside the child context has none.
    const rows = page.locator('tr[data-operation]');
    const rerunnable = rows.filter({ has: page.getByRole('button', { name: 'Rerun from here' }) });
    expect(await shownTexts(rerunnable.locator('td.operation'))).toEqual(['outline', 'review', 'draft', 'polish']);
    expect(await shownTexts(rows.locator('td.operation'))).toContain('critique');
    const buttons = await boxesOf(rerunnable.getByRole('button', { name: 'Rerun from here' }));
    const table = await boxOf(page.locator('table.executions'));
    for (const button of buttons) {
      expect(button.height).toBeGreaterThan(10);
      expect(button.x + button.width).toBeLessThanOrEqual(table.x + table.width + 1);
    }

    // The third: its editor holds the handler's event, as JSON.
    await rerunnable.nth(2).getByRole('button', { name: 'Rerun from here' }).click();
    expect(await shownText(page, '[data-testid="rerun"] h3')).toBe('Rerun from draft');
    const editor = page.getByRole('textbox', { name: 'input' });
    expect(JSON.parse(await editor.inputValue())).toEqual(event);
    expect((await boxOf(editor)).height).toBeGreaterThan(40);

    // Not JSON: said so, and nothing started.
    await editor.fill('{"topic": "tides",');
    await page.getByRole('button', { name: 'Rerun', exact: true }).click();
    await expect.poll(() => page.getByTestId('rerun-error').textContent()).toMatch(/^The input is not JSON \(.+\): fix it and Rerun again/);
    const detail = async (arn: string) =>
      (await (await fetch(`${runtime.url}/_switchyard/v1/durable-executions/${encodeURIComponent(arn)}`)).json()) as {
        forks: { durableExecutionArn: string; from: string }[];
      };
    expect((await detail(parent)).forks).toEqual([]);

    const callsBefore = (await modelCalls()).length;
    await editor.fill(JSON.stringify({ topic: 'tides', polishPrompt: 'Make it rhyme' }));
    await page.getByRole('button', { name: 'Rerun', exact: true }).click();
    await page.getByTestId('fork-of').waitFor({ timeout: 10_000 });
    expect(await shownText(page, '[data-testid="fork-of"]')).toBe('fork of essay-1 from draft');
    const forkArn = decodeURIComponent(new URL(page.url()).hash.replace('#/durable-execution/', ''));
    expect(forkArn).toMatch(/:function:writer:\$LATEST\/durable-execution\/essay-1-fork-/);
    const fork = await ended(forkArn);
    expect(fork.Status).toBe('SUCCEEDED');
    expect(JSON.parse(fork.Result ?? '{}').polished).toContain('Make it rhyme');
    // Only draft and polish ran: their model calls, and no outline's.
    const calls = await modelCalls();
    expect(calls.slice(0, calls.length - callsBefore).sort()).toEqual([WRITER_MODELS.draft, WRITER_MODELS.polish].sort());
    await page.locator('[data-testid="execution-status"]', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 10_000 });
    expect(await shownText(page, 'details:has(summary:text("Result")) pre')).toContain('Make it rhyme');

    // The parent, a click away: it lists the fork, from draft.
    await page.getByTestId('fork-of').getByRole('link', { name: 'essay-1' }).click();
    await page.getByTestId('forks').getByRole('link').waitFor({ timeout: 10_000 });
    expect(await shownText(page, '[data-testid="forks"]')).toMatch(/^Forks\nessay-1-fork-\S+ from draft SUCCEEDED · started /);
    expect(await page.getByTestId('fork-of').count()).toBe(0);
  });
});

/** A queue (one receive and a message is dead-lettered: a receive while paused would show) and the function that consumes it. */
function consumerApp(): string {
  return assemblyOf({
    Inbox: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: 'console-inbox',
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['InboxDlq', 'Arn'] }, maxReceiveCount: 1 },
      },
    },
    InboxDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'console-inbox-dlq' } },
    Consumer: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'console-consumer',
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Code: { ZipFile: 'exports.handler = async () => {};' },
      },
    },
    InboxMapping: eventSourceMapping('Inbox', 'Consumer', { BatchSize: 10 }),
  });
}

describe.skipIf(!hasChromium && !inCi)("the console's pause and resume of a flow", () => {
  let runtime: LocalRuntime;
  let sqs: SQSClient;

  beforeAll(async () => {
    runtime = await LocalRuntime.start({ cdkOut: consumerApp(), ...disposableData(), port: 0, log: () => {} });
    sqs = new SQSClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  }, 120_000);

  afterAll(async () => {
    sqs?.destroy();
    await runtime?.stop();
  });

  const counts = async (queue: string) => {
    const { QueueUrl = '' } = { QueueUrl: `${runtime.url}/000000000000/${queue}` };
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return { waiting: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
  };

  it('pauses a function from the Flows page, so that events sent meanwhile wait in its queue, and resumed, they are handled', async () => {
    const page = await open(runtime, '#/flows');
    const consumer = page.locator('tr[data-target="Consumer"]');
    await consumer.first().waitFor({ timeout: 10_000 });
    expect(await consumer.first().getAttribute('data-paused')).toBe('false');
    expect(await shownTexts(consumer.first().locator('td'))).toEqual([
      'Consumer',
      'function',
      'Inbox -> Consumer',
      'Enabled',
      expect.any(String),
      'Pause',
    ]);

    await consumer.first().getByRole('button', { name: 'Pause' }).click();
    await page.locator('tr[data-target="Consumer"][data-paused="true"]').first().waitFor({ timeout: 10_000 });
    expect(await shownText(page, '[data-testid="pause-note"]')).toBe('Paused Consumer.');
    const paused = await shownTexts(page.locator('tr[data-target="Consumer"]').first().locator('td'));
    expect(paused[3]).toMatch(/^paused \((Disabling|Disabled)\)$/);
    expect(paused[4]).not.toBe('-');
    expect((await boxOf(page.getByRole('button', { name: 'Resume' }).first())).height).toBeGreaterThan(10);

    // Sent while paused: they wait, none received.
    const QueueUrl = `${runtime.url}/000000000000/console-inbox`;
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `event ${i}` })),
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await counts('console-inbox')).toEqual({ waiting: 10, inFlight: 0 });

    await page.getByRole('button', { name: 'Resume' }).first().click();
    await page.locator('tr[data-target="Consumer"][data-paused="false"]').first().waitFor({ timeout: 10_000 });
    expect(await shownText(page, '[data-testid="pause-note"]')).toBe('Resumed Consumer.');
    await eventually(
      async () => {
        const now = await counts('console-inbox');
        return now.waiting === 0 && now.inFlight === 0 ? true : undefined;
      },
      20_000,
      'the waiting events to be handled',
    );
    // Handled, each from its first receive: none dead-lettered.
    expect(await counts('console-inbox-dlq')).toEqual({ waiting: 0, inFlight: 0 });
  });

  it('says a function paused only once its consumers are at rest, Disabling until then', async () => {
    const page = await open(runtime, '#/flows');
    // The page's reads of /pauses are held at Disabling until the test lets them through: a mapping settling slowly.
    let settling = true;
    await page.route('**/_switchyard/v1/pauses', async (route) => {
      const response = await route.fetch();
      if (route.request().method() !== 'GET' || !settling) return route.fulfill({ response });
      const page = (await response.json()) as PausesPage;
      const held = page.targets.map((t) => ({
        ...t,
        consumers: t.consumers.map((c) => (c.state === 'Disabled' ? { ...c, state: 'Disabling' } : c)),
      }));
      return route.fulfill({ response, json: { targets: held } });
    });
    const consumer = page.locator('tr[data-target="Consumer"]').first();
    await consumer.getByRole('button', { name: 'Pause' }).click();
    const note = page.getByTestId('pause-note').locator('span');
    await expect.poll(() => note.textContent(), { timeout: 10_000 }).toBe('Pausing Consumer: Disabling…');
    expect(await paintOf(note, 'color')).not.toBe(await paintOf(page.locator('h1'), 'color'));
    expect(await note.getAttribute('class')).toBe('working');
    settling = false;
    await expect.poll(() => note.textContent(), { timeout: 10_000 }).toBe('Paused Consumer.');
    expect(await note.getAttribute('class')).toBe('ok');
    expect((await shownTexts(consumer.locator('td')))[3]).toBe('paused (Disabled)');
    // Resumed again, for the tests after it.
    await page.getByRole('button', { name: 'Resume' }).first().click();
    await expect.poll(() => note.textContent(), { timeout: 10_000 }).toBe('Resumed Consumer.');
  });
});
