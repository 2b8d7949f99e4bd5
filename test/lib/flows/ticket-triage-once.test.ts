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
import { dynamoDbTask, sdkDynamoDb } from '../../../local/dynamodb/step-functions.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { startExecution, type TaskRequest } from '../../../local/states/engine/index.js';
import type { TaskEnvironment } from '../../../local/states/integrations/shared.js';
import { systemClock } from '../../../local/time/clock.js';
import { credentials, eventually, region } from '../../local/helpers.js';
import { type SwitchyardAppRuntime, startSwitchyardApp } from '../../local/switchyard-app.js';

/**
 * The triage EXPRESS flow started more than once for one ticket, as its starter does when it
 * did not hear back and as AWS may (Express runs at least once), on the app's local runtime:
 * TicketRouted goes out once, through the routing table's outbox, however the runs
 * interleave, and is never lost to a run that died after its write.
 */
let runtime: LocalRuntime;
let busLines: string[];
let sfn: SFNClient;
let dynamodb: DynamoDBClient;
let triageArn: string;
let routingsTable: string;

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
  routingsTable = only(
    TableNames.filter((name) => name.includes('TicketTriageRoutings')),
    'routings table',
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

async function routingOf(ticketId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: routingsTable, Key: marshall({ id: `TicketRouted#${ticketId}` }), ConsistentRead: true }),
  );
  return Item === undefined ? undefined : unmarshall(Item);
}

/** The item a run leaves when it dies right after its write, before answering. */
async function writtenByADeadRun(ticketId: string): Promise<void> {
  const routing = { ticketId, queue: 'billing', decidedBy: 'model', confidence: 0.93, model: 'dead-run' };
  const detail = { ...routing, metadata: { correlationId: `corr-${ticketId}`, causationId: `evt-${ticketId}` } };
  await dynamodb.send(
    new PutItemCommand({
      TableName: routingsTable,
      Item: marshall({
        id: `TicketRouted#${ticketId}`,
        announcement: { source: 'switchyard.triage', detailType: 'TicketRouted', detail: JSON.stringify(detail) },
        announced: JSON.stringify(routing),
      }),
    }),
  );
}

describe('TicketTriage run more than once for one ticket', () => {
  it('sends TicketRouted once for two starts one after the other, and answers the second with the first run’s output', async () => {
    const first = await start('ONCE-1');
    expect(first.status).toBe('SUCCEEDED');
    const second = await start('ONCE-1');
    expect(second).toMatchObject({ status: 'SUCCEEDED', output: first.output });
    expect(JSON.parse(first.output ?? '{}')).toEqual({
      ticketId: 'ONCE-1',
      queue: 'billing',
      decidedBy: 'model',
      confidence: expect.any(Number),
      model: expect.any(String),
    });
    await eventually(async () => routedAbout('ONCE-1')[0], 10_000, 'TicketRouted for ONCE-1');
    await settle();
    expect(routedAbout('ONCE-1')).toHaveLength(1);
    expect(await routingOf('ONCE-1')).toMatchObject({ announcement: { source: 'switchyard.triage', detailType: 'TicketRouted' } });
  });

  it('sends TicketRouted once for two concurrent starts, both succeeding with the same output', async () => {
    const runs = await Promise.all([start('ONCE-2'), start('ONCE-2')]);
    expect(runs.map((run) => run.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(runs[1]?.output).toBe(runs[0]?.output);
    await eventually(async () => routedAbout('ONCE-2')[0], 10_000, 'TicketRouted for ONCE-2');
    await settle();
    expect(routedAbout('ONCE-2')).toHaveLength(1);
  });

  it('sends the TicketRouted of a run that died right after its write, and answers a later run with that run’s output', async () => {
    await writtenByADeadRun('ONCE-3');
    await eventually(async () => routedAbout('ONCE-3')[0], 10_000, 'TicketRouted for ONCE-3');
    const run = await start('ONCE-3');
    expect(run.status).toBe('SUCCEEDED');
    expect(JSON.parse(run.output ?? '{}')).toMatchObject({ ticketId: 'ONCE-3', model: 'dead-run' });
    await settle();
    expect(routedAbout('ONCE-3')).toHaveLength(1);
  });
});

/**
 * Two runs whose steps interleave as a busy machine may order them, which two starts on the
 * local runtime do not reliably do: the triage definition the runtime runs, on the local ASL
 * engine, its DynamoDB tasks against the runtime's table (whose outbox is live), the model
 * stubbed, and run A held between its classification and its write until run B has ended.
 */
describe('TicketTriage runs interleaved on one ticket', () => {
  async function interleaved(ticketId: string) {
    const { definition = '' } = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: triageArn }));
    const tables = sdkDynamoDb({ endpoint: runtime.url, region, credentials });
    const env = { clock: systemClock, durable: () => false } as unknown as TaskEnvironment;
    const other: string[] = [];
    let releaseA = () => {};
    const aMayWrite = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const runner = (run: string) => ({
      run: async (request: TaskRequest) => {
        const integration = request.resource.replace('arn:aws:states:::', '');
        if (integration.startsWith('lambda:invoke'))
          return { Payload: { queue: 'billing', confidence: 0.93, model: `stub-${run}` }, StatusCode: 200 };
        if (integration.startsWith('dynamodb:')) {
          if (run === 'A' && integration === 'dynamodb:putItem') await aMayWrite;
          return dynamoDbTask(env, tables, integration.slice('dynamodb:'.length), request.input as Record<string, unknown>, request);
        }
        other.push(`${run} ${integration}`);
        return {};
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
      const b = await execute('B');
      releaseA();
      const first = await a;
      const later = await execute('C');
      return { a: first, b, later, other };
    } finally {
      releaseA();
      tables.destroy();
    }
  }

  it('answers a run whose write comes second with the first write’s output, and sends TicketRouted once', async () => {
    const { a, b, later, other } = await interleaved('ONCE-5');
    expect(b.status).toBe('SUCCEEDED');
    expect(JSON.parse(String(b.output))).toMatchObject({ ticketId: 'ONCE-5', queue: 'billing', model: 'stub-B' });
    expect(a).toMatchObject({ status: 'SUCCEEDED', output: b.output });
    expect(later).toMatchObject({ status: 'SUCCEEDED', output: b.output });
    expect(other).toEqual([]);
    await eventually(async () => routedAbout('ONCE-5')[0], 10_000, 'TicketRouted for ONCE-5');
    await settle();
    expect(routedAbout('ONCE-5')).toHaveLength(1);
    expect(routedAbout('ONCE-5')[0]).toContain('stub-B');
  });
});
