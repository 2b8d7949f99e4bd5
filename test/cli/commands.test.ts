import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACTS } from '../../contracts/index.js';
import { LocalRuntime } from '../../local/runtime.js';
import { synthSwitchyardApp } from '../helpers/synth.js';
import { credentials, eventually, executionEnded, region, tempDataDir } from '../local/helpers.js';
import { runCli } from './run-cli.js';

let runtime: LocalRuntime;
let cdkOut: string;
let target: string[];

beforeAll(async () => {
  cdkOut = mkdtempSync(path.join(tmpdir(), 'switchyard-cli-app-'));
  synthSwitchyardApp(cdkOut);
  runtime = await LocalRuntime.start({ cdkOut, dataDir: tempDataDir(), port: 0, log: () => {} });
  target = ['--endpoint', runtime.url, '--cdk-out', cdkOut];
}, 180_000);
afterAll(async () => {
  await runtime?.stop();
});

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
    const result = await runCli(['send', 'TicketCreated', '--detail', ticket('CLI-1'), ...target]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends --count events in batches, numbering each {n}, and gives the ids as JSON', async () => {
    const detailFile = path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-detail-')), 'detail.json');
    writeFileSync(detailFile, ticket('BULK-{n}', 'Charged twice', 'My card was charged twice, please refund one.'));
    const result = await runCli(['send', 'TicketCreated', '--detail', `@${detailFile}`, '--count', '25', '--json', ...target]);
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout);
    expect(answer).toMatchObject({ bus: 'Switchyard-hub', sent: 25, failed: 0 });
    expect(new Set(answer.eventIds).size).toBe(25);
  });

  it('reports progress on stderr when sending many events', async () => {
    // The default bus has no rule for tickets: the events are accepted and go nowhere.
    const result = await runCli(['send', 'TicketCreated', '--detail', ticket('LOAD-{n}'), '--count', '150', '--bus', 'default', ...target]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(150);
    expect(result.stderr.trim().split('\n')).toEqual(['sent 100/150', 'sent 150/150']);
  });

  it('fails if the detail-type is not a contract of the app, naming the known ones', async () => {
    const result = await runCli(['send', 'TicketDeleted', '--detail', '{}', ...target]);
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
      ...target,
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('detail.customerId: is required');
    expect(result.stderr).toContain('detail.subject: must be string');
  });

  it('fails if the detail is not JSON', async () => {
    const result = await runCli(['send', 'TicketCreated', '--detail', '{ticketId:', ...target]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^switchyard send: --detail is not valid JSON: /);
  });

  it('fails with each refused entry and its error code when the bus does not take them', async () => {
    const result = await runCli(['send', 'TicketCreated', '--detail', ticket('CLI-2'), '--count', '2', '--bus', 'no-such-bus', ...target]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('event 1 failed: ResourceNotFoundException');
    expect(result.stderr).toContain('event 2 failed: ResourceNotFoundException');
    expect(result.stderr).toContain('2 of 2 events were not accepted by no-such-bus');
  });

  it('fails if no local runtime is listening, saying how to start one', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(['send', 'TicketCreated', '--detail', ticket('CLI-3'), '--endpoint', url, '--cdk-out', cdkOut]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`switchyard send: no local runtime at ${url}: start it with npm start (or pass --endpoint)`);
  });
});

