import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime.js';
import { BROWSER_TESTS_RUN, useConsoleBrowser } from '../helpers/console-browser.js';
import { credentials, disposableData, eventually, executionEnded, region } from '../local/helpers.js';
import { shownText } from './drawn.js';

/**
 * "Rerun from here" and Stop on the console's execution page, in Debian's chromium (npm run
 * test:browser), against a state machine of plain aws-cdk-lib: any app's, which the local
 * runtime forks at the state itself. Skipped where chromium is missing, failing in CI.
 */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');

let client: SFNClient;
let stateMachineArn: string;

/** Outline, Draft, then a Wait of `$.pause` seconds (0 ends at once; a long one keeps the execution running to stop it). */
function writerApp(cdkOut: string): void {
  const app = new App({ outdir: cdkOut });
  const stack = new Stack(app, 'Writer', { env: { account: '000000000000', region } });
  const outline = new sfn.Pass(stack, 'Outline', {
    parameters: { 'prompt.$': "States.Format('Outline of {}', $.topic)", 'pause.$': '$.pause' },
  });
  const draft = new sfn.Pass(stack, 'Draft', {
    parameters: { 'text.$': "States.Format('Draft from: {}', $.prompt)", 'pause.$': '$.pause' },
  });
  const hold = new sfn.Wait(stack, 'Hold', { time: sfn.WaitTime.secondsPath('$.pause') });
  new sfn.StateMachine(stack, 'Machine', {
    stateMachineName: 'writer',
    definitionBody: sfn.DefinitionBody.fromChainable(outline.next(draft).next(hold)),
    timeout: Duration.hours(1),
  });
  app.synth();
}

async function start(name: string, pause: number): Promise<string> {
  const input = JSON.stringify({ topic: 'otters', pause });
  const { executionArn = '' } = await client.send(new StartExecutionCommand({ stateMachineArn, name, input }));
  return executionArn;
}

const pageOf = (executionArn: string) => `#/execution/${encodeURIComponent(executionArn)}`;

