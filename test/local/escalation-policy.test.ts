import { type DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { TicketDecisionRefused } from '../../domain/index.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { AdvanceableClock } from '../../local/time/clock.js';
import { runCli } from '../cli/run-cli.js';
import { UNANSWERED_ESCALATION } from '../helpers/escalations.js';
import { ticketCreatedEntry } from '../helpers/hub.js';
import { eventually } from './helpers.js';
import { useSwitchyardApp } from './switchyard-app.js';

/**
 * The triage escalation policy end to end: the first reviewer has an hour (reminded at 45
 * minutes), then the support lead (only dana) an hour more. Nobody waits them out: Step
 * Functions runs on a clock the tests move past each deadline (the other services keep real time).
 */
const SLA_MS = 3_600_000;
const REMIND_AFTER_MS = (SLA_MS * 3) / 4;
const LEAD = 'dana';
const clock = new AdvanceableClock();

let busLines: string[];
let runtime: LocalRuntime;
let events: EventBridgeClient;
let sfn: SFNClient;
let dynamodb: DynamoDBClient;
let target: string[];
let escalationArn: string;

useSwitchyardApp(
  (app) => {
    ({ runtime, busLines, events, sfn, dynamodb } = app);
    target = ['--endpoint', runtime.url, '--cdk-out', app.cdkOut];
    escalationArn = app.stateMachineArn('Escalation');
  },
  { escalationSla: Duration.millis(SLA_MS), escalationLeads: [LEAD] },
  { statesClock: clock },
);

const TYPES = [
  'TicketEscalated',
  'EscalationReminderSent',
  'EscalationReassigned',
  'EscalationDecided',
  'EscalationDefaulted',
  'TicketDecisionRefused',
  'TicketRouted',
];

/** The policy's events about one ticket, in the order the hub accepted them. */
function eventsAbout(ticketId: string): { type: string; detail: Record<string, unknown> }[] {
  return busLines.flatMap((line) => {
    const type = TYPES.find((t) => line.includes(` ${t} `));
    if (type === undefined || !line.includes(`"${ticketId}"`)) return [];
    return [{ type, detail: JSON.parse(line.slice(line.indexOf(`${type} `) + type.length + 1)) as Record<string, unknown> }];
  });
}

async function unclearTicket(ticketId: string): Promise<void> {
  await events.send(
    new PutEventsCommand({
      Entries: [ticketCreatedEntry({ ticketId, customerId: 'C-1', subject: 'hello', body: 'asdf qwerty' })],
    }),
  );
}

/** The ask about `ticketId` matching `where`, once published. */
function ask(ticketId: string, where: (detail: Record<string, unknown>) => boolean, what: string) {
  return eventually(async () => eventsAbout(ticketId).find((e) => e.type === 'TicketEscalated' && where(e.detail))?.detail, 30_000, what);
}

/** The ticket's assignment (the effect of the TicketRouted consumer), if any. */
async function assignment(ticketId: string): Promise<Record<string, unknown> | undefined> {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  const table = TableNames.find((name) => name.includes('Assignments'));
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { ticketId: { S: ticketId } }, ConsistentRead: true }));
  return Item ? unmarshall(Item) : undefined;
}

const answer = (taskToken: unknown, decision: Record<string, unknown>) =>
  sfn.send(new SendTaskSuccessCommand({ taskToken: String(taskToken), output: JSON.stringify(decision) }));

/** Moves Step Functions' clock a second past `when` (an ask's TimeoutSeconds is whole seconds, rounded up). */
function advancePast(when: string | number): void {
  const at = typeof when === 'string' ? Date.parse(when) : when;
  clock.advance(Math.max(0, at + 1000 - clock.now()));
}

/** Escalates `ticketId`, then lets the first step's reminder and SLA pass unanswered: the first ask and the ask to the lead. */
async function askTheLead(ticketId: string) {
  await unclearTicket(ticketId);
  const first = await ask(ticketId, (d) => d.attempt === 1, 'the first ask');
  advancePast(Date.parse(String(first.decideBy)) - SLA_MS + REMIND_AFTER_MS);
  await ask(ticketId, (d) => d.reason === 'reminder', 'the reminder');
  advancePast(String(first.decideBy));
  return { first, lead: await ask(ticketId, (d) => d.step === 2, 'the ask to the support lead') };
}

