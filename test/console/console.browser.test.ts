import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeArchiveCommand,
  EventBridgeClient,
  ListArchivesCommand,
  PutEventsCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { OtlpTracesData } from '../../clients/read-api-contract.js';
import { OrderPlaced, TicketCreated } from '../../domain/index.js';
import { LocalRuntime } from '../../local/runtime.js';
import { BROWSER_TESTS_RUN, CHROMIUM, useConsoleBrowser } from '../helpers/console-browser.js';
import { toHub } from '../helpers/hub.js';
import { switchyardAppFolder } from '../helpers/switchyard-assembly.js';
import { credentials, disposableData, eventually, region } from '../local/helpers.js';
import { callbackIdOf, durableApp } from '../local/lambda/durable/fixture.js';
import { type Box, boxesOf, boxOf, paintOf, shownText, shownTexts, textBoxOf } from './drawn.js';

/**
 * The local console in Debian's chromium, driven by playwright-core, against a runtime
 * running the example app. Skipped only where chromium is missing on a developer's machine;
 * in CI (CI=true) a missing chromium fails the suite.
 */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');
if (!BROWSER_TESTS_RUN) {
  console.warn(`[console browser tests skipped] ${CHROMIUM} is missing: apt-get install chromium to run them (in CI they fail instead)`);
}

let runtime: LocalRuntime;
let outdir: string;
let events: EventBridgeClient;
let sfn: SFNClient;
let logs: CloudWatchLogsClient;
let sqs: SQSClient;

function ticket(ticketId: string, subject: string, body: string) {
  return toHub(TicketCreated, { ticketId, customerId: 'C-1', subject, body });
}

/** The escalation execution of a ticket, once it waits on its task token. */
async function waitingEscalation(ticketId: string): Promise<string> {
  const standard = runtime.definitions.stateMachines.find((m) => m.type === 'STANDARD')?.arn;
  return eventually(
    async () => {
      const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: standard, statusFilter: 'RUNNING' }));
      for (const e of executions) {
        const { events: history = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: e.executionArn }));
        const started = history.find((h) => h.type === 'ExecutionStarted')?.executionStartedEventDetails?.input ?? '';
        if (started.includes(`"${ticketId}"`) && history.some((h) => h.type === 'TaskScheduled')) return e.executionArn as string;
      }
      return undefined;
    },
    20_000,
    `the escalation of ${ticketId} waiting on its token`,
  );
}

interface KeptSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  /** Epoch ms. */
  readonly start: number;
  readonly end: number;
}

/** The spans the read API keeps for `id`, from its OTLP/JSON. */
async function keptSpans(id: string): Promise<KeptSpan[]> {
  const data = (await (await fetch(`${runtime.url}/_switchyard/v1/traces/${id}`)).json()) as OtlpTracesData;
  const ms = (nanos: string | number) => Number(BigInt(nanos) / 1000n) / 1000;
  return data.resourceSpans.flatMap((r) =>
    r.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
        name: span.name,
        start: ms(span.startTimeUnixNano),
        end: ms(span.endTimeUnixNano),
      })),
    ),
  );
}

/**
 * How the waterfall of `id` is drawn, against the spans the read API keeps: each span a row;
 * its bar as wide, and as far along its track, as the span's share of its trace's time (2 px
 * at least); its name indented deeper than its parent's. What is wrong, in words.
 */
async function waterfallMismatches(page: Page, id: string): Promise<string[]> {
  const spans = await keptSpans(id);
  const drawn = new Map<string, { track: Box; bar: Box; name: Box }>();
  for (const row of await page.locator('[data-testid="span-row"]').all()) {
    drawn.set((await row.getAttribute('data-span-id')) ?? '', {
      track: await boxOf(row.locator('.span-track')),
      bar: await boxOf(row.locator('.span-bar')),
      name: await textBoxOf(row.locator('.span-name')),
    });
  }
  const wrong = drawn.size === spans.length ? [] : [`${drawn.size} rows drawn for ${spans.length} spans`];
  const names = new Map(spans.map((s) => [s.spanId, s.name]));
  for (const span of spans) {
    const row = drawn.get(span.spanId);
    if (row === undefined) continue;
    const ofTrace = spans.filter((s) => s.traceId === span.traceId);
    const start = Math.min(...ofTrace.map((s) => s.start));
    const length = Math.max(Math.max(...ofTrace.map((s) => s.end)) - start, 1);
    const left = ((span.start - start) / length) * row.track.width;
    const width = Math.max(2, ((span.end - span.start) / length) * row.track.width);
    const at = row.bar.x - row.track.x;
    if (Math.abs(at - left) > 1.5 || Math.abs(row.bar.width - width) > 1.5) {
      wrong.push(
        `${span.name}: its bar at +${at.toFixed(1)} px, ${row.bar.width.toFixed(1)} px wide; its span's share +${left.toFixed(1)} px, ${width.toFixed(1)} px`,
      );
    }
    const parent = span.parentSpanId === undefined ? undefined : drawn.get(span.parentSpanId);
    if (parent && !(row.name.x > parent.name.x + 4)) {
      wrong.push(
        `${span.name}: its name at x ${row.name.x.toFixed(1)}, not indented under ${names.get(span.parentSpanId ?? '')}'s at ${parent.name.x.toFixed(1)}`,
      );
    }
  }
  return wrong;
}

