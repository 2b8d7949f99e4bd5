import { DescribeExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { sqsRedriveQueue } from '../../cli/message-redrive.js';
import { outcomeLine, redriveMessages } from '../../clients/message-redrive.js';
import { DEAD_LETTER_ATTRIBUTES } from '../../domain/index.js';
import type { Clients } from '../../inspect/aws.js';
import type { DeadLetterQueue } from '../../inspect/dead-letters.js';
import { eventually } from '../local/helpers.js';
import {
  depth,
  escalatingTicket,
  escalationOf,
  putRawTicket,
  queueUrl,
  STARTER_DLQ,
  STARTER_QUEUE,
  STARTER_TARGET_DLQ,
  useApp,
} from './app-fixture.js';
import { runCli } from './run-cli.js';

const app = useApp();

interface Listed {
  id: string;
  what?: string;
  reason: string;
  failedAt: string;
}

/** The messages in the starter DLQ as failures lists them, once there are at least `count`. */
async function deadLettered(count: number): Promise<Listed[]> {
  return eventually(
    async () => {
      const result = await runCli(['failures', '--source', 'TicketTriageStarterDeadLetterQueue', '--json', ...app.target]);
      const rows = (JSON.parse(result.stdout) as { failures: Listed[] }).failures;
      return rows.length >= count ? rows : undefined;
    },
    30_000,
    `${count} dead-lettered messages`,
  );
}

/** The consumer's Switchyard.OriginalMessageId on a dead letter: the id the record had in its queue. */
async function originalMessageId(messageId: string): Promise<string | undefined> {
  const sqs = new SQSClient(app.config);
  const QueueUrl = await queueUrl(app, STARTER_DLQ);
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], VisibilityTimeout: 0 }),
  );
  return Messages.find((m) => m.MessageId === messageId)?.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.originalMessageId]?.StringValue;
}

/** Empties the starter DLQ, so that each test counts only its own dead letters. */
async function drainStarterDlq(): Promise<void> {
  const sqs = new SQSClient(app.config);
  const QueueUrl = await queueUrl(app, STARTER_DLQ);
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
    if (Messages.length === 0) return;
    for (const m of Messages) await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
  }
}