describe('switchyard executions and execution', () => {
  it('lists the escalation a ticket started and shows it state by state', async () => {
    await runCli(['send', 'TicketCreated', '--detail', ticket('ESC-1'), ...target]);
    const listed = await eventually(
      async () => {
        const result = await runCli(['executions', '--flow', 'TicketTriageEscalation', '--status', 'running', '--json', ...target]);
        const rows = JSON.parse(result.stdout) as { name: string; status: string; flow: string }[];
        return rows.length > 0 ? rows : undefined;
      },
      60_000,
      'the escalation execution',
    );
    expect(listed[0]).toMatchObject({ flow: 'TicketTriageEscalation', status: 'RUNNING' });

    const table = await runCli(['executions', ...target]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^FLOW\s+NAME\s+STATUS\s+START\s+DURATION/);
    expect(table.stdout).toContain(listed[0]?.name);
    // The triage (Express) execution that escalated is listed from its log group, under the same name.
    expect(table.stdout).toMatch(new RegExp(`TicketTriage +${listed[0]?.name} +SUCCEEDED`));

    const shown = await runCli(['execution', String(listed[0]?.name), '--flow', 'TicketTriageEscalation', ...target]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('RUNNING  (flow TicketTriageEscalation)');
    expect(shown.stdout).toMatch(/1\. OpenEscalation {2}\[Pass\] {2}succeeded/);
    expect(shown.stdout).toMatch(/2\. AwaitDecision {2}\[Task\] {2}running/);
    expect(shown.stdout).toContain('"ticketId":"ESC-1"');

    const json = JSON.parse(
      (await runCli(['execution', String(listed[0]?.name), '--flow', 'TicketTriageEscalation', '--json', ...target])).stdout,
    );
    expect(json.states[1]).toMatchObject({ name: 'AwaitDecision', type: 'Task', status: 'running' });
    expect(json.events.length).toBeGreaterThan(2);
  }, 120_000);

  it('shows a finished execution with every state in order, its output, and where it ran', async () => {
    await runCli(['send', 'TicketCreated', '--detail', ticket('ESC-2'), ...target]);
    const running = await eventually(
      async () => {
        const rows = JSON.parse((await runCli(['executions', '--status', 'RUNNING', '--json', ...target])).stdout) as {
          executionArn: string;
          name: string;
        }[];
        for (const row of rows) {
          const json = JSON.parse((await runCli(['execution', row.executionArn, '--json', ...target])).stdout);
          if (json.execution.input.includes('"ESC-2"')) return row;
        }
        return undefined;
      },
      60_000,
      'the escalation of ESC-2',
    );
    // The reviewer answers through the API, as the escalation's task token asks.
    const sfn = new SFNClient({ endpoint: runtime.url, region, credentials });
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: running.executionArn }));
    const scheduled = events.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails?.parameters ?? '{}';
    const taskToken = JSON.parse(scheduled).Entries[0].Detail.taskToken;
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ decision: 'approve', reviewer: 'sam' }) }));
    await executionEnded(sfn, running.executionArn);

    const shown = await runCli(['execution', running.name, '--flow', 'TicketTriageEscalation', ...target]);
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
    const byName = await runCli(['execution', 'no-such-execution', ...target]);
    expect(byName.code).toBe(1);
    expect(byName.stderr).toContain(
      'no execution named "no-such-execution" in the app\'s flows (TicketTriageEscalation, TicketTriage, OrderSagaWorkflow, ResearchAgentsGraphWorkflow)',
    );
    const arn = 'arn:aws:states:us-east-1:000000000000:execution:Switchyard-TicketTriageEscalationStateMachine8B4B0C06:nope';
    const byArn = await runCli(['execution', arn, ...target]);
    expect(byArn.code).toBe(1);
    expect(byArn.stderr.trim()).toBe(`switchyard execution: no execution ${arn}`);
  });

  it('lists the triage flow (Express) from its log group, and names the flow when a name is in several', async () => {
    await runCli([
      'send',
      'TicketCreated',
      '--detail',
      ticket('EXP-1', 'Charged twice', 'My card was charged twice, refund one'),
      ...target,
    ]);
    const rows = await eventually(
      async () => {
        const result = await runCli(['executions', '--flow', 'TicketTriage', '--json', ...target]);
        const listed = JSON.parse(result.stdout) as { name: string; status: string; executionArn: string }[];
        return listed.length > 0 ? listed : undefined;
      },
      60_000,
      'a triage execution',
    );
    expect(rows[0]?.executionArn).toMatch(/:express:/);
    const shown = await runCli(['execution', String(rows[0]?.executionArn), ...target]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('(flow TicketTriage)');
    expect(shown.stdout).toMatch(/1\. ClassifyTicket {2}\[Task\]/);
    expect(shown.stdout).toContain(
      '(TicketTriage logs without execution data, IncludeExecutionData false: inputs and outputs are not recorded)',
    );
  }, 120_000);

  it('fails if a name is in several flows, naming them', async () => {
    const [escalated] = JSON.parse((await runCli(['executions', '--flow', 'TicketTriageEscalation', '--json', ...target])).stdout) as {
      name: string;
    }[];
    const result = await runCli(['execution', String(escalated?.name), ...target]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('exists in several flows or several times (TicketTriageEscalation, TicketTriage): pass --flow');
  });

  it('fails if --status or --flow is not one the app has, naming the option', async () => {
    const status = await runCli(['executions', '--status', 'DONE', ...target]);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('--status must be one of RUNNING, SUCCEEDED');
    const flow = await runCli(['executions', '--flow', 'Billing', ...target]);
    expect(flow.code).toBe(2);
    expect(flow.stderr).toMatch(/--flow: no flow "Billing" \(the app's flows: .*TicketTriageEscalation/);
  });
});

describe('switchyard watch', () => {
  it('follows an escalation live through a refused and a valid decision and exits 0 when it succeeds', async () => {
    await runCli(['send', 'TicketCreated', '--detail', ticket('WATCH-1'), ...target]);
    const sfn = new SFNClient({ endpoint: runtime.url, region, credentials });
    const escalation = await eventually(() => escalationOf(sfn, 'WATCH-1'), 60_000, 'the escalation of WATCH-1');
    const watching = runCli(['watch', escalation.executionArn, '--interval', '200', ...target]);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: await latestToken(sfn, escalation.executionArn), output: '{"decision":"maybe"}' }),
    );
    // The refused answer is asked again: a second AwaitDecision with a new token.
    const secondToken = await eventually(
      async () => {
        const token = await latestToken(sfn, escalation.executionArn);
        return token === escalation.firstToken ? undefined : token;
      },
      30_000,
      'the second ask',
    );
    await sfn.send(new SendTaskSuccessCommand({ taskToken: secondToken, output: '{"decision":"approve"}' }));
    const result = await watching;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const transitions = result.stdout
      .split('\n')
      .filter((l) => / (->|<-) /.test(l))
      .map((l) => l.replace(/^[\d:.]+ {2}/, '').replace(/ {2}[\d.]+m?s$/, ''));
    expect(transitions).toEqual([
      '-> OpenEscalation  [Pass]',
      '<- OpenEscalation  succeeded',
      '-> AwaitDecision  [Task]',
      '<- AwaitDecision  succeeded',
      '-> CheckDecision  [Pass]',
      '<- CheckDecision  succeeded',
      '-> DecisionValid  [Choice]',
      '<- DecisionValid  succeeded',
      '-> RefuseDecision  [Task]',
      '<- RefuseDecision  succeeded',
      '-> AwaitDecision  [Task]',
      '<- AwaitDecision  succeeded',
      '-> CheckDecision  [Pass]',
      '<- CheckDecision  succeeded',
      '-> DecisionValid  [Choice]',
      '<- DecisionValid  succeeded',
      '-> RecordDecision  [Task]',
      '<- RecordDecision  succeeded',
      '-> ApplyDecision  [Pass]',
      '<- ApplyDecision  succeeded',
      '-> RouteDecision  [Task]',
      '<- RouteDecision  succeeded',
    ]);
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(/^SUCCEEDED after /);
  }, 120_000);
});

