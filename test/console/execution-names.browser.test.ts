import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime.js';
import { BROWSER_TESTS_RUN, useConsoleBrowser } from '../helpers/console-browser.js';
import { assemblyOf } from '../local/assembly.js';
import { credentials, disposableData, region } from '../local/helpers.js';
import { shownText } from './drawn.js';

/**
 * An execution's page reached by a name that is not its ARN, in Debian's chromium (npm run
 * test:browser): its business key and its id alone, as `switchyard execution` takes them.
 * Skipped where chromium is missing, failing in CI.
 */
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

let sfn: SFNClient;

/** Starts an execution as a workflow starter does: its input names the business key it is about. */
async function startAbout(name: string, idempotencyKey: string): Promise<string> {
  const input = JSON.stringify({ event: { detailType: 'OrderPlaced', idempotencyKey }, detail: {} });
  const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:orders';
  const { executionArn = '' } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input }));
  return executionArn;
}

describe.skipIf(!BROWSER_TESTS_RUN)("the console's execution page reached by a name", () => {
  const browser = useConsoleBrowser({
    async start() {
      const runtime = await LocalRuntime.start({ cdkOut: waitingApp(), ...disposableData(), port: 0, log: () => {} });
      sfn = new SFNClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
      return runtime;
    },
    async stop(runtime) {
      sfn.destroy();
      await runtime.stop();
    },
    url: (runtime) => runtime.url,
    viewport: { width: 1400, height: 1000 },
    timeoutMs: 120_000,
  });
  /** The console's page of the execution `name` names. */
  const open = (name: string) => browser.open(`#/execution/${encodeURIComponent(name)}`);

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
