import { describe, expect, it } from 'vitest';
import { lastAskIn, refusalOfLastAsk } from '../../clients/open-task.js';
import { decisionOutcomeIn, decisionProblems, openTaskIn } from '../../console/src/open-task.js';
import { schemaProblems } from '../../console/src/schema-check.js';
import { fromLogRecord, toDate } from '../../console/src/wire.js';
import { EscalationDecisionSchema, TicketDecisionRefused, TicketEscalated, validatorFor } from '../../domain/index.js';

/** The reference app's policy as its state machine definition records it (lib/flows/ticket-triage.ts). */
const policy = {
  policy: 'ticket-triage',
  askState: 'AwaitDecision',
  ask: { detailType: TicketEscalated.detailType, source: TicketEscalated.source, subjectField: 'ticketId' },
  refusal: { detailType: TicketDecisionRefused.detailType, source: TicketDecisionRefused.source },
  decision: {
    field: 'decision',
    choices: { approve: 'approve', reject: 'reject' },
    schema: JSON.parse(JSON.stringify(EscalationDecisionSchema)) as Record<string, unknown>,
  },
  summary: [],
};

describe('decisionProblems', () => {
  const cases: Record<string, unknown>[] = [
    { decision: 'approve' },
    { decision: 'reject', queue: 'security', reviewer: 'sam', reason: 'phishing' },
    { decision: 'yes' },
    { decision: 'approve', queue: 'sales' },
    { decision: 'approve', reviewer: '' },
    { decision: 'approve', reason: 'x'.repeat(1001) },
    { decision: 'approve', reviewer: 'x'.repeat(257) },
    { decision: 'approve', extra: 1 },
    { queue: 'billing' },
    { decision: 'approve', reviewer: 5 },
  ];

  it.each(cases.map((c) => [JSON.stringify(c).replace(/x{20,}/, (x) => `x * ${x.length}`), c] as const))(
    'agrees with the ajv validator the CLI uses on %s',
    (_, decision) => {
      const ajv = validatorFor(EscalationDecisionSchema)(decision);
      expect(schemaProblems(EscalationDecisionSchema, decision).length === 0).toBe(ajv.ok);
    },
  );

  it('fails if the queue is not one of the app’s queues, naming the field and the choices', () => {
    expect(decisionProblems(policy, { decision: 'approve', queue: 'sales' })).toEqual([
      'queue must be one of billing, technical, account, security, feedback (got "sales")',
    ]);
    expect(decisionProblems(policy, { decision: 'reject', reason: 'x'.repeat(1001) })).toEqual([
      'reason must have at most 1000 characters',
    ]);
  });

  it('finds no problem when the policy gives no decision schema (the policy itself checks the answer)', () => {
    const { schema: _, ...decision } = policy.decision;
    expect(decisionProblems({ decision }, { decision: 'approve', anything: 1 })).toEqual([]);
  });
});

describe('openTaskIn', () => {
  const asked = (id: number, token: string, attempt: number) => [
    { id, type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'AwaitDecision' } },
    {
      id: id + 1,
      type: 'TaskScheduled',
      timestamp: 1_700_000_000 + id,
      taskScheduledEventDetails: {
        parameters: JSON.stringify({ Entries: [{ Detail: JSON.stringify({ ticketId: 'T-1', attempt, taskToken: token }) }] }),
      },
    },
  ];

  it('finds the latest ask, its token inside a serialized Detail', () => {
    const events = [
      { id: 1, type: 'ExecutionStarted' },
      ...asked(2, 'first', 1),
      { id: 4, type: 'TaskSucceeded' },
      { id: 5, type: 'TaskStateExited', stateExitedEventDetails: { name: 'AwaitDecision' } },
      ...asked(6, 'second', 2),
    ];
    expect(openTaskIn(events)).toMatchObject({ state: 'AwaitDecision', question: { taskToken: 'second', attempt: 2 } });
  });

  it('finds none once the ask was answered or the execution ended', () => {
    expect(openTaskIn([...asked(1, 'a', 1), { id: 3, type: 'TaskSucceeded' }])).toBeUndefined();
    expect(openTaskIn([...asked(1, 'a', 1), { id: 3, type: 'ExecutionAborted' }])).toBeUndefined();
  });
});