describe.skipIf(!BROWSER_TESTS_RUN)('the local console in a browser', () => {
  const pages = useConsoleBrowser({
    async start() {
      outdir = await switchyardAppFolder('switchyard-console-');
      runtime = await LocalRuntime.start({ cdkOut: outdir, ...disposableData(), port: 0, log: () => {} });
      const config = { endpoint: runtime.url, region, credentials };
      events = new EventBridgeClient(config);
      sfn = new SFNClient(config);
      logs = new CloudWatchLogsClient(config);
      sqs = new SQSClient(config);
      return runtime;
    },
    stop: (started) => started.stop(),
    url: (started) => started.url,
    viewport: { width: 1400, height: 1000 },
    // The run's one synthesis of the app (test/helpers/synth.ts) can take over a minute on a busy machine, and this file may be the one waiting for it.
    timeoutMs: 180_000,
  });
  const open = (hash: string) => pages.open(hash);

  it('approves an escalation from the Escalations page and the open execution page turns green without a reload', async () => {
    await events.send(ticket('CON-1', 'hello', 'asdf qwerty'));
    const executionArn = await waitingEscalation('CON-1');

    // The execution page, open while the execution waits: its waiting state runs.
    const watching = await open(`#/execution/${encodeURIComponent(executionArn)}`);
    const waitState = watching.locator('svg.graph [data-status="running"]');
    await waitState.first().waitFor({ timeout: 10_000 });
    const waitingStateName = await waitState.first().getAttribute('data-state');
    // With the runtime's live feed (the read API), the page follows it and does not poll:
    // the update below then arrives through the stream.
    const readApiServed = (await fetch(`${runtime.url}/_switchyard/v1/express-executions`)).status === 200;
    if (readApiServed) await watching.locator('[data-testid="live"][data-status="live"]').waitFor({ timeout: 10_000 });
    await watching.evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    // Another tab: the Escalations page, from the navigation.
    const reviewer = await open('');
    await reviewer.getByRole('link', { name: 'Escalations' }).click();
    const card = reviewer.locator('article.escalation[data-subject="CON-1"]');
    await card.waitFor({ timeout: 10_000 });
    // Drawn: the card with the ticket a reviewer reads and the buttons to decide.
    expect((await boxOf(card)).height).toBeGreaterThan(60);
    expect(await shownText(reviewer, 'article.escalation[data-subject="CON-1"]')).toContain('CON-1');
    expect((await boxOf(card.getByRole('button', { name: 'Approve' }))).width).toBeGreaterThan(20);
    await card.locator('input[name=reviewer]').fill('sam');
    await card.locator('select[name=queue]').selectOption('account');
    await card.locator('input[name=reason]').fill('customer asked about login');
    await card.getByRole('button', { name: 'Approve' }).click();
    await reviewer.getByTestId('decided').waitFor({ timeout: 10_000 });
    expect(await reviewer.getByTestId('decided').textContent()).toContain('Approved ticket CON-1');

    // The watching tab redraws from the live feed: the waiting state and the execution succeed.
    await watching.locator(`svg.graph [data-state="${waitingStateName}"][data-status="succeeded"]`).waitFor({ timeout: 15_000 });
    await watching.locator('[data-testid="execution-status"]', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 15_000 });
    const statuses = await watching
      .locator('svg.graph [data-state]')
      .evaluateAll((nodes) => nodes.map((n) => [n.getAttribute('data-state'), n.getAttribute('data-status')]));
    expect(statuses.filter(([, s]) => s === 'running' || s === 'failed')).toEqual([]);
    expect(statuses.filter(([, s]) => s === 'succeeded').length).toBeGreaterThanOrEqual(2);
    // Drawn: every state a box with its name inside it, none on top of another.
    const states = await boxesOf(watching.locator('svg.graph g.state > rect'));
    const names = await boxesOf(watching.locator('svg.graph g.state > text.name'));
    expect(states.length).toBeGreaterThan(1);
    expect(names.length).toBe(states.length);
    expect(
      names.every((b, i) => b.width > 10 && b.x >= (states[i]?.x ?? 0) && b.x + b.width <= (states[i]?.x ?? 0) + (states[i]?.width ?? 0)),
    ).toBe(true);
    expect(states.every((b) => b.width > 40 && b.height > 15)).toBe(true);
    const overlapping = states.flatMap((a, i) =>
      states.slice(i + 1).filter((b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height),
    );
    expect(overlapping).toEqual([]);
    expect(await watching.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    if (readApiServed) expect(await watching.getByTestId('live').getAttribute('data-status')).toBe('live');

    // The decision the flow received is the one the page sent, checked as the CLI checks it.
    await watching.locator(`svg.graph [data-state="${waitingStateName}"]`).click();
    await expect
      .poll(() => watching.locator('[data-selected-state] pre').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('"reviewer": "sam"')]));
    mkdirSync(ARTIFACTS, { recursive: true });
    await watching.screenshot({ path: path.join(ARTIFACTS, 'console-approval.png'), fullPage: true });
  });

  it('refuses a decision the contract refuses, naming the field, and sends nothing', async () => {
    await events.send(ticket('CON-2', 'hello', 'zxcv uiop'));
    const executionArn = await waitingEscalation('CON-2');
    const page = await open('#/escalations');
    const card = page.locator('article.escalation[data-subject="CON-2"]');
    await card.waitFor({ timeout: 10_000 });
    await card.locator('input[name=reason]').fill('x'.repeat(1001));
    await card.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => card.getByRole('alert').textContent()).toContain('reason must have at most 1000 characters');
    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: executionArn.replace(/:execution:([^:]+):[^:]+$/, ':stateMachine:$1'),
        statusFilter: 'RUNNING',
      }),
    );
    expect(executions.map((e) => e.executionArn)).toContain(executionArn);
  });

  it('lists Standard and Express executions and filters them by flow and status', async () => {
    const page = await open('#/executions');
    const rows = page.locator('table.executions tbody tr');
    await rows.first().waitFor({ timeout: 10_000 });
    const arns = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-execution') ?? ''));
    expect(arns.some((arn) => arn.includes(':express:'))).toBe(true);
    expect(arns.some((arn) => arn.includes(':execution:'))).toBe(true);
    // Drawn: each row a line a reader sees, its status written as its data says.
    expect((await boxesOf(rows)).every((b) => b.height > 10 && b.width > 600)).toBe(true);
    const shownStatuses = await rows.locator('.pill[class*="status-"]').allTextContents();
    expect(shownStatuses).toEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status') ?? '')));

    await page.locator('select[name=status]').selectOption('RUNNING');
    const statuses = () => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')));
    // CON-2's escalation still waits: at least one, and nothing else.
    await expect.poll(async () => [...new Set(await statuses())], { timeout: 10_000 }).toEqual(['RUNNING']);
    const express = runtime.definitions.stateMachines.find((m) => m.type === 'EXPRESS')?.arn as string;
    await page.locator('select[name=status]').selectOption('');
    await page.locator('select[name=flow]').selectOption(express);
    await expect
      .poll(
        async () =>
          (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-execution') ?? ''))).every((a) => a.includes(':express:')),
        {
          timeout: 10_000,
        },
      )
      .toBe(true);
    expect(page.url()).toContain(`flow=${encodeURIComponent(express)}`);
  });

  it('names each flow as the CLI does, its deployed name in the tooltip', async () => {
    const page = await open('#/executions');
    const rows = page.locator('table.executions tbody tr');
    await rows.first().waitFor({ timeout: 10_000 });
    const options = await page
      .locator('select[name=flow] option')
      .evaluateAll((nodes) => nodes.map((o) => ({ text: o.textContent ?? '', title: o.getAttribute('title') ?? '' })));
    // The app's flows as `switchyard executions --flow` takes them (test/cli/commands.test.ts).
    const names = options.filter((o) => o.title !== '').map((o) => o.text.replace(/ \((standard|express)\)$/, ''));
    expect(names).toEqual(
      expect.arrayContaining(['TicketTriage', 'TicketTriageEscalation', 'OrderSagaWorkflow', 'ResearchAgentsGraphWorkflow']),
    );
    for (const { text, title } of options.filter((o) => o.title !== '')) {
      expect(title).toMatch(new RegExp(`^Switchyard-${text.replace(/ \(.*$/, '')}StateMachine[0-9A-F]{8}$`));
    }
    // Each row's flow: the short name shown, the deployed one kept in its tooltip.
    const cells = await rows
      .locator('td:first-child .app-name')
      .evaluateAll((nodes) => nodes.map((n) => [n.textContent ?? '', n.getAttribute('title') ?? '']));
    expect(cells.length).toBeGreaterThan(0);
    for (const [shown, deployed] of cells) {
      expect(shown).not.toMatch(/^Switchyard-|[0-9A-F]{8}$/);
      expect(deployed).toMatch(/^Switchyard-/);
      expect(deployed).toContain(shown);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-executions.png') });
  });

  it("shows an Express execution's graph, states and history from its log group", async () => {
    await events.send(ticket('CON-3', 'Charged twice this month', 'My card was charged twice for the same invoice, please refund one.'));
    const express = runtime.definitions.stateMachines.find((m) => m.type === 'EXPRESS')?.arn;
    const { loggingConfiguration } = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: express }));
    const logGroupName = /:log-group:([^:]+)/.exec(loggingConfiguration?.destinations?.[0]?.cloudWatchLogsLogGroup?.logGroupArn ?? '')?.[1];
    const executionArn = await eventually(
      async () => {
        const { events: records = [] } = await logs.send(
          new FilterLogEventsCommand({ logGroupName, filterPattern: '{ $.type = "ExecutionSucceeded" }' }),
        );
        for (const r of records) {
          const record = JSON.parse(r.message ?? '{}') as { execution_arn?: string; details?: { output?: string } };
          if (record.execution_arn?.includes(':express:')) return record.execution_arn;
        }
        return undefined;
      },
      20_000,
      'a succeeded Express execution in the logs',
    );
    const page = await open(`#/execution/${encodeURIComponent(executionArn)}`);
    await page.locator('[data-testid="execution-status"]', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 10_000 });
    const statuses = await page
      .locator('svg.graph [data-state]')
      .evaluateAll((nodes) => Object.fromEntries(nodes.map((n) => [n.getAttribute('data-state'), n.getAttribute('data-status')])));
    expect(Object.values(statuses)).toContain('succeeded');
    expect(Object.values(statuses)).toContain('not-reached');
    expect(await page.locator('table.history-table tbody tr').count()).toBeGreaterThan(3);
    expect(await page.locator('table.history-table').textContent()).toContain('ExecutionSucceeded');
  });

  it('asks for credentials when the runtime verifies signatures, and signs every call with them', async () => {
    const key = { accessKeyId: 'AKIDCONSOLE', secretAccessKey: 'console-secret' };
    const signing = await LocalRuntime.start({
      cdkOut: outdir,
      ...disposableData(),
      port: 0,
      log: () => {},
      verifySignatures: { credentials: [key] },
    });
    try {
      const page = await pages.context.newPage();
      await page.goto(`${signing.url}/#/executions`);
      const form = page.locator('form.credentials-form');
      await form.waitFor({ timeout: 10_000 });
      await form.locator('input[name=accessKeyId]').fill(key.accessKeyId);
      await form.locator('input[name=secretAccessKey]').fill('wrong');
      await form.getByRole('button', { name: 'Use these credentials' }).click();
      // A wrong secret is refused by the endpoint's verifier: asked again.
      await expect
        .poll(() => page.locator('form.credentials-form p').textContent(), { timeout: 10_000 })
        .toContain('InvalidSignatureException');
      await form.locator('input[name=secretAccessKey]').fill(key.secretAccessKey);
      await form.getByRole('button', { name: 'Use these credentials' }).click();
      await page.locator('table.executions, [class=muted]:has-text("No executions match")').first().waitFor({ timeout: 10_000 });
      expect(await page.locator('form.credentials-form').count()).toBe(0);
      // Kept for this tab only: sessionStorage, never localStorage.
      expect(await page.evaluate(() => JSON.stringify(Object.keys(localStorage)))).toBe('[]');
    } finally {
      await signing.stop();
    }
  });

  it("shows a bus's events live with the rules they matched, and an event's lineage", async (ctx) => {
    // The event records and the live feed come from the runtime's read API (AWS has no API for them).
    if ((await fetch(`${runtime.url}/_switchyard/v1/events?limit=1`)).status !== 200) ctx.skip();
    const page = await open('#/events');
    await page.locator('[data-testid="live"][data-status="live"]').waitFor({ timeout: 10_000 });
    await events.send(ticket('CON-4', 'Charged twice', 'My card was charged twice for the same invoice, please refund one.'));
    // Sent after the page loaded: it arrives through the stream.
    const row = page.locator('details.event', { hasText: 'TicketCreated' }).filter({ hasText: 'CON-4' });
    await row.waitFor({ state: 'attached', timeout: 10_000 });
    await expect.poll(() => row.locator('.rules').textContent()).toMatch(/StarterRule.*→.*StarterQueue/);
    // It arrived pending; the delivery's outcome follows through the stream.
    await expect.poll(() => row.locator('.rules .target').textContent(), { timeout: 10_000 }).toMatch(/StarterQueue\S* delivered$/);
    // The escalation's status changes (approved in the first test): forwarded from the default bus to the hub, delivered, and on the hub too.
    const statusChange = page.locator('details.event[data-bus="default"]', { hasText: 'Step Functions Execution Status Change' });
    await expect
      .poll(async () => {
        const targets = await statusChange.locator('.rules .target').allTextContents();
        return targets.length > 0 && targets.every((t) => /Switchyard-hub delivered$/.test(t));
      })
      .toBe(true);
    const copy = page.locator(
      `details.event[data-bus="Switchyard-hub"][data-event="${await statusChange.first().getAttribute('data-event')}"]`,
    );
    expect(await copy.count()).toBe(1);
    // The stream redraws the list as later events come (the row is drawn anew): wait for it drawn.
    await expect.poll(async () => (await boxOf(row.locator('summary'))).height).toBeGreaterThan(10);
    // biome-ignore lint/performance/useDomNodeTextContent: the text as laid out is what a user reads.
    expect(await row.locator('summary').innerText()).toMatch(/TicketCreated\s+from switchyard\.helpdesk/);
    await row.locator('summary').click();
    // Later events of the same ticket redraw the list: the row stays open.
    await events.send(ticket('CON-4B', 'Another', 'Sent while the first row is open.'));
    // Its TicketCreated: the events triage then puts for the ticket name CON-4B too.
    await page
      .locator('details.event', { hasText: 'TicketCreated' })
      .filter({ hasText: 'CON-4B' })
      .waitFor({ state: 'attached', timeout: 10_000 });
    await row.getByRole('link', { name: 'Lineage of this event' }).click();
    await page.locator('ul.tree [data-kind="execution"]').first().waitFor({ timeout: 10_000 });
    const kinds = await page
      .locator('ul.tree [data-kind]')
      .evaluateAll((nodes) => [...new Set(nodes.map((n) => n.getAttribute('data-kind')))]);
    expect(kinds).toEqual(expect.arrayContaining(['event', 'rule', 'message', 'invocation', 'execution']));
    // Drawn: each node's label indented under its parent's. The tree is drawn anew as the ticket's
    // later events come (a label measured while it is replaced has no box): read it once drawn.
    const root = page.locator('ul.tree > li').first();
    const child = root.locator('> ul > li').first();
    await expect
      .poll(async () => (await textBoxOf(child.locator('> .kind'))).x - (await textBoxOf(root.locator('> .kind'))).x)
      .toBeGreaterThan(8);
    expect(await shownText(page, 'ul.tree')).toMatch(/^EVENT\s+TicketCreated from switchyard\.helpdesk on Switchyard-hub/);
  });

  it('draws Parallel and Map states as groups holding their branches, each state coloured by how it ended', async () => {
    const definition = {
      StartAt: 'Prepare',
      States: {
        Prepare: { Type: 'Pass', Result: { items: [1, 2, 3] }, Next: 'Both' },
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Left', States: { Left: { Type: 'Pass', Next: 'LeftWait' }, LeftWait: { Type: 'Wait', Seconds: 5, End: true } } },
            { StartAt: 'Right', States: { Right: { Type: 'Fail', Error: 'RightBroke', Cause: 'on purpose' } } },
          ],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'EachItem', ResultPath: '$.error' }],
          Next: 'EachItem',
        },
        EachItem: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: { StartAt: 'Double', States: { Double: { Type: 'Pass', End: true } } },
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    };
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'ConsoleNested',
        definition: JSON.stringify(definition),
        roleArn: 'arn:aws:iam::000000000000:role/states',
      }),
    );
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
    const page = await open(`#/execution/${encodeURIComponent(executionArn as string)}`);
    await page.locator('[data-testid="execution-status"]', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 10_000 });
    const drawn = await page
      .locator('svg.graph [data-state]')
      .evaluateAll((nodes) =>
        Object.fromEntries(
          nodes.map((n) => [n.getAttribute('data-state'), `${n.getAttribute('class')?.split(' ')[0]} ${n.getAttribute('data-status')}`]),
        ),
      );
    expect(drawn).toEqual({
      Prepare: 'state succeeded',
      Both: 'group caught',
      Left: 'state succeeded',
      LeftWait: 'state not-reached',
      Right: 'state failed',
      EachItem: 'group succeeded',
      Double: 'state succeeded',
      Done: 'state succeeded',
    });
    // The branches are drawn inside their group.
    expect(await page.locator('svg.graph g.group[data-state="Both"] g.state[data-state="Right"]').count()).toBe(1);
    const inside = async (group: string, state: string) => {
      const outer = await boxOf(page.locator(`svg.graph g.group[data-state="${group}"] > rect`).first());
      const inner = await boxOf(page.locator(`svg.graph g.state[data-state="${state}"] > rect`).first());
      return (
        inner.width > 0 &&
        inner.x >= outer.x &&
        inner.y >= outer.y &&
        inner.x + inner.width <= outer.x + outer.width &&
        inner.y + inner.height <= outer.y + outer.height
      );
    };
    expect([
      await inside('Both', 'Left'),
      await inside('Both', 'Right'),
      await inside('EachItem', 'Double'),
      await inside('Both', 'Double'),
    ]).toEqual([true, true, true, false]);
    expect(await page.locator('svg.graph g.group[data-state="EachItem"] g.state[data-state="Double"] .badge').textContent()).toBe('×3');
    // A state inside a group is selected, not its group.
    await page.locator('svg.graph [data-state="Right"]').click();
    await expect.poll(() => page.locator('[data-selected-state]').getAttribute('data-selected-state')).toBe('Right');
    expect(await page.locator('[data-selected-state] .error').first().textContent()).toBe('Fails with RightBroke: on purpose');
    await page.locator('svg.graph [data-state="Both"] > rect').first().click();
    await expect.poll(() => page.locator('[data-selected-state] .caught').textContent()).toMatch(/^Caught \S+ → EachItem$/);
  });

  it('shows a dead-letter queue with the reason of each message, and redrives it', async () => {
    await events.send(toHub(TicketCreated, { ticketId: 'CON-BAD', customerId: 'C-1', subject: 'no body' }));
    const page = await open('#/failures');
    const dlq = page.locator('article.dlq[data-queue*="TicketTriageStarterDeadLetterQueue"]');
    const reason = dlq.locator('td.reason', { hasText: "must have required property 'body'" });
    await expect
      .poll(
        async () => {
          // The message reaches the DLQ within a second; without the live feed the page reads the queues once.
          if ((await reason.count()) === 0) await page.reload();
          return reason.count();
        },
        { timeout: 20_000, interval: 1000 },
      )
      .toBe(1);
    expect(await reason.textContent()).toMatch(/^InvalidEvent: TicketCreated .* breaks its contract/);
    expect(await dlq.locator('h3').textContent()).toContain('from Switchyard-TicketTriageStarterQueue');
    // The queues holding messages come first as cards, most messages first; the empty ones are one folded line.
    const depths = await page.locator('article.dlq').evaluateAll((cards) => cards.map((c) => Number(c.getAttribute('data-depth'))));
    expect(depths.every((d) => d > 0)).toBe(true);
    expect(depths).toEqual([...depths].sort((a, b) => b - a));
    expect(await page.locator('article.dlq').first().getAttribute('data-queue')).toContain('TicketTriageStarterDeadLetterQueue');
    const folded = page.locator('details.dlq-empty');
    const emptyCount = await folded.locator('li').count();
    expect(await folded.locator('summary').textContent()).toBe(`${emptyCount} empty dead-letter queues`);
    const dlqs = await page.locator('table.queues .pill', { hasText: 'DLQ' }).count();
    expect(emptyCount + depths.length).toBe(dlqs);
    expect(await folded.locator('li').first().isVisible()).toBe(false);
    await folded.locator('summary').click();
    expect(await folded.locator('li').first().isVisible()).toBe(true);
    // Dead-lettered on its first receive, and shown so however often the page reads the queue.
    const row = dlq.locator('tbody tr', { has: page.locator('td.reason', { hasText: "must have required property 'body'" }) });
    expect(await row.locator('td.receives').textContent()).toBe('1');
    await page.reload();
    await reason.waitFor({ timeout: 10_000 });
    expect(await row.locator('td.receives').textContent()).toBe('1');
    const dlqUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: (await dlq.getAttribute('data-queue')) ?? '' }))).QueueUrl;
    // The page's reads received nothing: SQS's first receive of the message is its first.
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageSystemAttributeNames: ['All'] }),
    );
    expect(Messages.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['1']);
    // Its event breaks its contract: a redrive would send it back to fail again, so none is offered, and the page says what to do.
    expect(await dlq.getByRole('button', { name: 'Redrive to source' }).count()).toBe(0);
    expect(await dlq.getByTestId('not-redrivable').textContent()).toMatch(
      /^Not offered for redrive: its message breaks its event’s contract\. .*Fix the event where it is produced and send it again/,
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-failures.png'), fullPage: true });
    // A message a redrive can help beside it: offered, and said of the other one.
    await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify({ note: 'no reason recorded' }) }));
    await page.reload();
    await dlq.getByRole('button', { name: 'Redrive to source' }).waitFor({ timeout: 10_000 });
    expect(await dlq.getByTestId('not-redrivable').textContent()).toMatch(
      /^1 of these messages breaks its event’s contract: Redrive to source leaves it here\. /,
    );
    await dlq.getByRole('button', { name: 'Redrive to source' }).click();
    // The kit sent them straight to the DLQ: the one a redrive can help goes back to its one source queue, the
    // one whose event breaks its contract stays, and the page says so, naming the field, once the redrive ended.
    // The one moved is no event at all: its consumer fails it again, and the line ends red saying so, not green for the move.
    const redriven = page.locator('.flash .action').first();
    await expect.poll(() => redriven.getAttribute('data-outcome'), { timeout: 20_000 }).toBe('failed');
    expect(await redriven.textContent()).toMatch(
      /^Redrove .*TicketTriageStarterDeadLetterQueue.* to .*TicketTriageStarterQueue.*: 1 message moved, 1 left because its event breaks its contract\. Left \S+ in .*: its event breaks its contract \(InvalidEvent: TicketCreated .*must have required property 'body'.*\)\. /,
    );
    expect(await redriven.textContent()).toMatch(/1 failed again/);
  });

  it("shows a failed execution's key, error and message on the Failures page, the function's frames a click away, and its history's Lambda error so", async () => {
    const classify = runtime.definitions.functions.find((f) => /Classify/.test(f.name));
    const cause = JSON.stringify({
      errorType: 'Order.Rejected',
      errorMessage: 'card declined by the issuer',
      trace: ['at charge (charge.ts:12:7)'],
    });
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'ConsoleRejected',
        definition: JSON.stringify({
          StartAt: 'Classify',
          States: {
            Classify: {
              Type: 'Task',
              Resource: `arn:aws:lambda:${region}:000000000000:function:${classify?.name}`,
              Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Reject' }],
              Next: 'Reject',
            },
            Reject: { Type: 'Fail', Error: 'Order.Rejected', Cause: cause },
          },
        }),
        roleArn: 'arn:aws:iam::000000000000:role/states',
      }),
    );
    const key = 'OrderPlaced#orderId="CON-REJ"';
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ event: { idempotencyKey: key } }) }),
    );
    const page = await open('#/failures');
    const row = page.locator(`tr[data-execution="${executionArn}"]`);
    await expect
      .poll(
        async () => {
          if ((await row.count()) === 0) await page.reload();
          return row.count();
        },
        { timeout: 20_000, interval: 1000 },
      )
      .toBe(1);
    // What it was about, drawn in its row: its business key.
    expect(await shownText(page, `tr[data-execution="${executionArn}"] td.subject`)).toBe(key);
    expect((await textBoxOf(row.locator('td.subject'))).width).toBeGreaterThan(50);
    // Its error and the Lambda error's message on a line; the function's frame under it, once opened.
    const why = row.locator('td.reason details');
    expect(await shownText(page, `tr[data-execution="${executionArn}"] td.reason`)).toBe('Order.Rejected: card declined by the issuer');
    // Folded until opened; polled, as the live page's redraw can land between two reads (24e0106b).
    await expect.poll(async () => (await boxOf(why.locator('pre'))).height, { timeout: 5_000 }).toBe(0);
    await why.locator('summary').click();
    expect(await shownText(page, `tr[data-execution="${executionArn}"] td.reason pre`)).toBe('at charge (charge.ts:12:7)');
    expect((await boxOf(why.locator('pre'))).height).toBeGreaterThan(10);

    // The execution's page says what it is about, and how it failed as the Failures page does.
    await page.goto(`${runtime.url}/#/execution/${encodeURIComponent(executionArn as string)}`);
    await page.getByTestId('execution-subject').waitFor({ timeout: 10_000 });
    expect(await shownText(page, '[data-testid="execution-subject"]')).toBe(`about ${key}`);
    expect(await shownText(page, '[data-testid="execution-error"]')).toBe('Order.Rejected: card declined by the issuer');
    // The history names the function a Task called by its ARN, and a service task as type:action, never with a stray colon.
    const details = page.locator('table.history-table tbody td:last-child');
    await page.locator('table.history-table tbody tr', { hasText: 'LambdaFunctionScheduled' }).waitFor({ timeout: 10_000 });
    const texts = await details.allTextContents();
    expect(texts.filter((t) => t.startsWith(':'))).toEqual([]);
    expect(texts).toContain(`arn:aws:lambda:${region}:000000000000:function:${classify?.name}`);
    // The function's own error (Classify refuses the input): its type and message on a line, not
    // its JSON; opened, the frames of its code, none of the local runtime's.
    const failed = page.locator('table.history-table tbody tr', { hasText: 'LambdaFunctionFailed' }).locator('td:last-child');
    // biome-ignore lint/performance/useDomNodeTextContent: the text as laid out is what a user reads.
    expect(await failed.innerText()).toMatch(/^InvalidTicket: classify input is not a ticket: [^{]*$/);
    await failed.locator('summary').click();
    // Cut on its line (it is long): opened, the whole of it first, then the frames.
    // biome-ignore lint/performance/useDomNodeTextContent: the text as laid out is what a user reads.
    const [whole, ...frames] = (await failed.locator('pre').innerText()).split('\n');
    expect(whole).toMatch(/^InvalidTicket: classify input is not a ticket: .*'body'$/);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.filter((line) => !/^at /.test(line) || /worker\.mjs|MessagePort|node:internal/.test(line))).toEqual([]);
    expect((await boxOf(failed.locator('pre'))).height).toBeGreaterThan(10);
  });

  it('tells executions apart by what they are about: their business key in the list and on the page', async () => {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'ConsoleKeyed',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
        roleArn: 'arn:aws:iam::000000000000:role/states',
      }),
    );
    const keys = ['OrderPlaced#orderId="KEY-1"', 'OrderPlaced#orderId="KEY-2"'];
    const arns: string[] = [];
    for (const key of keys) {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ event: { idempotencyKey: key } }) }),
      );
      arns.push(executionArn as string);
    }
    const page = await open(`#/executions?flow=${encodeURIComponent(stateMachineArn as string)}`);
    const rows = page.locator('table.executions tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    const headers = await page.locator('table.executions thead th').allTextContents();
    expect(headers.indexOf('Key')).toBeGreaterThan(-1);
    // Newest first, each row's key in the Key column, drawn.
    const shown = await shownTexts(rows.locator('td.subject'));
    expect(shown).toEqual([...keys].reverse());
    expect((await boxesOf(rows.locator('td.subject'))).every((b) => b.width > 50 && b.height > 10)).toBe(true);
    await rows.locator('td.name a').first().click();
    await page.getByTestId('execution-subject').waitFor({ timeout: 10_000 });
    expect(await shownText(page, '[data-testid="execution-subject"]')).toBe(`about ${keys[1]}`);
  });

  it('draws a state that failed and succeeded after a redrive as succeeded', async () => {
    const queueName = 'ConsoleRedriveLater';
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'ConsoleRedriven',
        definition: JSON.stringify({
          StartAt: 'Prepare',
          States: {
            Prepare: { Type: 'Pass', Next: 'Send' },
            Send: {
              Type: 'Task',
              Resource: 'arn:aws:states:::sqs:sendMessage',
              Parameters: { QueueUrl: `${runtime.url}/000000000000/${queueName}`, MessageBody: 'hello' },
              End: true,
            },
          },
        }),
        roleArn: 'arn:aws:iam::000000000000:role/states',
      }),
    );
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
    await eventually(
      async () => ((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status === 'FAILED' ? true : undefined),
      15_000,
      'the execution to fail: its queue does not exist',
    );
    const page = await open(`#/execution/${encodeURIComponent(executionArn as string)}`);
    const send = page.locator('svg.graph g.state[data-state="Send"]');
    await page.locator('[data-testid="execution-status"]', { hasText: 'FAILED' }).waitFor({ timeout: 10_000 });
    const swatch = async (status: string) => paintOf(page.locator(`.legend .status-${status} .swatch`), 'background-color');
    expect(await paintOf(send.locator('> rect'), 'fill')).toBe(await swatch('failed'));

    // The queue now exists: the redrive runs Send again, and it succeeds.
    await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    await sfn.send(new RedriveExecutionCommand({ executionArn }));
    await expect
      .poll(
        async () => {
          if ((await page.locator('[data-testid="execution-status"]', { hasText: 'SUCCEEDED' }).count()) === 0) await page.reload();
          return page.locator('[data-testid="execution-status"]').textContent();
        },
        { timeout: 15_000, interval: 1000 },
      )
      .toBe('SUCCEEDED');
    // Drawn as it ended after the redrive: green, as the legend's succeeded, and no state red.
    await send.waitFor({ timeout: 10_000 });
    expect(await send.getAttribute('data-status')).toBe('succeeded');
    expect(await paintOf(send.locator('> rect'), 'fill')).toBe(await swatch('succeeded'));
    expect(await page.locator('svg.graph g[data-status="failed"]').count()).toBe(0);
    // Its visits: the one that failed, then redriven, and the one that succeeded.
    await send.click();
    const visits = await shownTexts(page.locator('[data-selected-state] .visit h3'));
    expect(visits.map((v) => v.replace(/ · .*$/, ''))).toEqual(['Visit 1: failed, then redriven', 'Visit 2: succeeded']);
  });

  it('reads nothing more for a page the operator has left, even a load asked for while one was running', async () => {
    const page = await open('#/events');
    await page.locator('h1', { hasText: 'Event stream' }).waitFor();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let listed = 0;
    let listedAfterLeaving = 0;
    let left = false;
    // A load of the executions page starts by listing the state machines; the event stream never does.
    await page.route('**/*', async (route) => {
      if (!route.request().headers()['x-amz-target']?.endsWith('.ListStateMachines')) return route.continue();
      listed += 1;
      if (left) listedAfterLeaving += 1;
      await held;
      return route.continue();
    });
    await page.evaluate("location.hash = '#/executions'");
    await expect.poll(() => listed).toBeGreaterThan(0);
    // A filter change while the first load waits asks for a second load, queued behind it.
    await page.locator('select[name=status]').selectOption('FAILED');
    await page.evaluate("location.hash = '#/events'");
    await page.locator('h1', { hasText: 'Event stream' }).waitFor();
    left = true;
    release();
    await page.waitForTimeout(1500);
    expect(listedAfterLeaving).toBe(0);
  });

  it('marks replayed events in the live stream with their replay', async (ctx) => {
    if ((await fetch(`${runtime.url}/_switchyard/v1/events?limit=1`)).status !== 200) ctx.skip();
    await events.send(ticket('CON-5', 'Charged twice', 'My card was charged twice for the same invoice, please refund one.'));
    const page = await open('#/events');
    await page.locator('[data-testid="live"][data-status="live"]').waitFor({ timeout: 10_000 });
    const { Archives = [] } = await events.send(new ListArchivesCommand({}));
    const archive = Archives.find((a) => a.EventSourceArn?.endsWith(':event-bus/Switchyard-hub'));
    expect(archive?.ArchiveName).toBeDefined();
    const { ArchiveArn: archiveArn } = await events.send(new DescribeArchiveCommand({ ArchiveName: archive?.ArchiveName }));
    await events.send(
      new StartReplayCommand({
        ReplayName: 'console-replay',
        EventSourceArn: archiveArn,
        EventStartTime: new Date(Date.now() - 10 * 60_000),
        EventEndTime: new Date(),
        Destination: { Arn: archive?.EventSourceArn },
      }),
    );
    const replayed = page.locator('details.event.replayed', { has: page.locator('.pill.replay', { hasText: 'console-replay' }) });
    await replayed.first().waitFor({ state: 'attached', timeout: 15_000 });
    expect(await replayed.first().locator('strong').textContent()).toBeTruthy();
  });

  it("shows each model's calls and tokens on the Models page, from the model calls the runtime keeps", async () => {
    const bedrock = new BedrockRuntimeClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    await bedrock.send(
      new ConverseCommand({ modelId: 'amazon.nova-lite-v1:0', messages: [{ role: 'user', content: [{ text: 'Label this ticket.' }] }] }),
    );
    bedrock.destroy();
    const page = await open('#/models');
    const row = page.locator('[data-testid="model-totals"] tr', { hasText: 'amazon.nova-lite-v1:0' });
    await row.waitFor({ timeout: 10_000 });
    expect(Number(await row.locator('td').nth(1).textContent())).toBeGreaterThanOrEqual(1);
    // Drawn: each minute's bar as tall as its share of the busiest minute's tokens (1 px at least), the busiest as tall as the chart.
    const chart = page.locator('[data-testid="model-minutes"]');
    const bars = chart.locator('.bar');
    const tokens = (await bars.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('title') ?? ''))).map((title) =>
      Number(/: (\d+) tokens$/.exec(title)?.[1] ?? Number.NaN),
    );
    expect(tokens.length).toBeGreaterThan(0);
    const most = Math.max(1, ...tokens);
    const height = (await boxOf(chart.locator('.bars').first())).height;
    const drawn = (await boxesOf(bars)).map((box) => Math.round(box.height));
    expect(drawn).toEqual(tokens.map((n) => Math.round(Math.max(1, (Math.round((100 * n) / most) / 100) * height))));
    expect(Math.max(...drawn)).toBe(Math.round(height));
    expect((await boxesOf(bars)).every((box) => box.width > 0)).toBe(true);
    // The text as written: a command in code, no markdown's backticks.
    const text = await shownText(page);
    expect(text).not.toContain('`');
    expect(await page.locator('main p code').first().textContent()).toBe('switchyard cost --local');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-models.png'), fullPage: true });
  });

  it('shows a trace as a waterfall: bus, queue, function and execution spans, and a model call with its tokens and cost', async () => {
    const traceId = randomBytes(16).toString('hex');
    const header = `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
    const sent = ticket('CON-TRACE', 'Charged twice this month', 'My card was charged twice, please refund one.');
    await events.send(new PutEventsCommand({ Entries: (sent.input.Entries ?? []).map((entry) => ({ ...entry, TraceHeader: header })) }));
    const bedrock = new BedrockRuntimeClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    bedrock.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amzn-trace-id'] = header;
        return next(args);
      },
      { step: 'build' },
    );
    await bedrock.send(
      new ConverseCommand({ modelId: 'amazon.nova-lite-v1:0', messages: [{ role: 'user', content: [{ text: 'Label this ticket.' }] }] }),
    );
    bedrock.destroy();
    const page = await open(`#/trace/${traceId}`);
    const rows = page.locator('[data-testid="waterfall"] [data-testid="span-row"]');
    await rows.filter({ hasText: 'PutEvents Switchyard-hub' }).first().waitFor({ timeout: 15_000 });
    await rows.filter({ hasText: 'Step Functions' }).first().waitFor({ timeout: 30_000 });
    await rows.filter({ hasText: 'SQS' }).first().waitFor({ timeout: 15_000 });
    const model = rows.filter({ hasText: 'chat amazon.nova-lite-v1:0' }).first();
    await model.waitFor({ timeout: 15_000 });
    expect(await model.locator('[data-testid="span-detail"]').textContent()).toMatch(/^\d+ in \/ \d+ out tokens · \$0\.0*[1-9]\d$/);
    // Drawn: each span's bar as long, and as far along its track, as its share of the trace's
    // time; each span's name indented under its parent's. The page redraws as spans are kept
    // (an invocation's span when it ends): read it again until it shows them all.
    await expect
      .poll(
        async () => {
          const wrong = await waterfallMismatches(page, traceId);
          if (wrong.length > 0) await page.reload();
          return wrong;
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toEqual([]);
    // The execution hangs under the starter's invocation, and the function a state invoked under that state.
    const spans = await keptSpans(traceId);
    const execution = spans.find((s) => s.name.startsWith('Switchyard-TicketTriageStateMachine'));
    const starter = spans.find((s) => s.spanId === execution?.parentSpanId);
    expect(starter?.name).toMatch(/^Switchyard-TicketTriageStarterHandler/);
    const classify = spans.find((s) => s.name.startsWith('Switchyard-TicketTriageClassify'));
    expect(spans.find((s) => s.spanId === classify?.parentSpanId)?.name).toBe('ClassifyTicket');
    const [state, invocation] = [rows.filter({ hasText: /^ClassifyTicket/ }), rows.filter({ hasText: /^Switchyard-TicketTriageClassify/ })];
    expect((await textBoxOf(invocation.locator('.span-name'))).x).toBeGreaterThan((await textBoxOf(state.locator('.span-name'))).x);
    expect(await shownText(page)).toContain('in / ');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-trace.png'), fullPage: true });
  });
  it('shows the flows that declare flow control, as of a time a reader sees', async () => {
    const page = await open('#/flow-control');
    await page.locator('h2', { hasText: 'Keys' }).waitFor({ timeout: 15_000 });
    const report = (await (await fetch(`${runtime.url}/_switchyard/v1/flow-control`)).json()) as {
      declared: { settings: { flow: string } }[];
    };
    const flows = page.locator('ul.flows li');
    expect(await flows.locator('strong').allTextContents()).toEqual(report.declared.map((d) => d.settings.flow));
    expect(report.declared.length).toBeGreaterThan(0);
    expect((await boxesOf(flows)).every((b) => b.height > 10 && b.width > 100)).toBe(true);
    expect(await shownText(page)).toMatch(/As of \d{2}:\d{2}:\d{2}/);
  });

  it("shows a durable execution's operations, each a row with its name, status and time", async () => {
    await events.send(
      toHub(OrderPlaced, {
        orderId: 'CON-DUR',
        customerId: 'C-1',
        sku: 'SKU-1',
        quantity: 1,
        amount: 100,
        currency: 'eur',
        coordination: 'durable',
      }),
    );
    const arn = await eventually(
      async () => {
        const page = (await (await fetch(`${runtime.url}/_switchyard/v1/durable-executions?status=SUCCEEDED`)).json()) as {
          executions: { durableExecutionArn: string; name: string }[];
        };
        return page.executions[0]?.durableExecutionArn;
      },
      60_000,
      'the durable order saga succeeded',
    );
    const page = await open(`#/durable-execution/${encodeURIComponent(arn)}`);
    await page.locator('[data-testid="execution-status"]', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 10_000 });
    const operations = page.locator('tr[data-operation]');
    expect(await operations.count()).toBeGreaterThanOrEqual(3);
    expect((await boxesOf(operations)).every((b) => b.height > 10)).toBe(true);
    const names = await operations.locator('td:nth-child(2)').allTextContents();
    expect(names.every((name) => name.trim().length > 0)).toBe(true);
    expect(await operations.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')))).toEqual(names.map(() => 'SUCCEEDED'));
  });

  it("indents a durable execution's child operations under their parent, and approves its waiting callback", async () => {
    const app = durableApp();
    const durable = await LocalRuntime.start({ cdkOut: app.cdkOut, ...disposableData(), port: 0, log: () => {} });
    const lambda = new LambdaClient({ endpoint: durable.url, region, credentials, maxAttempts: 1 });
    let opened: Page | undefined;
    try {
      const { DurableExecutionArn: arn = '' } = await lambda.send(
        new InvokeCommand({
          FunctionName: 'order-flow:$LATEST',
          InvocationType: 'Event',
          DurableExecutionName: 'console-nested',
          Payload: Buffer.from(JSON.stringify({ orderId: 'CON-NEST' })),
        }),
      );
      await eventually(async () => callbackIdOf(app, 'CON-NEST'), 30_000, 'the flow waiting for its callback');
      const page = await pages.newPage();
      opened = page;
      await page.goto(`${durable.url}/#/durable-execution/${encodeURIComponent(arn)}`);
      const row = (label: string) => page.locator('tr[data-operation]').filter({ has: page.locator('td.operation', { hasText: label }) });
      const form = page.locator('form.decision');
      await form.waitFor({ timeout: 15_000 });
      // waitForCallback is a child context: its callback and the step that submits it are drawn under it, indented.
      const parent = await textBoxOf(row('approval').first().locator('td.operation'));
      const childLabels = (await shownTexts(page.locator('tr[data-operation] td.operation'))).filter((label) =>
        label.startsWith('approval/'),
      );
      expect(childLabels.length).toBeGreaterThan(0);
      for (const label of childLabels) {
        const child = await textBoxOf(row(label).first().locator('td.operation'));
        expect(child.x).toBeGreaterThan(parent.x + 16);
      }
      // The handler's own operations stay at the parent's indent.
      expect((await textBoxOf(row('reserve').first().locator('td.operation'))).x).toBeCloseTo(parent.x, 0);
      await form.getByRole('button', { name: 'Approve' }).click();
      await page.locator('[data-testid="execution-status"]', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 30_000 });
    } finally {
      // Closed before its runtime stops: a running execution's page keeps reading it.
      await opened?.close();
      lambda.destroy();
      await durable.stop();
    }
  });
});
