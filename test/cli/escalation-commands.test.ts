import { DescribeExecutionCommand, GetExecutionHistoryCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { credentials, eventually, executionEnded, region } from '../local/helpers.js';
import { useApp } from './app-fixture.js';
import { runCli } from './run-cli.js';

const app = useApp();

const ticket = (ticketId: string, subject = 'hello', body = 'asdf qwerty') =>
  JSON.stringify({ ticketId, customerId: 'C-1', subject, body });

describe('switchyard watch', () => {
  it('follows an escalation live through a refused and a valid decision and exits 0 when it succeeds', async () => {
    await runCli(['send', 'TicketCreated', '--detail', ticket('WATCH-1'), ...app.target]);
    const sfn = new SFNClient({ endpoint: app.runtime.url, region, credentials });
    const escalation = await eventually(() => escalationOf(sfn, 'WATCH-1'), 60_000, 'the escalation of WATCH-1');
    let printed = '';
    const watching = runCli(['watch', escalation.executionArn, '--interval', '200', ...app.target], {
      process: true,
      onStdout: (text) => {
        printed = text;
      },
    });
    // Once watch has printed the ask it waits on, the answers come while it follows.
    await eventually(async () => (printed.includes('-> AwaitDecision') ? true : undefined), 30_000, 'watch to print the ask');
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
    // Each state as watch prints it: entered (with its type), then succeeded.
    const ran = (...states: [string, string][]) => states.flatMap(([name, type]) => [`-> ${name}  [${type}]`, `<- ${name}  succeeded`]);
    const decision: [string, string][] = [
      ['AwaitDecision', 'Task'],
      ['CheckDecision', 'Pass'],
      ['DecisionValid', 'Choice'],
    ];
    expect(transitions).toEqual(
      ran(
        ['OpenEscalation', 'Pass'],
        ...decision,
        ['RefuseDecision', 'Task'],
        ...decision,
        ['RecordDecision', 'Task'],
        ['ApplyDecision', 'Pass'],
        ['RouteDecision', 'Task'],
      ),
    );
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(/^SUCCEEDED after /);
  }, 120_000);
});

describe('switchyard escalations, approve and reject', () => {
  it('lists an open escalation with its ticket, suggestion and SLA, and approves the latest ask after a refused answer', async () => {
    await runCli(['send', 'TicketCreated', '--detail', ticket('APPROVE-1'), ...app.target]);
    const sfn = new SFNClient({ endpoint: app.runtime.url, region, credentials });
    const escalation = await eventually(() => escalationOf(sfn, 'APPROVE-1'), 60_000, 'the escalation of APPROVE-1');
    const listed = JSON.parse((await runCli(['escalations', '--json', ...app.target])).stdout) as Record<string, unknown>[];
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
    const table = await runCli(['escalations', ...app.target], { process: true });
    expect(table.stdout).toMatch(/^TICKET\s+SUGGESTED\s+CONFIDENCE\s+ASK\s+DECIDE BY\s+EXECUTION/);
    expect(table.stdout).toMatch(/APPROVE-1 .*\(in 3h 5\dm\)/);

    // A malformed answer by other means: the escalation asks again, with a new token.
    await sfn.send(new SendTaskSuccessCommand({ taskToken: escalation.firstToken, output: '{"decision":"maybe"}' }));
    await eventually(
      async () => {
        const rows = JSON.parse((await runCli(['escalations', '--json', ...app.target])).stdout) as Record<string, unknown>[];
        return rows.find((r) => r.ticketId === 'APPROVE-1' && r.attempt === 2);
      },
      30_000,
      'the second ask',
    );
    const approved = await runCli(['approve', 'APPROVE-1', '--queue', 'account', '--reviewer', 'sam', ...app.target], { process: true });
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.stdout.trim()).toBe(
      `approved the escalation of ticket APPROVE-1 (${escalation.executionArn.split(':').at(-1)}): {"decision":"approve","queue":"account","reviewer":"sam"}`,
    );
    await executionEnded(sfn, escalation.executionArn);
    const shown = await runCli(['execution', escalation.executionArn, ...app.target]);
    expect(shown.stdout).toContain('SUCCEEDED');
    expect(shown.stdout).toContain('"queue":"account"');
    const after = JSON.parse((await runCli(['escalations', '--json', ...app.target])).stdout) as Record<string, unknown>[];
    expect(after.some((r) => r.ticketId === 'APPROVE-1')).toBe(false);

    const again = await runCli(['approve', 'APPROVE-1', ...app.target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('switchyard approve: the escalation of ticket APPROVE-1 is SUCCEEDED: already decided');
  }, 120_000);

  it('rejects by execution name, sending the decision the contract takes', async () => {
    await runCli(['send', 'TicketCreated', '--detail', ticket('REJECT-1'), ...app.target]);
    const sfn = new SFNClient({ endpoint: app.runtime.url, region, credentials });
    const escalation = await eventually(() => escalationOf(sfn, 'REJECT-1'), 60_000, 'the escalation of REJECT-1');
    const name = escalation.executionArn.split(':').at(-1) as string;
    const rejected = await runCli(['reject', name, '--reason', 'not a support request', '--json', ...app.target], { process: true });
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
    const result = await runCli(['approve', 'NO-SUCH-TICKET', ...app.target]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'switchyard approve: no escalation for ticket or execution "NO-SUCH-TICKET" in TicketTriageEscalation, OrderSagaWorkflow, ResearchAgentsGraphWorkflow',
    );
  });

  it('fails if the decision breaks the contract, naming the option, before anything is sent', async () => {
    const queue = await runCli(['approve', 'ANY-1', '--queue', 'sales', ...app.target]);
    expect(queue.code).toBe(2);
    expect(queue.stderr.trim()).toBe(
      'switchyard approve: --queue must be one of billing, technical, account, security, feedback (got "sales")',
    );
    const reviewer = await runCli(['approve', 'ANY-1', '--reviewer', '', ...app.target]);
    expect(reviewer.code).toBe(2);
    expect(reviewer.stderr).toContain('--reviewer: must NOT have fewer than 1 characters');
    const reason = await runCli(['reject', 'ANY-1', '--reason', 'r'.repeat(1001), ...app.target]);
    expect(reason.code).toBe(2);
    expect(reason.stderr).toContain('--reason: must NOT have more than 1000 characters');
  });
});

/** The running escalation of a ticket (found by its input) and the task token it waits on. */
async function escalationOf(sfn: SFNClient, ticketId: string) {
  const rows = JSON.parse(
    (await runCli(['executions', '--flow', 'TicketTriageEscalation', '--status', 'RUNNING', '--json', ...app.target])).stdout,
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