/** The history of the escalation of `ticketId`, once it has ended. */
async function endedEscalation(ticketId: string) {
  const executionArn = await eventually(
    async () => {
      const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: escalationArn }));
      for (const { executionArn } of executions) {
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (described.input?.includes(`"${ticketId}"`) && described.status !== 'RUNNING') return executionArn;
      }
      return undefined;
    },
    30_000,
    `the escalation of ${ticketId} to end`,
  );
  return (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

// Each test escalates a ticket of its own; they run one after another, as each moves the one clock.
describe('the triage escalation policy on the local runtime', () => {
  it('applies a decision made within the SLA once: a repeated answer is refused by the token, and no reminder follows', async () => {
    await unclearTicket('ESC-1');
    const first = await ask('ESC-1', (d) => d.attempt === 1, 'the first ask');
    expect(first).toMatchObject({ step: 1, stepName: 'triage', reviewers: [], reason: 'escalated', triggers: ['confidence-below-0.7'] });
    await answer(first.taskToken, { decision: 'approve', queue: 'billing', reviewer: 'sam' });
    // The same answer again (a double click, a retried request): the token is spent.
    await expect(answer(first.taskToken, { decision: 'approve', queue: 'billing', reviewer: 'sam' })).rejects.toMatchObject({
      name: expect.stringMatching(/^(TaskTimedOut|InvalidToken|TaskDoesNotExist)$/),
    });
    const assigned = await eventually(() => assignment('ESC-1'), 30_000, 'the assignment of ESC-1');
    expect(assigned).toMatchObject({ queue: 'billing', decidedBy: 'human', reviewer: 'sam' });
    // Past the whole chain's SLAs: still one decision, one routing, and the same assignment.
    advancePast(Date.parse(String(first.decideBy)) + SLA_MS);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(eventsAbout('ESC-1').map((e) => e.type)).toEqual(['TicketEscalated', 'EscalationDecided', 'TicketRouted']);
    expect(await assignment('ESC-1')).toEqual(assigned);
  }, 60_000);

  it('reminds, reassigns to the support lead, and routes to the default queue when nobody answers, in that order', async () => {
    const { first, lead } = await askTheLead('ESC-2');
    // Nothing happens until the lead's SLA has passed: a minute before it, the ask is still open.
    advancePast(Date.parse(String(lead.decideBy)) - 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await assignment('ESC-2')).toBeUndefined();
    advancePast(String(lead.decideBy));
    const routed = await eventually(() => assignment('ESC-2'), 30_000, 'the default assignment of ESC-2');
    const published = eventsAbout('ESC-2');
    expect(published.map((e) => e.type)).toEqual([...UNANSWERED_ESCALATION, 'TicketRouted']);
    const [, reminder, , reassigned, third, defaulted] = published.map((e) => e.detail);
    expect(reminder).toMatchObject({ policy: 'ticket-triage', subjectId: 'ESC-2', step: 1, decideBy: first.decideBy });
    expect(reassigned).toMatchObject({ fromStep: 1, toStep: 2, stepName: 'support-lead', reviewers: [LEAD] });
    expect(third).toMatchObject({ step: 2, reviewers: [LEAD], reason: 'reassigned', decideBy: reassigned?.decideBy });
    expect(lead).toEqual(third);
    expect(defaulted).toMatchObject({ step: 2, action: expect.stringContaining('default queue') });
    // The effect: the ticket is assigned to its default queue (the model's suggestion), by the SLA.
    expect(routed).toMatchObject({ queue: first.defaultQueue, decidedBy: 'sla-default' });
    expect(routed).not.toHaveProperty('reviewer');
    // On Step Functions' clock, the default ran no earlier than the lead's deadline.
    const history = await endedEscalation('ESC-2');
    const enteredDefault = history.find((e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'ApplyDefault');
    expect(enteredDefault?.timestamp?.getTime()).toBeGreaterThanOrEqual(Date.parse(String(reassigned?.decideBy)));
  }, 60_000);

  it('refuses an answer from someone not on the current step, with the reason, then takes the lead', async () => {
    const { lead: reassigned } = await askTheLead('ESC-3');
    // The first reviewer answers after the task moved on to the lead.
    await answer(reassigned.taskToken, { decision: 'reject', queue: 'security', reviewer: 'sam' });
    const refused = await eventually(
      async () => eventsAbout('ESC-3').find((e) => e.type === 'TicketDecisionRefused')?.detail,
      30_000,
      'the refusal',
    );
    expect(refused).toMatchObject({
      ticketId: 'ESC-3',
      step: 2,
      reviewer: 'sam',
      problems: [`reviewer sam is not on step 2 (support-lead) of the escalation chain, whose reviewers are ${LEAD}`],
      decideBy: reassigned.decideBy,
    });
    const again = await ask('ESC-3', (d) => d.reason === 'refused', 'the ask after the refusal');
    expect(again).toMatchObject({ step: 2, decideBy: reassigned.decideBy });
    await answer(again.taskToken, { decision: 'reject', queue: 'security', reviewer: LEAD });
    const assigned = await eventually(() => assignment('ESC-3'), 30_000, 'the assignment of ESC-3');
    expect(assigned).toMatchObject({ queue: 'security', decidedBy: 'human', reviewer: LEAD });
  }, 60_000);

  it('shows the decider why the CLI decision was refused, and refuses and publishes a decision after the default', async () => {
    const { lead } = await askTheLead('ESC-4');
    const notTheLead = await runCli(['approve', 'ESC-4', '--reviewer', 'sam', ...target]);
    expect(notTheLead.code).toBe(1);
    expect(notTheLead.stderr).toContain(
      `the escalation of ticket ESC-4: the decision was refused: reviewer sam is not on step 2 (support-lead) of the escalation chain, whose reviewers are ${LEAD}`,
    );
    // Nobody else answers: the default runs; the lead's answer then comes too late.
    advancePast(String(lead.decideBy));
    const defaulted = await eventually(() => assignment('ESC-4'), 30_000, 'the default assignment of ESC-4');
    expect(defaulted).toMatchObject({ decidedBy: 'sla-default' });
    const late = await runCli(['approve', 'ESC-4', '--reviewer', LEAD, '--queue', 'account', ...target]);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('the escalation of ticket ESC-4 is SUCCEEDED: already decided');
    expect(late.stderr).toContain('published as TicketDecisionRefused');
    const refusals = await eventually(
      async () => {
        const all = eventsAbout('ESC-4').filter((e) => e.type === 'TicketDecisionRefused');
        return all.length === 2 ? all : undefined;
      },
      10_000,
      'both refusals on the hub',
    );
    expect(refusals[1]?.detail).toMatchObject({ reviewer: LEAD, step: 2, problems: [expect.stringContaining('already decided')] });
    expect(TicketDecisionRefused.validate(refusals[1]?.detail)).toMatchObject({ ok: true });
    // The late answer had no effect.
    expect(await assignment('ESC-4')).toEqual(defaulted);
  }, 90_000);
});
