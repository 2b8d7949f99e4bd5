import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_ATTRIBUTES } from '../../domain/index.js';
import { explain } from '../../inspect/dead-letter-messages.js';
import type { DeadLetterSource } from '../../inspect/dead-letters.js';
import { eventually } from '../local/helpers.js';
import { depth, escalatingTicket, escalationOf, putRawTicket, queueUrl, STARTER_DLQ, useApp } from './app-fixture.js';
import { runCli } from './run-cli.js';

const app = useApp();

interface FailuresAnswer {
  queues: { source: string; messages: number; fedBy: string[] }[];
  failures: { kind: string; source: string; id: string; error: string; reason: string; what?: string; ageMs?: number }[];
}

async function failuresJson(...args: string[]): Promise<FailuresAnswer> {
  const result = await runCli(['failures', '--json', ...args, ...app.target]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as FailuresAnswer;
}

describe('switchyard failures', () => {
  it('shows an invalid ticket sent with the raw API in the starter DLQ, with the consumer reason, the ticket and its age', async () => {
    const eventId = await putRawTicket(app, { ticketId: 'BAD-1', subject: 'no customer' });
    const failure = await eventually(
      async () => (await failuresJson('--source', 'TicketTriageStarterDeadLetterQueue')).failures.find((f) => f.reason.includes(eventId)),
      30_000,
      'the dead-lettered ticket',
    );
    expect(failure).toMatchObject({
      kind: 'message',
      source: 'TicketTriageStarterDeadLetterQueue',
      error: 'InvalidEvent',
      what: 'TicketCreated ticketId=BAD-1',
    });
    expect(failure.reason).toMatch(
      /^InvalidEvent: TicketCreated .* breaks its contract: .*customerId.*\(given up by Switchyard-TicketTriageStarterHandler\w+, on receive 1\)$/,
    );
    expect(failure.ageMs).toBeGreaterThanOrEqual(0);

    // Reading the queue took nothing away: the message is visible again at once, not in flight.
    expect(await depth(app, STARTER_DLQ)).toEqual({ visible: 1, inFlight: 0 });

    const text = await runCli(['failures', ...app.target], { process: true });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/DEAD-LETTER QUEUE\s+MESSAGES\s+OLDEST\s+FED BY/);
    expect(text.stdout).toMatch(/TicketTriageStarterDeadLetterQueue\s+1\s+\S+\s+queue TicketTriageStarterQueue \(maxReceiveCount 5\)/);
    expect(text.stdout).toMatch(
      /TicketTriageStarterTargetDeadLetterQueue\s+0\s+-\s+rule TicketTriageStarterRule -> TicketTriageStarterQueue/,
    );
    expect(text.stdout).toMatch(
      /TicketTriageStarterDeadLetterQueue\s+message\s+[0-9a-f-]{36}\s+TicketCreated ticketId=BAD-1\s+InvalidEvent: /,
    );

    // Neither read counted as a receive: the first ReceiveMessage of the dead-lettered message is its first.
    const { Messages = [] } = await new SQSClient(app.config).send(
      new ReceiveMessageCommand({ QueueUrl: await queueUrl(app, STARTER_DLQ), VisibilityTimeout: 0, MessageSystemAttributeNames: ['All'] }),
    );
    expect(Messages.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['1']);
  });

  it('shows an aborted escalation with its error and cause, newest first', async () => {
    const sfn = new SFNClient(app.config);
    await runCli(['send', 'TicketCreated', '--detail', JSON.stringify(escalatingTicket('ABORT-1')), ...app.target]);
    const executionArn = await escalationOf(app, sfn, 'ABORT-1');
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Stopped', cause: 'customer withdrew the ticket' }));
    const answer = await failuresJson('--since', '10m');
    expect(answer.failures[0]).toMatchObject({
      kind: 'execution',
      source: 'TicketTriageEscalation',
      id: executionArn.split(':').at(-1),
      error: 'Operator.Stopped',
      reason: 'ABORTED Operator.Stopped: customer withdrew the ticket',
      // What it was about: the ticket its input names.
      what: 'ticketId=ABORT-1',
    });
    const flowOnly = await failuresJson('--source', 'TicketTriageEscalation');
    expect(flowOnly.queues).toEqual([]);
    expect(flowOnly.failures.map((f) => f.kind)).toEqual(['execution']);
  });

  it('leaves out what failed before --since', async () => {
    const answer = await failuresJson('--since', new Date(Date.now() + 60_000).toISOString());
    expect(answer.failures).toEqual([]);
    // The escalation aborted by the test before may have failed within the last second (the command runs in
    // this process, with no start-up to wait out): a second later, everything that failed is older than 1s.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await runCli(['failures', '--since', '1s', ...app.target])).stdout).toContain('nothing failed since');
  });

  it('says a dead-letter a consumer has received is in flight, not that nothing failed', async () => {
    const sqs = new SQSClient(app.config);
    const url = await queueUrl(app, STARTER_DLQ);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 60 }));
    expect(Messages).toHaveLength(1);
    try {
      const text = await runCli(['failures', '--source', 'TicketTriageStarterDeadLetterQueue', ...app.target]);
      expect(text.stdout).not.toContain('nothing failed');
      expect(text.stdout).toMatch(
        /no failure to show, but dead-lettered messages are in flight \(1 in TicketTriageStarterDeadLetterQueue\)/,
      );
    } finally {
      await sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: Messages[0]?.ReceiptHandle, VisibilityTimeout: 0 }),
      );
    }
  });

  it('lists a schedule whose firing failed with AWS error, its attempts and what followed, and takes the schedule as --source', async () => {
    const scheduler = new SchedulerClient(app.config);
    // A one-time schedule due in a second, whose function does not exist: each attempt fails.
    const at = new Date(Date.now() + 1_000).toISOString().slice(0, 19);
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'report-to-nowhere',
        ScheduleExpression: `at(${at})`,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: `arn:aws:lambda:${app.config.region}:000000000000:function:no-such-function`,
          RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
          RetryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 60 },
        },
      }),
    );
    const failure = await eventually(
      async () =>
        (await failuresJson()).failures.find(
          (f) => f.kind === 'schedule' && f.source === 'default/report-to-nowhere' && f.reason.includes('dropped'),
        ),
      30_000,
      'the failed firing, dropped after its retry',
    );
    // --source takes the schedule by name, and keeps only its failures.
    const { ageMs: _age, ...same } = failure;
    expect((await failuresJson('--source', 'report-to-nowhere')).failures).toEqual([{ ...same, ageMs: expect.any(Number) }]);
    expect(failure).toMatchObject({ source: 'default/report-to-nowhere', id: `${at}Z` });
    expect(failure.reason).toMatch(/^\w+: .+; 2 attempts, MaximumRetryAttempts spent; dropped: the schedule has no dead-letter queue$/);
    expect(failure.what).toContain('function:no-such-function');
  });

  it('fails if --source names nothing of the app, listing what it has', async () => {
    const result = await runCli(['failures', '--source', 'NoSuchQueue', ...app.target]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /^switchyard failures: --source: no source "NoSuchQueue" \(the app's dead-letter queues: TicketTriageStarterDeadLetterQueue, .*; its flows: .*TicketTriage.*\); name one as the commands list it, or by its logical id, deployed name, ARN or construct path; nor did a stream, function, mapping or pipe of that name skip stream records, nor has a schedule of that name a failed firing$/,
    );
  });

  it('fails if --since is neither a duration nor an ISO time, or --limit is out of range', async () => {
    const since = await runCli(['failures', '--since', 'yesterday', ...app.target]);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since must be a duration ago such as 30m, 2h or 7d, an ISO-8601 time');
    const limit = await runCli(['failures', '--limit', '0', ...app.target]);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--limit must be a whole number from 1 to 1,000 (got "0")');
  });
});