async function executionCount(): Promise<number> {
  return ((await client.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? []).length;
}

describe.skipIf(!BROWSER_TESTS_RUN)("the console's rerun from here and stop in a browser", () => {
  const { open } = useConsoleBrowser({
    async start() {
      const cdkOut = mkdtempSync(path.join(tmpdir(), 'switchyard-console-fork-'));
      writerApp(cdkOut);
      const runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => {} });
      client = new SFNClient({ endpoint: runtime.url, region, credentials });
      stateMachineArn = runtime.definitions.stateMachines.find((m) => m.name === 'writer')?.arn ?? '';
      return runtime;
    },
    stop: (runtime) => runtime.stop(),
    url: (runtime) => runtime.url,
    viewport: { width: 1400, height: 1000 },
    timeoutMs: 120_000,
  });

  it("reruns an execution from a state with its recorded input edited, opens the fork's page naming its parent, and lists the fork on the parent's", async () => {
    const parent = await start('post-1', 0);
    expect((await executionEnded(client, parent)).status).toBe('SUCCEEDED');
    const page = await open(pageOf(parent));
    await page.locator('svg.graph [data-state="Draft"]').click();
    await page.getByRole('button', { name: 'Rerun from here' }).click();
    const editor = page.getByRole('textbox', { name: 'input' });
    // The editor holds the input Draft was entered with in the parent, as JSON.
    expect(JSON.parse(await editor.inputValue())).toEqual({ prompt: 'Outline of otters', pause: 0 });
    // A plain state machine has no fork entry: the local runtime forks it, AWS could not.
    expect(await shownText(page, '[data-testid="rerun-local-only"]')).toMatch(
      /^Local only: this state machine has no fork entry, so it cannot be forked in AWS: a Switchyard Workflow has one with forkEntry: true/,
    );

    // Not JSON: said so, and nothing started.
    const before = await executionCount();
    await editor.fill('{"prompt": "Outline of sea otters",');
    await page.getByRole('button', { name: 'Rerun', exact: true }).click();
    await expect.poll(() => page.getByTestId('rerun-error').textContent()).toMatch(/^The input is not JSON \(.+\): fix it and Rerun again/);
    expect(await executionCount()).toBe(before);

    await editor.fill('{"prompt": "Outline of sea otters", "pause": 0}');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-rerun.png'), fullPage: true });
    await page.getByRole('button', { name: 'Rerun', exact: true }).click();
    await page.getByTestId('fork-of').waitFor({ timeout: 10_000 });
    expect(await shownText(page, '[data-testid="fork-of"]')).toBe('fork of post-1 from Draft');
    const forkArn = decodeURIComponent(new URL(page.url()).hash.replace('#/execution/', ''));
    expect(forkArn).toMatch(/:execution:writer:post-1-fork-/);
    const fork = await executionEnded(client, forkArn);
    expect(JSON.parse(fork.output ?? '{}')).toEqual({ text: 'Draft from: Outline of sea otters', pause: 0 });
    // Only Draft and what follows it ran: Outline is not in the fork's graph as run.
    await page.locator('[data-testid="execution-status"]', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('svg.graph [data-state="Outline"]').getAttribute('data-status')).toBe('not-reached');

    // The parent, a click away: it lists the fork, from Draft.
    await page.getByTestId('fork-of').getByRole('link', { name: 'post-1' }).click();
    await page.getByTestId('forks').getByRole('link').waitFor({ timeout: 10_000 });
    expect(await shownText(page, '[data-testid="forks"]')).toMatch(/^Forks\npost-1-fork-\S+ from Draft SUCCEEDED · started /);
    expect(await page.getByTestId('fork-of').count()).toBe(0);
  });

  it('says a rerun asked again with the same input started nothing, linking the fork it started before, and stays on the page', async () => {
    const parent = await start('post-2', 0);
    expect((await executionEnded(client, parent)).status).toBe('SUCCEEDED');
    const page = await open(pageOf(parent));
    const rerunDraft = async () => {
      await page.locator('svg.graph [data-state="Draft"]').click();
      await page.getByRole('button', { name: 'Rerun from here' }).click();
      await page.getByRole('button', { name: 'Rerun', exact: true }).click();
    };
    await rerunDraft();
    await page.getByTestId('fork-of').waitFor({ timeout: 10_000 });
    const forkArn = decodeURIComponent(new URL(page.url()).hash.replace('#/execution/', ''));
    expect((await executionEnded(client, forkArn)).status).toBe('SUCCEEDED');

    await page.goto(new URL(pageOf(parent), page.url()).href);
    const before = await executionCount();
    await rerunDraft();
    await page.getByTestId('rerun-note').getByRole('link').waitFor({ timeout: 10_000 });
    const forkName = forkArn.split(':').at(-1) ?? '';
    expect(await shownText(page, '[data-testid="rerun-note"]')).toBe(
      `Nothing started: this fork from Draft with this input ran before, as ${forkName}. Edit the input to start another.`,
    );
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/execution/${parent}`);
    expect(await executionCount()).toBe(before);
    await page.getByTestId('rerun-note').getByRole('link', { name: forkName }).click();
    await page.getByTestId('fork-of').waitFor({ timeout: 10_000 });
  });

  it('stops a running execution from its page, after asking once more', async () => {
    const running = await start('long-1', 3600);
    const page = await open(pageOf(running));
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    // Asked again: keeping it running changes nothing.
    await page.getByRole('button', { name: 'Keep it running' }).click();
    expect((await client.send(new DescribeExecutionCommand({ executionArn: running }))).status).toBe('RUNNING');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByRole('button', { name: 'Stop execution' }).click();
    await page.locator('[data-testid="execution-status"]', { hasText: 'ABORTED' }).waitFor({ timeout: 10_000 });
    await eventually(
      async () => ((await client.send(new DescribeExecutionCommand({ executionArn: running }))).status === 'ABORTED' ? true : undefined),
      10_000,
      `${running} to be ABORTED`,
    );
    // An execution that ended offers no Stop.
    expect(await page.getByRole('button', { name: 'Stop', exact: true }).count()).toBe(0);
  });
});
