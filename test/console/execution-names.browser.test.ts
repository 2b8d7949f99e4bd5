import { existsSync } from 'node:fs';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime.js';
import { assemblyOf } from '../local/assembly.js';
import { credentials, region, tempDataDir } from '../local/helpers.js';
import { ConsoleProblems, reportPolicyViolations, shownText } from './drawn.js';

/**
 * An execution's page reached by a name that is not its ARN, in Debian's chromium (npm run
 * test:browser): its business key and its id alone, as `switchyard execution` takes them.
 * Skipped where chromium is missing, failing in CI.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';

let browser: Browser;
let context: BrowserContext;
const problems = new ConsoleProblems();

/** One Standard state machine that waits an hour: its executions run until stopped. */
function waitingApp(): string {
  const definition = { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } };
  return assemblyOf(
    {
      Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'orders',
          DefinitionString: JSON.stringify(definition),
          RoleArn: 'arn:aws:iam::000000000000:role/orders',
        },
      },
    },
    'Shop',
  );
}

let runtime: LocalRuntime;
let sfn: SFNClient;

beforeAll(async () => {
  if (!hasChromium && inCi)
    throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (.ci/run) for the console's browser tests`);
  if (!hasChromium) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await reportPolicyViolations(context);
  runtime = await LocalRuntime.start({ cdkOut: waitingApp(), dataDir: tempDataDir(), port: 0, log: () => {} });
  sfn = new SFNClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
}, 120_000);

afterEach(async () => {
  for (const page of context?.pages() ?? []) await page.close();
  expect(problems.take()).toEqual([]);
});

afterAll(async () => {
  sfn?.destroy();
  await runtime?.stop();
  await browser?.close();
});

/** Starts an execution as a workflow starter does: its input names the business key it is about. */
async function startAbout(name: string, idempotencyKey: string): Promise<string> {
  const input = JSON.stringify({ event: { detailType: 'OrderPlaced', idempotencyKey }, detail: {} });
  const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:orders';
  const { executionArn = '' } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input }));
  return executionArn;
}

async function open(name: string): Promise<Page> {
  const page = problems.watch(await context.newPage());
  await page.goto(`${runtime.url}/#/execution/${encodeURIComponent(name)}`);
  return page;
}

describe.skipIf(!hasChromium && !inCi)("the console's execution page reached by a name", () => {
  it('opens the execution its business key names, with its Stop, in place of the name', async () => {
    const arn = await startAbout('OrderPlaced-digest-1', 'OrderPlaced#orderId="O-1"');
    const page = await open('OrderPlaced#orderId="O-1"');
    await page.getByTestId('execution-subject').waitFor();
    expect(await shownText(page, 'h1')).toBe('OrderPlaced-digest-1');
    expect(await shownText(page, '[data-testid=execution-subject]')).toBe('about OrderPlaced#orderId="O-1"');
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/execution/${arn}`);
  });

  it('opens the execution the id alone names', async () => {
    await startAbout('OrderPlaced-digest-2', 'OrderPlaced#orderId="O-2"');
    const page = await open('O-2');
    await page.getByTestId('execution-subject').waitFor();
    expect(await shownText(page, 'h1')).toBe('OrderPlaced-digest-2');
  });

  it('fails if no execution has the name, saying what names one', async () => {
    const page = await open('O-404');
    await page.getByRole('heading', { name: 'No such execution' }).waitFor();
    expect(await shownText(page)).toContain(
      'No execution named "O-404" among the newest executions of the app\'s flows and durable functions; an execution is named by its ARN, its name, or what it is about',
    );
  });
});
