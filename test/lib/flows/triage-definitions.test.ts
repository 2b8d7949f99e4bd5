import { describe, expect, it } from 'vitest';
import { EscalationDecisionSchema, TicketDecisionRefused, TicketEscalated, validatorFor } from '../../../domain/index.js';
import { startExecution, type TaskRequest } from '../../../local/states/engine/index.js';
import { UNANSWERED_ESCALATION } from '../../helpers/escalations.js';
import { definitionOf, sharedSwitchyardTemplate } from '../../helpers/synth.js';

/**
 * The synthesized triage and escalation definitions, run on the local ASL engine with
 * stubbed tasks: every path of the flows, without AWS and without waiting for the SLA.
 */
const template = sharedSwitchyardTemplate();
const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
const definition = (type: string) => JSON.stringify(definitionOf(machines.find((m) => m.Properties.StateMachineType === type) ?? {}));

const ESCALATION_INPUT = {
  ticketId: 'T-9',
  subject: 'hello',
  suggestedQueue: 'billing',
  confidence: 0.4,
  model: 'local-logreg@test',
  defaultQueue: 'billing',
  fallbackQueue: 'technical',
  correlationId: 'corr-9',
  causationId: 'evt-9',
};

type Published = { type: string; detail: Record<string, unknown> };

/**
 * Runs the escalation machine; `decide` answers the task token (or never answers, to let
 * it time out). By default deadlines fire at once (the SLA has passed); `deadlines`
 * records them instead and lets none fire.
 */
async function escalate(
  decide: (request: TaskRequest, ask: number) => unknown,
  options: { deadlines?: number[]; startTime?: number } = {},
) {
  const published: Published[] = [];
  let asks = 0;
  const taskRunner = {
    run: async (request: TaskRequest) => {
      const entries = (request.input as { Entries: { DetailType: string; Detail: Record<string, unknown> }[] }).Entries;
      published.push(...entries.map((e) => ({ type: e.DetailType, detail: e.Detail })));
      if (request.resource.endsWith('.waitForTaskToken')) return decide(request, ++asks);
      return { Entries: [{ EventId: 'e' }], FailedEntryCount: 0 };
    },
  };
  const { result } = startExecution({
    definition: definition('STANDARD'),
    input: JSON.stringify(ESCALATION_INPUT),
    name: 'run',
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:esc:run',
    stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:esc',
    stateMachineName: 'esc',
    taskRunner,
    startTime: options.startTime,
    timer: options.deadlines
      ? (ms: number) => {
          options.deadlines?.push(ms);
          return new Promise<void>(() => undefined);
        }
      : async () => undefined,
    sleep: async () => undefined,
  });
  return { outcome: await result, published };
}

const validDecision = validatorFor(EscalationDecisionSchema);

