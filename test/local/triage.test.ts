import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime.js';
import { synthSwitchyardApp } from '../helpers/synth.js';
import { credentials, eventually, region, tempDataDir } from './helpers.js';

/** The events the hub accepted, as the runtime's console prints them. */
const busLines: string[] = [];
let runtime: LocalRuntime;
let events: EventBridgeClient;
let sfn: SFNClient;

beforeAll(async () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-app-'));
  synthSwitchyardApp(outdir);
  runtime = await LocalRuntime.start({
    cdkOut: outdir,
    dataDir: tempDataDir(),
    port: 0,
    log: (line) => {
      if (line.startsWith('[events] Switchyard-hub <-')) busLines.push(line);
    },
  });
  const config = { endpoint: runtime.url, region, credentials };
  events = new EventBridgeClient(config);
  sfn = new SFNClient(config);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

function ticketCreated(ticketId: string, subject: string, body: string) {
  return new PutEventsCommand({
    Entries: [
      {
        EventBusName: 'Switchyard-hub',
        Source: 'switchyard.helpdesk',
        DetailType: 'TicketCreated',
        Detail: JSON.stringify({ ticketId, customerId: 'C-1', subject, body }),
      },
    ],
  });
}

/** The detail of the first event of `detailType` about `ticketId` the hub accepted. */
function published(detailType: string, ticketId: string): Record<string, unknown> | undefined {
  const line = busLines.find((l) => l.includes(` ${detailType} `) && l.includes(`"ticketId":"${ticketId}"`));
  return line === undefined ? undefined : JSON.parse(line.slice(line.indexOf(`${detailType} `) + detailType.length + 1));
}

describe('the triage flow on the local runtime', () => {
  it('routes a confidently classified ticket with TicketRouted decided by the model', async () => {
    await events.send(
      ticketCreated('TRI-1', 'Charged twice this month', 'My card was charged twice for the same invoice, please refund one.'),
    );
    const routed = await eventually(async () => published('TicketRouted', 'TRI-1'), 30_000, 'TicketRouted');
    expect(routed).toMatchObject({ ticketId: 'TRI-1', queue: 'billing', decidedBy: 'model' });
    expect(published('TicketEscalated', 'TRI-1')).toBeUndefined();
  });

  it('escalates an unclear ticket, waits on its task token, and routes it when a person approves', async () => {
    await events.send(ticketCreated('TRI-2', 'hello', 'asdf qwerty'));
    const escalated = await eventually(async () => published('TicketEscalated', 'TRI-2'), 30_000, 'TicketEscalated');
    expect(escalated).toMatchObject({ ticketId: 'TRI-2', taskToken: expect.any(String) });

    // The waiting execution is visible through the API, and its history carries the token too.
    const escalationArn = runtime.definitions.stateMachines.find((m) => m.type === 'STANDARD')?.arn;
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: escalationArn, statusFilter: 'RUNNING' }));
    expect(executions).toHaveLength(1);
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: executions[0]?.executionArn }));
    expect(history.events?.some((e) => e.type === 'TaskScheduled')).toBe(true);

    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: String(escalated.taskToken),
        output: JSON.stringify({ decision: 'approve', queue: 'account', reviewer: 'sam' }),
      }),
    );
    const routed = await eventually(async () => published('TicketRouted', 'TRI-2'), 30_000, 'TicketRouted after approval');
    expect(routed).toMatchObject({ ticketId: 'TRI-2', queue: 'account', decidedBy: 'human', reviewer: 'sam' });
  });

  it('triages a ticket delivered twice once', async () => {
    const outcomes = () => busLines.filter((l) => /TicketRouted|TicketEscalated/.test(l) && l.includes('"ticketId":"TRI-3"'));
    await events.send(ticketCreated('TRI-3', 'Refund', 'I was charged twice, refund please'));
    await eventually(async () => (outcomes().length > 0 ? true : undefined), 30_000, 'the first triage');
    // The helpdesk retries its webhook: a second event with a new id for the same ticket.
    await events.send(ticketCreated('TRI-3', 'Refund', 'I was charged twice, refund please'));
    await runtime.events.idle();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(outcomes()).toHaveLength(1);
  });
});
