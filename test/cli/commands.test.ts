import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetExecutionHistoryCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { executionNameFor } from '../../contracts/identity.js';
import { CONTRACTS, TicketCreated } from '../../domain/index.js';
import { credentials, eventually, executionEnded, region } from '../local/helpers.js';
import { useApp } from './app-fixture.js';
import { runCli } from './run-cli.js';

const app = useApp();

const ticket = (ticketId: string, subject = 'hello', body = 'asdf qwerty') =>
  JSON.stringify({ ticketId, customerId: 'C-1', subject, body });

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('switchyard send', () => {
  it('validates the detail, puts the event on the app bus and prints its id', async () => {
    const result = await runCli(['send', 'TicketCreated', '--detail', ticket('CLI-1'), ...app.target], { process: true });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends --count events in batches, numbering each {n}, and gives the ids as JSON', async () => {
    const detailFile = path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-detail-')), 'detail.json');
    writeFileSync(detailFile, ticket('BULK-{n}', 'Charged twice', 'My card was charged twice, please refund one.'));
    const result = await runCli(['send', 'TicketCreated', '--detail', `@${detailFile}`, '--count', '25', '--json', ...app.target]);
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout);
    expect(answer).toMatchObject({ bus: 'Switchyard-hub', sent: 25, failed: 0 });
    expect(new Set(answer.eventIds).size).toBe(25);
  });

  it('reports progress on stderr when sending many events', async () => {
    // The default bus has no rule for tickets: the events are accepted and go nowhere.
    const result = await runCli([
      'send',
      'TicketCreated',
      '--detail',
      ticket('LOAD-{n}'),
      '--count',
      '150',
      '--bus',
      'default',
      ...app.target,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(150);
    expect(result.stderr.trim().split('\n')).toEqual(['sent 100/150', 'sent 150/150']);
  });

  it('fails if the detail-type is not a contract of the app, naming the known ones', async () => {
    const result = await runCli(['send', 'TicketDeleted', '--detail', '{}', ...app.target], { process: true });
    expect(result.code).toBe(2);
    const known = CONTRACTS.map((c) => c.detailType).join(', ');
    expect(result.stderr.trim()).toBe(`switchyard send: unknown detail-type "TicketDeleted": the app's contracts are ${known}`);
  });

  it('fails if the detail breaks the contract, naming the field, and sends nothing', async () => {
    const result = await runCli([
      'send',
      'TicketCreated',
      '--detail',
      JSON.stringify({ ticketId: 'BAD-1', subject: 5, body: 'x' }),
      ...app.target,
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('detail.customerId: is required');
    expect(result.stderr).toContain('detail.subject: must be string');
  });

  it('fails if the detail is not JSON', async () => {
    const result = await runCli(['send', 'TicketCreated', '--detail', '{ticketId:', ...app.target]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^switchyard send: --detail is not valid JSON: /);
  });

  it('fails if the bus does not exist, before sending anything (PutEvents would accept and drop the events, as AWS does)', async () => {
    const result = await runCli([
      'send',
      'TicketCreated',
      '--detail',
      ticket('CLI-2'),
      '--count',
      '2',
      '--bus',
      'no-such-bus',
      ...app.target,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    // What would be right: the app's buses, by the names --bus takes.
    expect(result.stderr.trim()).toMatch(
      /^switchyard send: no event bus no-such-bus: PutEvents would accept the events and drop them, as AWS does \(aws events list-event-buses lists the buses; the app's buses: [^)]+\)$/,
    );
  });

  it('fails if no local runtime is listening, saying how to start one', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(['send', 'TicketCreated', '--detail', ticket('CLI-3'), '--endpoint', url, '--cdk-out', app.cdkOut]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toContain(`switchyard send: no local runtime at ${url}: start one with \`npx switchyard dev\``);
  });
});

describe('switchyard executions and execution', () => {
  it('lists the escalation a ticket started and shows it state by state', async () => {
    await runCli(['send', 'TicketCreated', '--detail', ticket('ESC-1'), ...app.target]);
    // ESC-1's escalation, by the name its event gives it: earlier tests' unclear tickets escalate too.
    const escalation = executionNameFor(TicketCreated, 'TicketCreated#ticketId="ESC-1"');
    const listed = await eventually(
      async () => {
        const result = await runCli(['executions', '--flow', 'TicketTriageEscalation', '--status', 'running', '--json', ...app.target]);
        const rows = (JSON.parse(result.stdout) as { name: string; status: string; flow: string }[]).filter(
          (row) => row.name === escalation,
        );
        return rows.length > 0 ? rows : undefined;
      },
      60_000,
      'the escalation execution',
    );
    expect(listed[0]).toMatchObject({ flow: 'TicketTriageEscalation', status: 'RUNNING' });

    // The triage (Express) execution that escalated is listed from its log group, under the same name, once
    // its end is logged: it starts the escalation before it ends, so the escalation can be listed first.
    // The 25 tickets sent before may still be in triage and newer than it: --limit past the default 20.
    // Triage logs without execution data: its input, and so its key, are not recorded ("-").
    const triageRow = new RegExp(`^TicketTriage +- +SUCCEEDED .* ${listed[0]?.name}$`, 'm');
    const table = await eventually(
      async () => {
        const result = await runCli(['executions', '--limit', '100', ...app.target], { process: true });
        return triageRow.test(result.stdout) ? result : undefined;
      },
      30_000,
      'the triage execution logged as SUCCEEDED',
    );
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^FLOW\s+KEY\s+STATUS\s+START\s+DURATION\s+NAME/);
    // The escalation's input names its ticket.
    expect(table.stdout).toMatch(new RegExp(`^TicketTriageEscalation +ticketId=ESC-1 +RUNNING .* ${listed[0]?.name}$`, 'm'));
    expect(table.stdout).toMatch(triageRow);

    const shown = await runCli(['execution', String(listed[0]?.name), '--flow', 'TicketTriageEscalation', ...app.target], {
      process: true,
    });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('RUNNING  (flow TicketTriageEscalation)');
    expect(shown.stdout).toMatch(/1\. OpenEscalation {2}\[Pass\] {2}succeeded/);
    expect(shown.stdout).toMatch(/2\. AwaitDecision {2}\[Task\] {2}running/);
    expect(shown.stdout).toContain('"ticketId":"ESC-1"');
    // By the ticket's id, as the escalation is about it: the triage that started it has its name too.
    const byId = await runCli(['execution', 'ESC-1', '--flow', 'TicketTriageEscalation', ...app.target]);
    expect(byId.stdout.split('\n')[0], byId.stderr).toBe(`${listed[0]?.name}  RUNNING  (flow TicketTriageEscalation)`);
    expect((await runCli(['execution', 'ESC-1', ...app.target])).stderr).toContain(
      'execution "ESC-1" exists in several flows or several times (TicketTriageEscalation, TicketTriage)',
    );

    const json = JSON.parse(
      (await runCli(['execution', String(listed[0]?.name), '--flow', 'TicketTriageEscalation', '--json', ...app.target])).stdout,
    );
    expect(json.states[1]).toMatchObject({ name: 'AwaitDecision', type: 'Task', status: 'running' });
    expect(json.events.length).toBeGreaterThan(2);
  }, 120_000);

  it('shows a finished execution with every state in order, its output, and where it ran', async () => {
    await runCli(['send', 'TicketCreated', '--detail', ticket('ESC-2'), ...app.target]);
    const running = await eventually(
      async () => {
        const rows = JSON.parse((await runCli(['executions', '--status', 'RUNNING', '--json', ...app.target])).stdout) as {
          executionArn: string;
          name: string;
        }[];
        for (const row of rows) {
          const json = JSON.parse((await runCli(['execution', row.executionArn, '--json', ...app.target])).stdout);
          // An Express execution whose end is not logged yet is RUNNING too, and may have no input recorded.
          if (json.execution.input?.includes('"ESC-2"')) return row;
        }
        return undefined;
      },
      60_000,
      'the escalation of ESC-2',
    );
    // The reviewer answers through the API, as the escalation's task token asks.
    const sfn = new SFNClient({ endpoint: app.runtime.url, region, credentials });
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: running.executionArn }));
    const scheduled = events.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails?.parameters ?? '{}';
    const taskToken = JSON.parse(scheduled).Entries[0].Detail.taskToken;
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ decision: 'approve', reviewer: 'sam' }) }));
    await executionEnded(sfn, running.executionArn);

    const shown = await runCli(['execution', running.name, '--flow', 'TicketTriageEscalation', ...app.target]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('SUCCEEDED  (flow TicketTriageEscalation)');
    const states = [...shown.stdout.matchAll(/^ +\d+\. (\w+) {2}\[(\w+)\] {2}(\w+)/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    expect(states).toEqual([
      'OpenEscalation Pass succeeded',
      'AwaitDecision Task succeeded',
      'CheckDecision Pass succeeded',
      'DecisionValid Choice succeeded',
      'RecordDecision Task succeeded',
      'ApplyDecision Pass succeeded',
      'RouteDecision Task succeeded',
    ]);
    expect(shown.stdout).toContain('"reviewer":"sam"');
    expect(shown.stdout).toMatch(/^output: /m);
  }, 120_000);

  it('fails if the execution does not exist, by name or by ARN', async () => {
    const byName = await runCli(['execution', 'no-such-execution', ...app.target]);
    expect(byName.code).toBe(1);
    expect(byName.stderr).toContain(
      'no execution named "no-such-execution" in the app\'s flows (TicketTriageEscalation, TicketTriage, OrderSagaWorkflow, ResearchAgentsGraphWorkflow)',
    );
    const arn = 'arn:aws:states:us-east-1:000000000000:execution:Switchyard-TicketTriageEscalationStateMachine8B4B0C06:nope';
    const byArn = await runCli(['execution', arn, ...app.target]);
    expect(byArn.code).toBe(1);
    expect(byArn.stderr.trim()).toBe(`switchyard execution: no execution ${arn}`);
  });

  it('lists the triage flow (Express) from its log group, and names the flow when a name is in several', async () => {
    await runCli([
      'send',
      'TicketCreated',
      '--detail',
      ticket('EXP-1', 'Charged twice', 'My card was charged twice, refund one'),
      ...app.target,
    ]);
    const rows = await eventually(
      async () => {
        const result = await runCli(['executions', '--flow', 'TicketTriage', '--json', ...app.target]);
        const listed = JSON.parse(result.stdout) as { name: string; status: string; executionArn: string }[];
        return listed.length > 0 ? listed : undefined;
      },
      60_000,
      'a triage execution',
    );
    expect(rows[0]?.executionArn).toMatch(/:express:/);
    const shown = await runCli(['execution', String(rows[0]?.executionArn), ...app.target]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('(flow TicketTriage)');
    expect(shown.stdout).toMatch(/1\. ClassifyTicket {2}\[Task\]/);
    expect(shown.stdout).toContain(
      '(TicketTriage logs without execution data, IncludeExecutionData false: inputs and outputs are not recorded)',
    );
  }, 120_000);

  it('fails if a name is in several flows, naming them', async () => {
    const [escalated] = JSON.parse((await runCli(['executions', '--flow', 'TicketTriageEscalation', '--json', ...app.target])).stdout) as {
      name: string;
    }[];
    const result = await runCli(['execution', String(escalated?.name), ...app.target]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('exists in several flows or several times (TicketTriageEscalation, TicketTriage): pass --flow');
  });

  it('fails if --status or --flow is not one the app has, naming the option', async () => {
    const status = await runCli(['executions', '--status', 'DONE', ...app.target]);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('--status must be one of RUNNING, SUCCEEDED');
    const flow = await runCli(['executions', '--flow', 'Billing', ...app.target]);
    expect(flow.code).toBe(2);
    expect(flow.stderr).toMatch(/--flow: no flow "Billing" \(the app's flows: .*TicketTriageEscalation/);
  });
});