describe('the escalation definition', () => {
  it('routes to the default queue, decided by the SLA, when nobody answers in time', async () => {
    const { outcome, published } = await escalate(() => new Promise(() => undefined));
    expect(outcome.status).toBe('SUCCEEDED');
    expect(published.at(-1)).toEqual({
      type: 'TicketRouted',
      detail: expect.objectContaining({ ticketId: 'T-9', queue: 'billing', decidedBy: 'sla-default' }),
    });
    expect((published.at(-1) as { detail: object }).detail).not.toHaveProperty('reviewer');
    // The policy's chain: a reminder, the second reviewer, then the default.
    expect(published.map((p) => p.type)).toEqual([...UNANSWERED_ESCALATION, 'TicketRouted']);
    const asks = published.filter((p) => p.type === 'TicketEscalated').map((p) => p.detail);
    expect(asks.map((a) => [a.attempt, a.step, a.stepName, a.reason])).toEqual([
      [1, 1, 'triage', 'escalated'],
      [2, 1, 'triage', 'reminder'],
      [3, 2, 'support-lead', 'reassigned'],
    ]);
  });

  it('routes a rejected ticket to the fallback queue when the reviewer names no queue and no reviewer', async () => {
    const { outcome, published } = await escalate(() => ({ decision: 'reject' }));
    expect(outcome.status).toBe('SUCCEEDED');
    expect(published.at(-1)).toEqual({ type: 'TicketRouted', detail: expect.objectContaining({ queue: 'technical', decidedBy: 'human' }) });
  });

  it('carries the correlation id into every event it publishes', async () => {
    const { published } = await escalate(() => ({ decision: 'approve', reviewer: 'sam' }));
    for (const event of published) {
      expect(event.detail.metadata).toEqual({ correlationId: 'corr-9', causationId: 'evt-9' });
    }
  });

  it('refuses a malformed answer with its reasons, asks again as a new attempt, and routes on the valid answer', async () => {
    const { outcome, published } = await escalate(
      (_request, ask) => (ask === 1 ? { decision: 'approve', queue: 'sales' } : { decision: 'reject' }),
      {
        deadlines: [],
      },
    );
    expect(outcome.status).toBe('SUCCEEDED');
    expect(published.map((p) => p.type)).toEqual([
      'TicketEscalated',
      'TicketDecisionRefused',
      'TicketEscalated',
      'EscalationDecided',
      'TicketRouted',
    ]);
    const [firstAsk, refused, secondAsk] = published;
    expect(refused?.detail).toMatchObject({
      ticketId: 'T-9',
      attempt: 1,
      problems: ['queue must be one of billing, technical, account, security, feedback (got sales)'],
      decideBy: firstAsk?.detail.decideBy,
    });
    expect(secondAsk?.detail).toMatchObject({ attempt: 2, decideBy: firstAsk?.detail.decideBy });
    expect(secondAsk?.detail.taskToken).not.toBe(firstAsk?.detail.taskToken);
    // Every event is valid against its contract, and the two asks are two facts to a consumer.
    expect(TicketEscalated.validate(firstAsk?.detail).ok).toBe(true);
    expect(TicketDecisionRefused.validate(refused?.detail)).toMatchObject({ ok: true });
  });

  it('does not restart the SLA when it asks again: the second ask waits only for what is left', async () => {
    const deadlines: number[] = [];
    // The escalation opened 2 of its 4 hours ago: both asks wait for what is left until the reminder (at 3 hours).
    const startTime = Date.now() - 2 * 3600_000;
    await escalate((_request, ask) => (ask === 1 ? { decision: 'maybe' } : { decision: 'approve' }), { deadlines, startTime });
    const taskDeadlines = deadlines.filter((ms) => ms < 4 * 3600_000 + 1000);
    expect(taskDeadlines).toHaveLength(2);
    for (const ms of taskDeadlines) {
      expect(ms).toBeLessThanOrEqual(3600_000 + 1000);
      expect(ms).toBeGreaterThan(3600_000 - 60_000);
    }
  });

  it.each([
    [{ decision: 'approve' }],
    [{ decision: 'reject', queue: 'billing', reviewer: 'sam' }],
    [{ decision: 'reject', reviewer: 'sam', reason: 'spam' }],
    [{ decision: 'reject', reason: '' }],
    [{ decision: 'reject', reason: 'r'.repeat(1001) }],
    [{ decision: 'reject', reason: 5 }],
    [{ decision: 'maybe' }],
    [{ decision: ['approve'] }],
    [{ decision: 'approve', queue: 'sales' }],
    [{ decision: 'approve', queue: null }],
    [{ decision: 'approve', reviewer: '' }],
    [{ decision: 'approve', reviewer: 'r'.repeat(257) }],
    [{ decision: 'approve', reviewer: 7 }],
    [{ decision: 'approve', note: 'extra' }],
    [{}],
    ['approve'],
    [null],
    [[{ decision: 'approve' }]],
  ])('judges the answer %j as the contract does', async (answer) => {
    const { published } = await escalate((_request, ask) => (ask === 1 ? answer : { decision: 'approve' }), { deadlines: [] });
    const refused = published.find((p) => p.type === 'TicketDecisionRefused');
    const verdict = validDecision(answer);
    expect(refused === undefined).toBe(verdict.ok);
    if (refused) expect((refused.detail.problems as string[]).length).toBeGreaterThanOrEqual(1);
  });
});

