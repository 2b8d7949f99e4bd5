import { DeleteItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import type { LineageNode } from '../../clients/read-api-contract.js';
import { executionNameFor, idempotencyKeyOf, ResearchRequested } from '../../domain/index.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { AdvanceableClock } from '../../local/time/clock.js';
import { eventually } from './helpers.js';
import { invocationEnded, useSwitchyardApp } from './switchyard-app.js';

let busLines: string[];
/** Every line the runtime printed. */
let lines: string[];
let runtime: LocalRuntime;
let events: EventBridgeClient;
let sfn: SFNClient;
let dynamodb: DynamoDBClient;
let machineArn: string;

/**
 * Step Functions' clock: a model call's retry backoff (from 1 s, and from 5 s for a full token
 * window) is skipped by moving it on rather than waited out (`ended`); other services keep real time.
 */
const clock = new AdvanceableClock();
/** Longer than the retries' first delays these tests meet, shorter than a model call's 30 s attempt timeout (not to be skipped). */
const SKIPPED_WAIT_MS = 15_000;

let tableNamed: (part: string) => Promise<string>;

useSwitchyardApp(
  (app) => {
    ({ runtime, busLines, lines, events, sfn, dynamodb, tableNamed } = app);
    machineArn = app.stateMachineArn('ResearchAgents');
  },
  undefined,
  { statesClock: clock },
);

const TOPICS = ['insulation', 'radiator sizing', 'running costs'];

function requested(requestId: string, extra: Record<string, unknown> = {}) {
  const detail = { requestId, question: 'Which heat pumps suit old houses?', topics: TOPICS, ...extra };
  return new PutEventsCommand({
    Entries: [
      {
        EventBusName: 'Switchyard-hub',
        Source: ResearchRequested.source,
        DetailType: ResearchRequested.detailType,
        Detail: JSON.stringify(detail),
      },
    ],
  });
}

/** The request's model calls in the ledger (read consistently), unmarshalled. */
async function ledgerItems(requestId: string) {
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: await tableNamed('ResearchAgentsLedger'),
      KeyConditionExpression: 'requestId = :r',
      ExpressionAttributeValues: { ':r': { S: requestId } },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => unmarshall(item));
}

/** The request's model calls in the ledger, as `<subTask>#<attempt> <model> <outcome>` (` xN` if called N times), sorted. */
async function ledger(requestId: string): Promise<string[]> {
  return (await ledgerItems(requestId))
    .map((item) => `${item.call} ${item.model} ${item.outcome}${item.calls === 1 ? '' : ` x${item.calls}`}`)
    .sort();
}

/** The tokens the models reported for the request's calls, by model. */
async function ledgerTokens(requestId: string): Promise<{ Fast: number; Large: number }> {
  const used = { Fast: 0, Large: 0 };
  for (const item of await ledgerItems(requestId)) used[item.model as 'Fast' | 'Large'] += item.tokens;
  return used;
}

/** The request's executions, found by their input (not by the name the starter derives, so a second name counts too). */
async function executionsOf(requestId: string) {
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn }));
  const described = await Promise.all(executions.map((e) => sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }))));
  return described.filter((e) => e.input?.includes(`"requestId":"${requestId}"`));
}

/** The request's execution once ended; whenever it waits out a retry's backoff, the clock moves on to its end. */
async function ended(requestId: string, timeoutMs = 60_000) {
  return eventually(
    async () => {
      clock.advanceToNextWake(SKIPPED_WAIT_MS);
      const [execution] = await executionsOf(requestId);
      return execution && execution.status !== 'RUNNING' ? execution : undefined;
    },
    timeoutMs,
    `the research flow of ${requestId} to end`,
  );
}

function published(detailType: string, requestId: string): Record<string, unknown>[] {
  return busLines
    .filter((l) => l.includes(` ${detailType} `) && l.includes(`"requestId":"${requestId}"`))
    .map((l) => JSON.parse(l.slice(l.indexOf(`${detailType} `) + detailType.length + 1)));
}

async function publishedOnce(detailType: string, requestId: string): Promise<Record<string, unknown>> {
  const [event] = await eventually(
    async () => (published(detailType, requestId).length > 0 ? published(detailType, requestId) : undefined),
    10_000,
    `${detailType} for ${requestId}`,
  );
  return event as Record<string, unknown>;
}