describe('decisionOutcomeIn', () => {
  const ask = (id: number, token: string) => ({
    id,
    type: 'TaskScheduled',
    taskScheduledEventDetails: {
      parameters: JSON.stringify({
        Entries: [
          {
            EventBusName: 'hub',
            Detail: JSON.stringify({ ticketId: 'T-1', attempt: 1, decideBy: '2026-01-01T04:00:00Z', taskToken: token }),
          },
        ],
      }),
    },
  });
  const refusal = (id: number) => ({
    id,
    type: 'TaskScheduled',
    taskScheduledEventDetails: {
      parameters: JSON.stringify({ Entries: [{ Detail: { ticketId: 'T-1', problems: ['reviewer sam is not on step 2'] } }] }),
    },
  });

  it("reads the policy's refusal of the answer to a token, with its problems", () => {
    const events = [
      ask(1, 'a'),
      { id: 2, type: 'TaskSucceeded' },
      { id: 3, type: 'ChoiceStateEntered', stateEnteredEventDetails: { name: 'DecisionValid' } },
      refusal(4),
    ];
    expect(decisionOutcomeIn(events, 'a')).toEqual({ accepted: false, problems: ['reviewer sam is not on step 2'] });
  });

  it('reads an accepted answer, and knows nothing before the answer arrives or for another token', () => {
    const accepted = [
      ask(1, 'a'),
      { id: 2, type: 'TaskSucceeded' },
      { id: 3, type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'RecordDecision' } },
    ];
    expect(decisionOutcomeIn(accepted, 'a')).toEqual({ accepted: true });
    expect(decisionOutcomeIn([ask(1, 'a')], 'a')).toBeUndefined();
    expect(decisionOutcomeIn(accepted, 'b')).toBeUndefined();
  });

  it('finds the last ask and its bus after the execution ended', () => {
    const events = [ask(1, 'a'), { id: 2, type: 'TaskTimedOut' }, ask(3, 'b'), { id: 4, type: 'ExecutionSucceeded' }];
    expect(lastAskIn(events)).toMatchObject({ question: { taskToken: 'b' }, eventBusName: 'hub' });
  });

  it('refuses an answer that reached no open task about the last ask, on its bus', () => {
    const events = [ask(1, 'a'), { id: 2, type: 'TaskTimedOut' }, ask(3, 'b'), { id: 4, type: 'ExecutionSucceeded' }];
    const refusal = refusalOfLastAsk(events, policy, 'sam', 'already decided');
    expect(refusal?.eventBusName).toBe('hub');
    expect(refusal?.detail).toEqual({
      ticketId: 'T-1',
      attempt: 1,
      problems: ['already decided'],
      decideBy: '2026-01-01T04:00:00Z',
      reviewer: 'sam',
    });
    expect(refusalOfLastAsk([], policy, 'sam', 'no ask')).toBeUndefined();
  });

  it('refuses nothing when the last ask lacks what the refusal contract requires (its attempt or deadline)', () => {
    const bare = {
      id: 1,
      type: 'TaskScheduled',
      taskScheduledEventDetails: {
        parameters: JSON.stringify({ Entries: [{ EventBusName: 'hub', Detail: { ticketId: 'T-1', taskToken: 'a' } }] }),
      },
    };
    expect(refusalOfLastAsk([bare], policy, 'sam', 'already decided')).toBeUndefined();
  });
});

describe('fromLogRecord', () => {
  it('reads a Step Functions log record as the history event GetExecutionHistory gives', () => {
    expect(
      fromLogRecord({
        id: '3',
        previous_event_id: '2',
        type: 'TaskStateEntered',
        event_timestamp: '1700000000123',
        details: { name: 'Classify' },
      }),
    ).toEqual({
      id: 3,
      previousEventId: 2,
      type: 'TaskStateEntered',
      timestamp: 1_700_000_000.123,
      stateEnteredEventDetails: { name: 'Classify' },
    });
    expect(fromLogRecord({ id: '9', type: 'TaskFailed', details: { error: 'E' } })).toMatchObject({
      taskFailedEventDetails: { error: 'E' },
    });
  });

  it('reads timestamps as the JSON protocols send them', () => {
    expect(toDate(1_700_000_000)?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(toDate('2023-11-14T22:13:20Z')?.getTime()).toBe(1_700_000_000_000);
    expect(toDate('not a date')).toBeUndefined();
  });
});
