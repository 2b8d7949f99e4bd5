import { DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStateMachineCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartSyncExecutionCommand,
  type StartSyncExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_NAMES } from '../../../domain/index.js';
import { retryAfterMsOf } from '../../../lambdas/workflow-starter/start-workflow.js';
import { systemClock } from '../../../local/clock.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { startExecution, type TaskRequest } from '../../../local/states/engine/index.js';
import { dynamoDbTask, sdkDynamoDb } from '../../../local/states/integrations/dynamodb.js';
import type { TaskEnvironment } from '../../../local/states/integrations/shared.js';
import { credentials, eventually, region } from '../../local/helpers.js';
import { type SwitchyardAppRuntime, startSwitchyardApp } from '../../local/switchyard-app.js';

/**
 * The triage EXPRESS flow started more than once for one ticket, as its starter does when it
 * did not hear back and as AWS may (Express runs at least once), on the app's local runtime:
 * TicketRouted goes out once, however the runs interleave, and is never lost to a run that
 * died between its claim and its send.
 */
let runtime: LocalRuntime;
let busLines: string[];
let sfn: SFNClient;
let dynamodb: DynamoDBClient;
let triageArn: string;
let claimsTable: string;

beforeAll(async () => {
  let config: SwitchyardAppRuntime['config'];
  ({ runtime, busLines, config } = await startSwitchyardApp());
  // StartSyncExecution's sync- host prefix has no host to go to on a local endpoint.
  sfn = new SFNClient({ ...config, disableHostPrefix: true });
  dynamodb = new DynamoDBClient(config);
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  triageArn = only(
    stateMachines.filter((m) => m.type === 'EXPRESS' && m.name?.includes('TicketTriage')).map((m) => m.stateMachineArn),
    'EXPRESS TicketTriage machine',
  );
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  claimsTable = only(
    TableNames.filter((name) => name.includes('Idempotency')),
    'idempotency table',
  );
}, 180_000);
afterAll(async () => {
  await runtime?.stop();
});

function only(values: (string | undefined)[], what: string): string {
  if (values.length !== 1 || values[0] === undefined) throw new Error(`expected one ${what}, found ${values.join(', ') || 'none'}`);
  return values[0];
}

/** The starter's input for a TicketCreated the local model routes to billing with confidence. */
function input(ticketId: string): string {
  return JSON.stringify({
    detail: {
      ticketId,
      customerId: 'C-1',
      subject: 'Charged twice this month',
      body: 'My card was charged twice for the same invoice, please refund one.',
    },
    event: { id: `evt-${ticketId}`, source: 'switchyard.helpdesk', detailType: 'TicketCreated', time: '2026-01-01T00:00:00Z' },
    correlationId: `corr-${ticketId}`,
  });
}

/** One start, as the starter makes it: the execution is named after the ticket, every time. */
function start(ticketId: string): Promise<StartSyncExecutionCommandOutput> {
  return sfn.send(new StartSyncExecutionCommand({ stateMachineArn: triageArn, name: `TicketCreated-${ticketId}`, input: input(ticketId) }));
}

/** The TicketRouted events about `ticketId` the hub accepted. */
function routedAbout(ticketId: string): string[] {
  return busLines.filter((line) => line.includes(' TicketRouted ') && line.includes(`"ticketId":"${ticketId}"`));
}

/** Waits a moment past the last run, so a second TicketRouted would have reached the hub. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));

async function claimOf(ticketId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: claimsTable, Key: marshall({ id: `TicketRouted#${ticketId}` }), ConsistentRead: true }),
  );
  return Item === undefined ? undefined : unmarshall(Item);
}

/** A claim as a run leaves it when it dies after claiming and before marking the event sent. */
async function claimByHand(ticketId: string, leaseUntil: number): Promise<void> {
  await dynamodb.send(
    new PutItemCommand({
      TableName: claimsTable,
      Item: marshall({ id: `TicketRouted#${ticketId}`, leaseUntil, executionName: `TicketCreated-${ticketId}` }),
    }),
  );
}