/** Runs the triage machine on a TicketCreated workflow input; `classify` answers the model task. */
async function triage(classify: (attempt: number) => unknown) {
  const calls: TaskRequest[] = [];
  let attempts = 0;
  const taskRunner = {
    run: async (request: TaskRequest) => {
      calls.push(request);
      if (request.resource.includes('lambda:invoke')) return { Payload: classify(++attempts), StatusCode: 200 };
      if (request.resource.includes('startExecution')) return { ExecutionArn: 'arn:esc', StartDate: 0 };
      return { Entries: [{ EventId: 'e' }], FailedEntryCount: 0 };
    },
  };
  const input = {
    detail: { ticketId: 'T-1', customerId: 'C', subject: 'Charged twice', body: 'refund' },
    event: { id: 'evt-1', source: 'switchyard.helpdesk', detailType: 'TicketCreated', time: '2026-01-01T00:00:00Z' },
    correlationId: 'corr-1',
  };
  const { result } = startExecution({
    definition: definition('EXPRESS'),
    input: JSON.stringify(input),
    name: 'TicketCreated-abc',
    executionArn: 'arn:aws:states:us-east-1:000000000000:express:triage:TicketCreated-abc:1',
    stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:triage',
    stateMachineName: 'triage',
    taskRunner,
    timer: () => new Promise(() => undefined),
    sleep: async () => undefined,
  });
  return { outcome: await result, calls, attempts: () => attempts };
}

describe('the triage definition', () => {
  it('routes a confident classification straight away', async () => {
    const { outcome, calls } = await triage(() => ({ queue: 'billing', confidence: 0.93, model: 'm' }));
    expect(outcome.status).toBe('SUCCEEDED');
    // One write: the routing and its TicketRouted, which the table's outbox sends (no PutEvents here).
    expect(calls.map((c) => c.stateName)).toEqual(['ClassifyTicket', 'AnnounceRouting']);
    const written = calls[1]?.input as { Item: { announcement: { M: Record<string, { S: string }> } } } | undefined;
    const announcement = written?.Item.announcement.M;
    expect(announcement?.detailType?.S).toBe('TicketRouted');
    expect(JSON.parse(announcement?.detail?.S ?? '')).toEqual({
      ticketId: 'T-1',
      queue: 'billing',
      decidedBy: 'model',
      confidence: 0.93,
      model: 'm',
      metadata: { correlationId: 'corr-1', causationId: 'evt-1' },
    });
    expect(JSON.parse(String(outcome.output))).toEqual({
      ticketId: 'T-1',
      queue: 'billing',
      decidedBy: 'model',
      confidence: 0.93,
      model: 'm',
    });
  });

  it('escalates an unsure classification under the triage execution name', async () => {
    const { calls } = await triage(() => ({ queue: 'account', confidence: 0.41, model: 'm' }));
    expect(calls.at(-1)?.input).toMatchObject({
      Name: 'TicketCreated-abc',
      Input: { ticketId: 'T-1', suggestedQueue: 'account', confidence: 0.41 },
    });
  });

  it('retries a model that is unavailable, then escalates with confidence 0 when it stays down', async () => {
    const { TaskFailure } = await import('../../../local/states/engine/index.js');
    const { outcome, calls, attempts } = await triage(() => {
      throw new TaskFailure('ModelUnavailable', 'Bedrock timed out');
    });
    expect(outcome.status).toBe('SUCCEEDED');
    // The first call and MaxAttempts (1) retry: the flow's time budget has room for no more.
    expect(attempts()).toBe(2);
    expect(calls.at(-1)?.input).toMatchObject({ Input: { suggestedQueue: 'technical', confidence: 0, model: 'none' } });
  });
});