describe('explain', () => {
  const queueSource: DeadLetterSource = {
    kind: 'queue',
    queueLogicalId: 'WorkQueueABCD1234',
    maxReceiveCount: 5,
    consumers: ['WorkerFnABCD1234'],
  };
  const text = (value: string) => ({ DataType: 'String', StringValue: value });
  const message = (overrides: Partial<Message>): Message => ({
    MessageId: 'm-1',
    Body: '{}',
    Attributes: { SentTimestamp: '1700000000000' },
    ...overrides,
  });

  it('reads the consumer kit reason from the attribute names both sides import', () => {
    const letter = explain(
      message({
        MessageAttributes: {
          [DEAD_LETTER_ATTRIBUTES.errorName]: text('InvalidTicket'),
          [DEAD_LETTER_ATTRIBUTES.errorMessage]: text('subject is empty'),
          [DEAD_LETTER_ATTRIBUTES.functionName]: text('worker'),
          [DEAD_LETTER_ATTRIBUTES.receiveCount]: { DataType: 'Number', StringValue: '2' },
          [DEAD_LETTER_ATTRIBUTES.failedAt]: text('2026-01-02T03:04:05.000Z'),
        },
      }),
      { sources: [queueSource] },
    );
    expect(letter).toMatchObject({
      errorName: 'InvalidTicket',
      reportedBy: 'consumer',
      reason: 'InvalidTicket: subject is empty (given up by worker, on receive 2)',
    });
    expect(letter.failedAt?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
  });

  it("reads EventBridge's dead-letter attributes: the target, the error, the rule and the retries", () => {
    const letter = explain(
      message({
        Body: JSON.stringify({ id: 'e-1', 'detail-type': 'TicketCreated', source: 's', detail: { ticketId: 'T-9' } }),
        MessageAttributes: {
          RULE_ARN: text('arn:aws:events:us-east-1:1:rule/hub/Starter'),
          TARGET_ARN: text('arn:aws:sqs:us-east-1:1:work'),
          ERROR_CODE: text('SQS.AccessDenied'),
          ERROR_MESSAGE: text('not allowed'),
          RETRY_ATTEMPTS: text('185'),
          EXHAUSTED_RETRY_CONDITION: text('MaximumRetryAttempts'),
        },
      }),
      { sources: [] },
    );
    expect(letter).toMatchObject({
      reportedBy: 'eventbridge',
      errorName: 'SQS.AccessDenied',
      reason:
        'EventBridge could not deliver to sqs work: SQS.AccessDenied not allowed (rule Starter, 185 retries, MaximumRetryAttempts exhausted)',
      event: { id: 'e-1', detailType: 'TicketCreated', summary: 'ticketId=T-9' },
    });
  });

  it('says a message SQS moved after maxReceiveCount receives was never deleted, and by which consumer', () => {
    const letter = explain(
      message({
        Attributes: {
          SentTimestamp: '1',
          DeadLetterQueueSourceArn: 'arn:aws:sqs:us-east-1:1:Stack-WorkQueueABCD1234',
          ApproximateReceiveCount: '6',
        },
      }),
      { sources: [queueSource] },
    );
    expect(letter.reason).toBe(
      'received 5 times from Stack-WorkQueueABCD1234 by WorkerFn, never deleted (no reason recorded: the consumer failed or timed out without saying why)',
    );
  });

  it('reads a Lambda on-failure destination record and says when nothing explains a message', () => {
    const onFailure = explain(
      message({
        Body: JSON.stringify({
          requestContext: {
            condition: 'RetriesExhausted',
            functionArn: 'arn:aws:lambda:us-east-1:1:function:fn',
            approximateInvokeCount: 3,
          },
          responsePayload: { errorType: 'TypeError', errorMessage: 'x is undefined' },
        }),
      }),
      { sources: [] },
    );
    expect(onFailure).toMatchObject({
      reportedBy: 'lambda',
      errorName: 'TypeError',
      reason: 'lambda fn failed 3 times (RetriesExhausted): TypeError x is undefined',
    });
    expect(explain(message({}), { sources: [] })).toMatchObject({ reportedBy: 'unknown', errorName: 'Unknown' });
  });
});