describe('switchyard redrive (queues)', () => {
  it('leaves the letters whose events break their contracts, moves the others, follows them, and exits 1 naming the error of one that fails again', async () => {
    await putRawTicket(app, { ticketId: 'RD-0', subject: 'no customer' });
    const [invalid] = await deadLettered(1);
    const sqs = new SQSClient(app.config);
    // A letter its consumer gave up on for another reason (a failure a fix in the handler cures).
    const { MessageId: failed } = await sqs.send(
      new SendMessageCommand({
        QueueUrl: await queueUrl(app, STARTER_DLQ),
        MessageBody: JSON.stringify({ id: 'e-failed', 'detail-type': 'TicketCreated', source: 'switchyard.helpdesk', detail: {} }),
        MessageAttributes: { [DEAD_LETTER_ATTRIBUTES.errorName]: { DataType: 'String', StringValue: 'Error' } },
      }),
    );
    // The consumer fails the copy again (its event is no ticket): the redrive follows it there and exits 1, naming the error.
    const result = await runCli(['redrive', 'TicketTriageStarterDeadLetterQueue', ...app.target]);
    expect(result.code, result.stderr).toBe(1);
    const copy = result.stdout.match(/\(now (\S+)\)/)?.[1];
    expect(result.stdout).toBe(
      `moved ${failed} -> ${STARTER_QUEUE} (now ${copy})\n` +
        'TicketTriageStarterDeadLetterQueue: 1 message moved, 1 left because its event breaks its contract\n' +
        'TicketTriageStarterDeadLetterQueue: then 1 failed again\n',
    );
    const [leftLine, advice, error] = result.stderr.trim().split('\n');
    // The consumer's reason names the field the event lacks.
    expect(leftLine).toMatch(
      new RegExp(
        `^left ${invalid?.id} in TicketTriageStarterDeadLetterQueue: its event breaks its contract \\(InvalidEvent: .*customer.*\\)$`,
      ),
    );
    expect(advice).toBe(
      `TicketTriageStarterDeadLetterQueue: left 1 message whose event breaks its contract (InvalidEvent: ${invalid?.id}): a redrive sends it back unchanged, ` +
        "to be dead-lettered again at once. Redrive it with its detail fixed (--ids <id> --detail <JSON>; the MCP redrive tool's detail), " +
        'or fix the event where it is produced and send it again with switchyard send; ' +
        'if the contract was what was wrong and the consumer now accepts it, redrive with --include-invalid',
    );
    expect(error).toBe(
      `switchyard redrive: TicketTriageStarterDeadLetterQueue: 1 redriven message failed again: ${copy} failed again and is back in ` +
        `${STARTER_DLQ}: InvalidEvent: TicketCreated e-failed breaks its contract: /: must have required property 'ticketId'; ` +
        "/: must have required property 'customerId'; /: must have required property 'subject'; /: must have required property 'body'",
    );
    expect((await deadLettered(2)).map((f) => f.id)).toContain(invalid?.id);
    const named = await runCli(['redrive', 'TicketTriageStarterDeadLetterQueue', '--ids', String(invalid?.id), ...app.target]);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain(`left 1 message whose event breaks its contract (InvalidEvent: ${invalid?.id})`);
    await drainStarterDlq();
  });

  it('moves a whole DLQ back to its source queue with a move task, showing the task handle and progress', async () => {
    await putRawTicket(app, { ticketId: 'RD-1', subject: 'no customer' });
    const [before] = await deadLettered(1);
    const result = await runCli(
      ['redrive', 'TicketTriageStarterDeadLetterQueue', '--include-invalid', '--interval', '100', ...app.target],
      { process: true },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(`TicketTriageStarterDeadLetterQueue: moving 1 message to ${STARTER_QUEUE}`);
    expect(lines[1]).toMatch(/^move task started: \S+$/);
    expect(lines.at(-1)).toBe('COMPLETED: moved 1 of 1');
    // Back in its queue, the (still invalid) ticket is consumed again and dead-lettered again, later.
    const again = await eventually(
      async () => (await deadLettered(1)).find((f) => f.what === 'TicketCreated ticketId=RD-1' && f.failedAt > String(before?.failedAt)),
      30_000,
      'RD-1 consumed again',
    );
    expect(again.reason).toContain('InvalidEvent');
    await drainStarterDlq();
  });

  it('exits 1 when the moved messages wait for a paused consumer, naming it, as the console line is red', async () => {
    const sqs = new SQSClient(app.config);
    const { MessageId: letter } = await sqs.send(
      new SendMessageCommand({
        QueueUrl: await queueUrl(app, STARTER_DLQ),
        MessageBody: JSON.stringify({ id: 'e-paused', 'detail-type': 'TicketCreated', source: 'switchyard.helpdesk', detail: {} }),
        MessageAttributes: { [DEAD_LETTER_ATTRIBUTES.errorName]: { DataType: 'String', StringValue: 'Error' } },
      }),
    );
    const paused = await runCli(['pause', 'TicketTriageStarterQueue', ...app.target]);
    expect(paused.code, paused.stderr).toBe(0);
    try {
      const result = await runCli(['redrive', 'TicketTriageStarterDeadLetterQueue', '--ids', String(letter), ...app.target]);
      expect(result.code, result.stdout).toBe(1);
      expect(result.stderr.trim()).toMatch(
        new RegExp(
          `^switchyard redrive: TicketTriageStarterDeadLetterQueue: not handled: 1 moved to ${STARTER_QUEUE}; its consumer \\S+ is paused, so nothing handles it yet`,
        ),
      );
    } finally {
      // The copy waits in the paused consumer's queue: taken away first, so no later test meets its dead letter.
      const QueueUrl = await queueUrl(app, STARTER_QUEUE);
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
      for (const m of Messages) await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
      expect((await runCli(['resume', 'TicketTriageStarterQueue', ...app.target])).code).toBe(0);
    }
  });

  it('--ids moves only the named message back to its source queue, and leaves the others visible', async () => {
    await putRawTicket(app, { ticketId: 'RD-2', subject: 'no customer' });
    await putRawTicket(app, { ticketId: 'RD-3', subject: 'no customer' });
    const letters = await deadLettered(2);
    const rd2 = letters.find((f) => f.what === 'TicketCreated ticketId=RD-2');
    const rd3 = letters.find((f) => f.what === 'TicketCreated ticketId=RD-3');
    const result = await runCli([
      'redrive',
      'TicketTriageStarterDeadLetterQueue',
      '--ids',
      String(rd2?.id),
      '--include-invalid',
      '--json',
      // The test follows the copy itself (the consumer fails it again), to its new dead letter.
      '--no-wait',
      ...app.target,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const [report] = JSON.parse(result.stdout);
    expect(report).toEqual({
      source: 'TicketTriageStarterDeadLetterQueue',
      moved: 1,
      messages: [{ messageId: rd2?.id, newMessageId: expect.any(String), destination: STARTER_QUEUE, destinationArn: expect.any(String) }],
      leftInvalid: [],
    });
    // The consumer received the copy sent to its queue (its own message id is on the new dead letter); RD-3 was not touched.
    const again = await eventually(
      async () => (await deadLettered(2)).find((f) => f.what === 'TicketCreated ticketId=RD-2' && f.id !== rd2?.id),
      30_000,
      'RD-2 consumed again',
    );
    expect(await originalMessageId(again.id)).toBe(report.messages[0].newMessageId);
    expect((await deadLettered(2)).find((f) => f.what === 'TicketCreated ticketId=RD-3')?.id).toBe(rd3?.id);
    await drainStarterDlq();
  });

  it("sends a rule target's dead letters to the rule's target queue, which SQS's move task cannot do", async () => {
    const sqs = new SQSClient(app.config);
    // As EventBridge would put an event it could not deliver (an invalid one, so that its arrival shows).
    const event = {
      version: '0',
      id: 'e-redrive',
      'detail-type': 'TicketCreated',
      source: 'switchyard.helpdesk',
      detail: { ticketId: 'RD-4' },
    };
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: await queueUrl(app, STARTER_TARGET_DLQ),
        MessageBody: JSON.stringify(event),
        MessageAttributes: {
          ERROR_CODE: { DataType: 'String', StringValue: 'SQS.AccessDenied' },
          TARGET_ARN: { DataType: 'String', StringValue: 'arn:aws:sqs:us-east-1:000000000000:x' },
        },
      }),
    );
    // --no-wait: only the move is said (the consumer fails the event again; the first test follows one).
    const result = await runCli(['redrive', 'TicketTriageStarterTargetDeadLetterQueue', '--no-wait', ...app.target]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^moved \\S+ -> ${STARTER_QUEUE} \\(now \\S+\\)\\nTicketTriageStarterTargetDeadLetterQueue: 1 message moved\\n$`),
    );
    expect(await depth(app, STARTER_TARGET_DLQ)).toEqual({ visible: 0, inFlight: 0 });
    await eventually(async () => (await deadLettered(1)).find((f) => f.what === 'TicketCreated ticketId=RD-4'), 30_000, 'RD-4 consumed');
    await drainStarterDlq();
  });

  it('redrives everything with --yes, going on past a source it cannot redrive and failing at the end', async () => {
    const sqs = new SQSClient(app.config);
    // EventBridge could not put a status change on the hub bus: a bus target, which only EventBridge can deliver to.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: await queueUrl(app, 'Switchyard-TicketTriageEscalationStatusChangesDeadLetterQueueB63A0E24'),
        MessageBody: JSON.stringify({
          id: 'e-status',
          'detail-type': 'Step Functions Execution Status Change',
          source: 'aws.states',
          detail: {},
        }),
      }),
    );
    const result = await runCli(['redrive', '--yes', ...app.target]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('TicketRoutingAssignDeadLetterQueue: nothing to redrive');
    expect(result.stdout).toContain('TicketTriageEscalation: no execution to redrive');
    expect(result.stderr.trim().split('\n')).toEqual([
      'TicketTriageEscalationStatusChangesDeadLetterQueue cannot be redriven from here: rule TicketTriageEscalationStatusChanges delivers to an AWS::Events::EventBus, not a queue',
      'switchyard redrive: 1 source not redriven (see above)',
    ]);
  });

  it('says when a DLQ holds nothing to redrive', async () => {
    const result = await runCli(['redrive', 'TicketRoutingAssignDeadLetterQueue', ...app.target]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('TicketRoutingAssignDeadLetterQueue: nothing to redrive');
  });

  it('fails if an --ids message is not in the queue, naming it', async () => {
    const result = await runCli(['redrive', 'TicketRoutingAssignDeadLetterQueue', '--ids', 'no-such-id', ...app.target]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('switchyard redrive: 0 moved; not in TicketRoutingAssignDeadLetterQueue (or in flight): no-such-id');
  });
});

describe('switchyard redrive (executions)', () => {
  it('redrives an aborted escalation by name, and a flow redrives each of its redrivable failed executions', async () => {
    const sfn = new SFNClient(app.config);
    await runCli(['send', 'TicketCreated', '--detail', JSON.stringify(escalatingTicket('RDX-1')), ...app.target]);
    const executionArn = await escalationOf(app, sfn, 'RDX-1');
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Stopped', cause: 'by mistake' }));
    const name = String(executionArn.split(':').at(-1));

    const result = await runCli(['redrive', name, ...app.target]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(new RegExp(`^redriven ${name} at \\S+: follow it with switchyard watch ${name}$`));
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({ status: 'RUNNING', redriveCount: 1 });

    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Stopped', cause: 'again' }));
    const flow = await runCli(['redrive', 'TicketTriageEscalation', '--json', ...app.target]);
    expect(flow.code, flow.stderr).toBe(0);
    expect(JSON.parse(flow.stdout)).toEqual([expect.objectContaining({ execution: name, executionArn })]);
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({ status: 'RUNNING', redriveCount: 2 });
  });

  it('fails if the execution cannot be redriven, with the reason Step Functions gives', async () => {
    const sfn = new SFNClient(app.config);
    await runCli(['send', 'TicketCreated', '--detail', JSON.stringify(escalatingTicket('RDX-2')), ...app.target]);
    const executionArn = await escalationOf(app, sfn, 'RDX-2');
    const result = await runCli(['redrive', executionArn, ...app.target]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('switchyard redrive: ExecutionNotRedrivable: Execution is RUNNING and cannot be redriven');
  });

  it('fails if asked to redrive an Express flow, which RedriveExecution does not take', async () => {
    const result = await runCli(['redrive', 'TicketTriage', ...app.target]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TicketTriage is an Express flow: RedriveExecution takes Standard executions only');
  });
});

describe('switchyard redrive (bad input)', () => {
  it('fails if the source is unknown, listing the known ones', async () => {
    const result = await runCli(['redrive', 'NoSuchThing', ...app.target]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /^switchyard redrive: no dead-letter queue, flow or execution "NoSuchThing" \(the app's dead-letter queues: .*; or an execution name or ARN\)$/,
    );
  });

  it('fails if asked to redrive everything without --yes, or --ids without a queue', async () => {
    const all = await runCli(['redrive', ...app.target]);
    expect(all.code).toBe(2);
    expect(all.stderr).toContain('or pass --yes to redrive everything switchyard failures lists');
    const ids = await runCli(['redrive', '--ids', 'a,b', ...app.target]);
    expect(ids.code).toBe(2);
    expect(ids.stderr).toContain('--ids needs the dead-letter queue the messages are in');
    const flowIds = await runCli(['redrive', 'TicketTriageEscalation', '--ids', 'a', ...app.target]);
    expect(flowIds.code).toBe(2);
    expect(flowIds.stderr).toContain('--ids names messages of one dead-letter queue; "TicketTriageEscalation" is not one');
  });
});

describe('sqsRedriveQueue', () => {
  /** An SQS client holding two received messages; SendMessage fails when told to. Records every call in order. */
  function fakeSqs(failSend: boolean) {
    const calls: string[] = [];
    const batches = [
      [1, 2].map((n) => ({
        MessageId: `m${n}`,
        ReceiptHandle: `h${n}`,
        Body: `body ${n}`,
        MessageAttributes: { a: { DataType: 'String', StringValue: `${n}` } },
      })),
    ];
    const sqs = {
      async send(command: object) {
        if (command instanceof ReceiveMessageCommand) {
          calls.push('receive');
          return { Messages: batches.shift() ?? [] };
        }
        if (command instanceof SendMessageCommand) {
          calls.push(`send ${command.input.QueueUrl} ${command.input.MessageBody} ${command.input.MessageAttributes?.a?.StringValue}`);
          if (failSend) throw Object.assign(new Error('queue is gone'), { name: 'QueueDoesNotExist' });
          return { MessageId: 'new' };
        }
        if (command instanceof DeleteMessageCommand) calls.push(`delete ${command.input.ReceiptHandle}`);
        if (command instanceof ChangeMessageVisibilityBatchCommand)
          calls.push(`hand back ${command.input.Entries?.map((e) => e.ReceiptHandle).join(',')}`);
        return {};
      },
    };
    const clients = { target: { kind: 'local', endpoint: 'http://x', region: 'us-east-1' }, sqs } as unknown as Clients;
    return { clients, calls };
  }
  const dlq = { name: 'Dlq', url: 'http://x/dlq', arn: 'arn:dlq', queueName: 'dlq', sources: [] } as unknown as DeadLetterQueue;
  const destination = { url: 'http://x/src', arn: 'arn:src', name: 'src' };

  it('sends each named message to its source with its attributes before deleting it, and hands the others back', async () => {
    const { clients, calls } = fakeSqs(false);
    const outcome = await redriveMessages(sqsRedriveQueue(clients, dlq), { destinationFor: () => destination, ids: ['m2'] });
    expect(outcome).toEqual({
      outcomes: [{ kind: 'moved', messageId: 'm2', newMessageId: 'new', destination: 'src', destinationArn: 'arn:src' }],
      missing: [],
    });
    expect(calls).toEqual(['receive', 'send http://x/src body 2 2', 'delete h2', 'hand back h1']);
  });

  it('never deletes a message whose send failed: it is handed back with AWS’s reason', async () => {
    const { clients, calls } = fakeSqs(true);
    const outcome = await redriveMessages(sqsRedriveQueue(clients, dlq), { destinationFor: () => destination, ids: ['m1'] });
    expect(outcome.outcomes.map((o) => outcomeLine(o, dlq.name))).toEqual([
      'message m1 not moved (it stays in Dlq): sending it to src failed: QueueDoesNotExist: queue is gone',
    ]);
    expect(calls.filter((c) => c.startsWith('delete'))).toEqual([]);
    expect(calls.at(-1)).toMatch(/^hand back (h2,h1|h1,h2)$/);
  });
});