describe('switchyard escalations, approve and reject', () => {
  it('lists an open escalation with its ticket, suggestion and SLA, and approves the latest ask after a refused answer', async () => {
    await runCli(['send', 'TicketCreated', '--detail', ticket('APPROVE-1'), ...target]);
    const sfn = new SFNClient({ endpoint: runtime.url, region, credentials });
    const escalation = await eventually(() => escalationOf(sfn, 'APPROVE-1'), 60_000, 'the escalation of APPROVE-1');
    const listed = JSON.parse((await runCli(['escalations', '--json', ...target])).stdout) as Record<string, unknown>[];
    const row = listed.find((r) => r.ticketId === 'APPROVE-1');
    expect(row).toMatchObject({
      attempt: 1,
      flow: 'TicketTriageEscalation',
      state: 'AwaitDecision',
      executionArn: escalation.executionArn,
    });
    expect(typeof row?.suggestedQueue).toBe('string');
    expect(typeof row?.confidence).toBe('number');
    // The SLA is four hours from the start.
    const left = Date.parse(String(row?.decideBy)) - Date.now();
    expect(left).toBeGreaterThan(3.9 * 3600_000);
    expect(left).toBeLessThanOrEqual(4 * 3600_000);
    const table = await runCli(['escalations', ...target]);
    expect(table.stdout).toMatch(/^TICKET\s+SUGGESTED\s+CONFIDENCE\s+ASK\s+DECIDE BY\s+EXECUTION/);
    expect(table.stdout).toMatch(/APPROVE-1 .*\(in 3h 5\dm\)/);

    // A malformed answer by other means: the escalation asks again, with a new token.
    await sfn.send(new SendTaskSuccessCommand({ taskToken: escalation.firstToken, output: '{"decision":"maybe"}' }));
    await eventually(
      async () => {
        const rows = JSON.parse((await runCli(['escalations', '--json', ...target])).stdout) as Record<string, unknown>[];
        return rows.find((r) => r.ticketId === 'APPROVE-1' && r.attempt === 2);
      },
      30_000,
      'the second ask',
    );
    const approved = await runCli(['approve', 'APPROVE-1', '--queue', 'account', '--reviewer', 'sam', ...target]);
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.stdout.trim()).toBe(
      `approved the escalation of ticket APPROVE-1 (${escalation.executionArn.split(':').at(-1)}): {"decision":"approve","queue":"account","reviewer":"sam"}`,
    );
    await executionEnded(sfn, escalation.executionArn);
    const shown = await runCli(['execution', escalation.executionArn, ...target]);
    expect(shown.stdout).toContain('SUCCEEDED');
    expect(shown.stdout).toContain('"queue":"account"');
    const after = JSON.parse((await runCli(['escalations', '--json', ...target])).stdout) as Record<string, unknown>[];
    expect(after.some((r) => r.ticketId === 'APPROVE-1')).toBe(false);

    const again = await runCli(['approve', 'APPROVE-1', ...target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('switchyard approve: the escalation of ticket APPROVE-1 is SUCCEEDED: already decided');
  }, 120_000);

  it('rejects by execution name, sending the decision the contract takes', async () => {
    await runCli(['send', 'TicketCreated', '--detail', ticket('REJECT-1'), ...target]);
    const sfn = new SFNClient({ endpoint: runtime.url, region, credentials });
    const escalation = await eventually(() => escalationOf(sfn, 'REJECT-1'), 60_000, 'the escalation of REJECT-1');
    const name = escalation.executionArn.split(':').at(-1) as string;
    const rejected = await runCli(['reject', name, '--reason', 'not a support request', '--json', ...target]);
    expect(rejected.code).toBe(0);
    expect(JSON.parse(rejected.stdout)).toMatchObject({
      ticketId: 'REJECT-1',
      decision: { decision: 'reject', reason: 'not a support request' },
    });
    await executionEnded(sfn, escalation.executionArn);
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: escalation.executionArn, maxResults: 1000 }));
    expect(events.some((e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'RefuseDecision')).toBe(false);
    // The reason reaches the TicketRouted event the escalation publishes.
    const route = events.find((e) => e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.parameters?.includes('TicketRouted'));
    expect(route?.taskScheduledEventDetails?.parameters).toContain('not a support request');
  }, 120_000);

  it('fails if the ticket has no escalation', async () => {
    const result = await runCli(['approve', 'NO-SUCH-TICKET', ...target]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'switchyard approve: no escalation for ticket or execution "NO-SUCH-TICKET" in TicketTriageEscalation, OrderSagaWorkflow, ResearchAgentsGraphWorkflow',
    );
  });

  it('fails if the decision breaks the contract, naming the option, before anything is sent', async () => {
    const queue = await runCli(['approve', 'ANY-1', '--queue', 'sales', ...target]);
    expect(queue.code).toBe(2);
    expect(queue.stderr.trim()).toBe(
      'switchyard approve: --queue must be one of billing, technical, account, security, feedback (got "sales")',
    );
    const reviewer = await runCli(['approve', 'ANY-1', '--reviewer', '', ...target]);
    expect(reviewer.code).toBe(2);
    expect(reviewer.stderr).toContain('--reviewer: must NOT have fewer than 1 characters');
    const reason = await runCli(['reject', 'ANY-1', '--reason', 'r'.repeat(1001), ...target]);
    expect(reason.code).toBe(2);
    expect(reason.stderr).toContain('--reason: must NOT have more than 1000 characters');
  });
});