describe('the research agents on the local runtime', () => {
  it('calls a model once per sub-task, routed by type, and publishes the reducer report', async () => {
    await events.send(requested('R-OK'));
    const execution = await ended('R-OK');
    expect(execution.status).toBe('SUCCEEDED');
    expect(await ledger('R-OK')).toEqual(['summary#1 Large ok', 't1#1 Fast ok', 't2#1 Fast ok', 't3#1 Fast ok']);
    const output = JSON.parse(execution.output ?? '{}');
    expect(output.status).toBe('COMPLETED');
    expect(output.results.report).toMatchObject({ requestId: 'R-OK', subTasks: 4, failedSubTasks: 0 });
    // The answers of the local Bedrock (simulated): each sub-task's line holds its model's text.
    expect(output.results.report.report).toMatch(/\n- t2 \[Fast\]: \S.*/);
    expect(output.results.report.report).toMatch(/\n- summary \[Large\]: \S.*/);
    expect(await publishedOnce('ResearchCompleted', 'R-OK')).toMatchObject({ requestId: 'R-OK', subTasks: 4, failedSubTasks: 0 });
    expect(published('ResearchStopped', 'R-OK')).toEqual([]);

    // Each call reserved its estimate and settled to the tokens the model reported: in the
    // execution's budget exactly, and in its model's day window (which other requests share).
    const used = await ledgerTokens('R-OK');
    const { Item: budget } = await dynamodb.send(
      new GetItemCommand({
        TableName: await tableNamed('GraphBudget'),
        Key: { budgetKey: { S: execution.executionArn ?? '' } },
        ConsistentRead: true,
      }),
    );
    expect(unmarshall(budget ?? {})).toMatchObject({ calls: 4, tokens: used.Fast + used.Large, maxTokens: 20_000, maxModelCalls: 20 });
    const { Item: fastTokens } = await dynamodb.send(
      new GetItemCommand({
        TableName: await tableNamed('GraphFlowControl'),
        Key: { pk: { S: 'tokens#model#amazon.nova-micro-v1:0' } },
        ConsistentRead: true,
      }),
    );
    // The model's tokens of the last 24 hours, by hour.
    const hours = Object.values((unmarshall(fastTokens ?? {}).hours ?? {}) as Record<string, number>);
    expect(hours.reduce((sum, tokens) => sum + tokens, 0)).toBeGreaterThanOrEqual(used.Fast);

    // Every model call is a Task of its own in the history, its input and its tokens readable.
    const { events: history = [] } = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: execution.executionArn, maxResults: 1000 }),
    );
    const calls = history.filter((e) => e.type === 'TaskSucceeded' && e.taskSucceededEventDetails?.output?.includes('"tokens"'));
    expect(calls).toHaveLength(4);
    const scheduled = history.filter((e) => e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.parameters?.includes('"modelId"'));
    expect(scheduled.map((e) => JSON.parse(e.taskScheduledEventDetails?.parameters ?? '{}').Payload.item.id).sort()).toEqual([
      'summary',
      't1',
      't2',
      't3',
    ]);

    // Each call to the local Bedrock hangs under the invocation that made it in the request's
    // lineage (what switchyard trace shows), with its model and the tokens it reported.
    const lineage = await runtime.readApi.lineage('R-OK');
    const modelCalls: LineageNode[] = [];
    const visit = (node: LineageNode) => {
      if (node.kind === 'model-call') modelCalls.push(node);
      node.children.forEach(visit);
    };
    lineage.roots.forEach(visit);
    expect(modelCalls.map((c) => c.attributes?.model).sort()).toEqual([
      'amazon.nova-micro-v1:0',
      'amazon.nova-micro-v1:0',
      'amazon.nova-micro-v1:0',
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
    ]);
    for (const call of modelCalls) expect(Number(call.attributes?.outputTokens)).toBeGreaterThan(0);
  }, 90_000);

  it('retries a transient model failure: the failed call and its retry are both in the ledger', async () => {
    await events.send(requested('R-FLAKY', { simulate: [{ subTask: 't2', failure: 'transient', times: 2 }] }));
    expect((await ended('R-FLAKY')).status).toBe('SUCCEEDED');
    expect(await ledger('R-FLAKY')).toEqual([
      'summary#1 Large ok',
      't1#1 Fast ok',
      't2#1 Fast ModelUnavailable',
      't2#2 Fast ModelUnavailable',
      't2#3 Fast ok',
      't3#1 Fast ok',
    ]);
    expect(await publishedOnce('ResearchCompleted', 'R-FLAKY')).toMatchObject({ failedSubTasks: 0 });
  }, 90_000);

  it('stops the flow cleanly when the budget is spent: no call past it, FAILED BudgetExhausted and ResearchStopped', async () => {
    await events.send(requested('R-BUDGET', { topics: ['a', 'b', 'c', 'd', 'e'], maxModelCalls: 3 }));
    const execution = await ended('R-BUDGET');
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('BudgetExhausted');
    // The cause is the handler's message, not the Lambda error's JSON with its stack trace.
    expect(execution.cause).toBe(`the budget of 3 model calls is spent (${execution.executionArn})`);
    expect(await ledger('R-BUDGET')).toHaveLength(3);
    const { Item } = await dynamodb.send(
      new GetItemCommand({
        TableName: await tableNamed('GraphBudget'),
        Key: { budgetKey: { S: execution.executionArn ?? '' } },
        ConsistentRead: true,
      }),
    );
    expect(unmarshall(Item ?? {})).toMatchObject({ calls: 3, maxModelCalls: 3 });
    expect(await publishedOnce('ResearchStopped', 'R-BUDGET')).toMatchObject({
      requestId: 'R-BUDGET',
      reason: 'BudgetExhausted',
      cause: execution.cause,
    });
    expect(published('ResearchCompleted', 'R-BUDGET')).toEqual([]);
  }, 90_000);

  it('completes with failed sub-tasks within the tolerated percentage, and stops above it', async () => {
    // 1 of 4 failed is 25%, tolerated; 2 of 4 is not. A permanent failure is not retried.
    await events.send(requested('R-PARTIAL', { simulate: [{ subTask: 't1', failure: 'permanent' }] }));
    await events.send(
      requested('R-BROKEN', {
        simulate: [
          { subTask: 't1', failure: 'permanent' },
          { subTask: 'summary', failure: 'permanent' },
        ],
      }),
    );
    const partial = await ended('R-PARTIAL');
    expect(partial.status).toBe('SUCCEEDED');
    expect(await ledger('R-PARTIAL')).toEqual(['summary#1 Large ok', 't1#1 Fast ModelRejected', 't2#1 Fast ok', 't3#1 Fast ok']);
    expect(JSON.parse(partial.output ?? '{}').results.report.report).toContain('t1: (missing: ModelRejected)');
    expect(await publishedOnce('ResearchCompleted', 'R-PARTIAL')).toMatchObject({ subTasks: 4, failedSubTasks: 1 });

    const broken = await ended('R-BROKEN');
    expect(broken.status).toBe('FAILED');
    expect(broken.error).toBe('TooManyFailures');
    expect(broken.cause).toBe(
      'research: 2 of 4 items failed (tolerated: 25%); first: ModelRejected (amazon.nova-micro-v1:0 refused sub-task t1 (simulated, attempt 1))',
    );
    expect(await publishedOnce('ResearchStopped', 'R-BROKEN')).toMatchObject({ reason: 'TooManyFailures' });
    expect(published('ResearchCompleted', 'R-BROKEN')).toEqual([]);
  }, 90_000);

  it('starts no second execution and makes no second call for a duplicate ResearchRequested', async () => {
    await events.send(requested('R-DUP'));
    expect((await ended('R-DUP')).status).toBe('SUCCEEDED');
    const sent = lines.length;
    await events.send(requested('R-DUP'));
    // Until the duplicate has crossed the bus and the queue, and the flow's starter has handled it.
    await invocationEnded(lines, 'Switchyard-ResearchAgentsGraphWorkflowStarter', sent);
    const executions = await executionsOf('R-DUP');
    expect(executions).toHaveLength(1);
    expect(executions[0]?.name).toBe(
      executionNameFor(ResearchRequested, idempotencyKeyOf(ResearchRequested, { id: 'unused', detail: { requestId: 'R-DUP' } })),
    );
    expect(await ledger('R-DUP')).toEqual(['summary#1 Large ok', 't1#1 Fast ok', 't2#1 Fast ok', 't3#1 Fast ok']);
    expect(published('ResearchCompleted', 'R-DUP')).toHaveLength(1);
  }, 90_000);

  it("waits for the next window when a model's tokens per minute are used up, then calls it: the flow does not fail", async () => {
    // Fill the Large model's minute (8,000 tokens) with a call of now: it stays in the
    // window for a minute, longer than the test waits for the refusal.
    const table = await tableNamed('GraphFlowControl');
    const pk = { S: 'tokens#model#us.anthropic.claude-sonnet-4-5-20250929-v1:0' };
    await dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk,
          version: { N: '1' },
          log: { L: [{ M: { id: { S: 'filler' }, at: { N: String(Date.now()) }, tokens: { N: '7990' } } }] },
        },
      }),
    );
    await events.send(requested('R-WAIT'));
    const [running] = await eventually(
      async () => {
        const found = await executionsOf('R-WAIT');
        return found.length > 0 ? found : undefined;
      },
      20_000,
      'the R-WAIT execution',
    );
    await eventually(
      async () => {
        const { events: history = [] } = await sfn.send(
          new GetExecutionHistoryCommand({ executionArn: running?.executionArn, maxResults: 1000 }),
        );
        return history.some((e) => e.type === 'TaskFailed' && e.taskFailedEventDetails?.error === 'TokenLimitReached') || undefined;
      },
      30_000,
      'the summary call to meet the full window',
    );
    expect((await executionsOf('R-WAIT'))[0]?.status).toBe('RUNNING');
    // The window passes (as the filler leaving the minute would bring): the retried call fits.
    await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { pk } }));
    const execution = await ended('R-WAIT', 90_000);
    expect(execution.status).toBe('SUCCEEDED');
    const calls = await ledger('R-WAIT');
    expect(calls.filter((c) => c.startsWith('t'))).toEqual(['t1#1 Fast ok', 't2#1 Fast ok', 't3#1 Fast ok']);
    // Attempts refused by the window are not model calls: the ledger has one call, made on a later attempt.
    expect(calls.filter((c) => c.startsWith('summary'))).toEqual([expect.stringMatching(/^summary#([2-9]|\d\d) Large ok$/)]);
  }, 150_000);
});