describe('TicketTriage run more than once for one ticket', () => {
  it('sends TicketRouted once for two starts one after the other, and answers the second with the first run’s output', async () => {
    const first = await start('ONCE-1');
    expect(first.status).toBe('SUCCEEDED');
    const second = await start('ONCE-1');
    expect(second).toMatchObject({ status: 'SUCCEEDED', output: first.output });
    expect(JSON.parse(first.output ?? '{}')).toMatchObject({
      ticketId: 'ONCE-1',
      queue: 'billing',
      decidedBy: 'model',
      eventId: expect.any(String),
    });
    await eventually(async () => routedAbout('ONCE-1')[0], 10_000, 'TicketRouted for ONCE-1');
    await settle();
    expect(routedAbout('ONCE-1')).toHaveLength(1);
    expect(await claimOf('ONCE-1')).toMatchObject({ emitted: true, executionName: 'TicketCreated-ONCE-1' });
    expect(await claimOf('ONCE-1')).not.toHaveProperty('leaseUntil');
  });

  it('sends TicketRouted once for two concurrent starts, each run succeeding or failing as EffectInProgress', async () => {
    const runs = await Promise.all([start('ONCE-2'), start('ONCE-2')]);
    for (const run of runs) {
      if (run.status !== 'SUCCEEDED') expect(run).toMatchObject({ status: 'FAILED', error: ERROR_NAMES.effectInProgress });
    }
    expect(runs.filter((run) => run.status === 'SUCCEEDED').length).toBeGreaterThanOrEqual(1);
    // The starter's retry of the held-back record, once the claim is marked: the same answer.
    const succeeded = runs.find((run) => run.status === 'SUCCEEDED');
    expect(await start('ONCE-2')).toMatchObject({ status: 'SUCCEEDED', output: succeeded?.output });
    await eventually(async () => routedAbout('ONCE-2')[0], 10_000, 'TicketRouted for ONCE-2');
    await settle();
    expect(routedAbout('ONCE-2')).toHaveLength(1);
  });

  it('sends TicketRouted when the run holding the claim died before sending it (its lease lapsed)', async () => {
    await claimByHand('ONCE-3', Date.now() - 1_000);
    const run = await start('ONCE-3');
    expect(run.status).toBe('SUCCEEDED');
    await eventually(async () => routedAbout('ONCE-3')[0], 10_000, 'TicketRouted for ONCE-3');
    expect(await start('ONCE-3')).toMatchObject({ status: 'SUCCEEDED', output: run.output });
    await settle();
    expect(routedAbout('ONCE-3')).toHaveLength(1);
  });

  it('fails as EffectInProgress, saying when the claim lapses, while another run’s lease has not lapsed, and sends nothing', async () => {
    const leaseUntil = Date.now() + 60_000;
    await claimByHand('ONCE-4', leaseUntil);
    const run = await start('ONCE-4');
    expect(run).toMatchObject({ status: 'FAILED', error: ERROR_NAMES.effectInProgress });
    // What the starter turns into a hold-back until the lease lapses.
    expect(JSON.parse(run.cause ?? '{}')).toMatchObject({ leaseUntil, message: expect.stringContaining('TicketCreated-ONCE-4') });
    expect(retryAfterMsOf(run.cause, leaseUntil - 5_000)).toBe(5_000);
    await settle();
    expect(routedAbout('ONCE-4')).toEqual([]);
    expect(await claimOf('ONCE-4')).toMatchObject({ leaseUntil });
  });
});

/**
 * Two runs whose steps interleave as a busy machine may order them, which two starts on the
 * local runtime do not reliably do (each run's few milliseconds between its claim and its
 * mark rarely overlap): the triage definition the runtime runs, on the local ASL engine, its
 * DynamoDB tasks against the runtime's table, the model and PutEvents stubbed, and run A
 * held between its claim and its send until run B has ended.
 */
describe('TicketTriage runs interleaved on one ticket', () => {
  async function interleaved(ticketId: string) {
    const { definition = '' } = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: triageArn }));
    const tables = sdkDynamoDb({ endpoint: runtime.url, region, credentials });
    const env = { clock: systemClock, durable: () => false } as unknown as TaskEnvironment;
    const sent: string[] = [];
    let releaseA = () => {};
    const aMaySend = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const runner = (run: string) => ({
      run: async (request: TaskRequest) => {
        const integration = request.resource.replace('arn:aws:states:::', '');
        if (integration.startsWith('lambda:invoke'))
          return { Payload: { queue: 'billing', confidence: 0.93, model: 'stub' }, StatusCode: 200 };
        if (integration.startsWith('dynamodb:')) {
          return dynamoDbTask(env, tables, integration.slice('dynamodb:'.length), request.input as Record<string, unknown>, request);
        }
        if (run === 'A') await aMaySend;
        sent.push(run);
        return { Entries: [{ EventId: `event-${run}` }], FailedEntryCount: 0 };
      },
    });
    const execute = (run: string) =>
      startExecution({
        definition,
        input: input(ticketId),
        name: `TicketCreated-${ticketId}`,
        executionArn: `arn:aws:states:${region}:000000000000:express:triage:TicketCreated-${ticketId}:${run}`,
        stateMachineArn: triageArn,
        stateMachineName: 'triage',
        taskRunner: runner(run),
      }).result;
    try {
      const a = execute('A');
      await eventually(async () => (await claimOf(ticketId))?.leaseUntil, 10_000, 'run A’s claim');
      const b = await execute('B');
      releaseA();
      const first = await a;
      const later = await execute('C');
      return { a: first, b, later, sent };
    } finally {
      releaseA();
      tables.destroy();
    }
  }

  it('lets the second run neither send nor succeed while the first holds the claim, and answers a later one with the first’s output', async () => {
    const { a, b, later, sent } = await interleaved('ONCE-5');
    expect(b).toMatchObject({ status: 'FAILED', error: ERROR_NAMES.effectInProgress });
    expect(a.status).toBe('SUCCEEDED');
    expect(JSON.parse(String(a.output))).toMatchObject({ ticketId: 'ONCE-5', queue: 'billing', eventId: 'event-A' });
    expect(later).toMatchObject({ status: 'SUCCEEDED', output: a.output });
    expect(sent).toEqual(['A']);
  });
});