/** The running escalation of a ticket (found by its input) and the task token it waits on. */
async function escalationOf(sfn: SFNClient, ticketId: string) {
  const rows = JSON.parse(
    (await runCli(['executions', '--flow', 'TicketTriageEscalation', '--status', 'RUNNING', '--json', ...target])).stdout,
  ) as { executionArn: string }[];
  for (const row of rows) {
    const { input = '' } = await sfn.send(new DescribeExecutionCommand({ executionArn: row.executionArn }));
    if (JSON.parse(input).ticketId !== ticketId) continue;
    const firstToken = await latestToken(sfn, row.executionArn).catch(() => undefined);
    if (firstToken !== undefined) return { executionArn: row.executionArn, firstToken };
  }
  return undefined;
}

/** The token of the execution's latest AwaitDecision (the test reads it the way the old recipe did). */
async function latestToken(sfn: SFNClient, executionArn: string): Promise<string> {
  const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  const scheduled = events.filter((e) => e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.parameters?.includes('taskToken'));
  const parameters = scheduled.at(-1)?.taskScheduledEventDetails?.parameters;
  if (parameters === undefined) throw new Error('no task token yet');
  return JSON.parse(parameters).Entries[0].Detail.taskToken;
}

describe('switchyard cost', () => {
  it('estimates the synthesized app per service and names the most expensive component', async () => {
    const result = await runCli(['cost', '--events-per-month', '1000000', '--escalation-rate', '0.2', '--cdk-out', cdkOut]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Most expensive: Step Functions Standard ResearchAgentsGraphWorkflow');
    expect(result.stdout).toContain('Assumptions:');
    const json = JSON.parse((await runCli(['cost', '--json', '--cdk-out', cdkOut])).stdout);
    expect(json.entries).toEqual(['TicketCreated', 'OrderPlaced', 'JobRequested', 'JobApproved', 'JobRejected', 'ResearchRequested']);
    expect(json.byService.map((s: { service: string }) => s.service).sort()).toEqual(
      ['CloudWatch Logs', 'DynamoDB', 'EventBridge', 'Lambda', 'SQS', 'Step Functions'].sort(),
    );
  });

  it('fails if an option is out of range or unknown', async () => {
    const rate = await runCli(['cost', '--escalation-rate', '1.5', '--cdk-out', cdkOut]);
    expect(rate.code).toBe(2);
    expect(rate.stderr.trim()).toBe('switchyard cost: --escalation-rate must be a number from 0 to 1 (got "1.5")');
    const unknown = await runCli(['cost', '--events', '5']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--events'");
  });

  it('fails if there is no cloud assembly, saying how to make one', async () => {
    const result = await runCli(['cost', '--cdk-out', '/nonexistent/cdk.out']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no cloud assembly at /nonexistent/cdk.out: run npx cdk synth');
  });
});

describe('switchyard --help', () => {
  it('prints the usage of every command', async () => {
    for (const command of ['send', 'executions', 'execution', 'watch', 'escalations', 'approve', 'reject', 'cost']) {
      const result = await runCli([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: switchyard ${command}`));
    }
  });
});
