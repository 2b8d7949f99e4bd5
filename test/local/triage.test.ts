import { type DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ListQueuesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_ATTRIBUTES } from '../../domain/index.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { ticketCreatedEntry } from '../helpers/hub.js';
import { eventually } from './helpers.js';
import { useSwitchyardApp } from './switchyard-app.js';

/** The events the hub accepted, as the runtime's console prints them. */
let busLines: string[];
let runtime: LocalRuntime;
let events: EventBridgeClient;
let sfn: SFNClient;
let sqs: SQSClient;
let dynamodb: DynamoDBClient;

useSwitchyardApp((app) => {
  ({ runtime, busLines, events, sfn, sqs, dynamodb } = app);
});

function ticketCreated(ticketId: string, subject: string, body: string | undefined) {
  return new PutEventsCommand({
    Entries: [ticketCreatedEntry({ ticketId, customerId: 'C-1', subject, body })],
  });
}

/** The URL of the one queue whose name contains `part`. */
async function queueUrl(part: string): Promise<string> {
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
  const matching = QueueUrls.filter((url) => (url.split('/').at(-1) ?? '').includes(part));
  if (matching.length !== 1) throw new Error(`expected one queue named *${part}*, found ${matching.join(', ') || 'none'}`);
  return matching[0] as string;
}

/** The assignment the routing consumer wrote for `ticketId`, if any. */
async function assignment(ticketId: string): Promise<Record<string, unknown> | undefined> {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  const table = TableNames.find((name) => name.includes('Assignments'));
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { ticketId: { S: ticketId } }, ConsistentRead: true }));
  return Item ? unmarshall(Item) : undefined;
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
    // The effect that counts: the ticket's assignment, written once by the TicketRouted consumer.
    const assigned = await eventually(() => assignment('TRI-1'), 30_000, 'the assignment of TRI-1');
    expect(assigned).toMatchObject({ ticketId: 'TRI-1', queue: 'billing', decidedBy: 'model' });
  });

  it('sends a TicketCreated without body to the starter DLQ within a minute, with the reason as attributes', async () => {
    const started = Date.now();
    await events.send(ticketCreated('TRI-BAD', 'No body', undefined));
    const dlq = await queueUrl('TicketTriageStarterDeadLetterQueue');
    const message = await eventually(
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], AttributeNames: ['All'] }),
        );
        return Messages.find((m) => m.Body?.includes('"TRI-BAD"'));
      },
      60_000,
      'the invalid ticket in the DLQ',
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
    expect(attribute(DEAD_LETTER_ATTRIBUTES.errorName)).toBe('InvalidEvent');
    expect(attribute(DEAD_LETTER_ATTRIBUTES.errorMessage)).toContain("must have required property 'body'");
    expect(attribute(DEAD_LETTER_ATTRIBUTES.functionName)).toMatch(/Starter/);
    expect(attribute(DEAD_LETTER_ATTRIBUTES.receiveCount)).toBe('1');
    expect(attribute(DEAD_LETTER_ATTRIBUTES.originalMessageId)).toMatch(/\S/);
    expect(Number.isNaN(Date.parse(attribute(DEAD_LETTER_ATTRIBUTES.failedAt) ?? ''))).toBe(false);
    // Not retried: the message was received once, then sent on by the consumer itself.
    expect(message.Attributes?.ApproximateReceiveCount).toBe('1');
  }, 70_000);

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

  it('refuses a malformed decision with its reason and asks again before the same deadline', async () => {
    const all = (detailType: string) =>
      busLines
        .filter((l) => l.includes(` ${detailType} `) && l.includes('"ticketId":"TRI-4"'))
        .map((l) => JSON.parse(l.slice(l.indexOf(`${detailType} `) + detailType.length + 1)) as Record<string, unknown>);
    await events.send(ticketCreated('TRI-4', 'hello', 'asdf qwerty'));
    const [first] = await eventually(async () => (all('TicketEscalated').length > 0 ? all('TicketEscalated') : undefined), 30_000, 'ask 1');
    await sfn.send(new SendTaskSuccessCommand({ taskToken: String(first?.taskToken), output: JSON.stringify({ decision: 'yes please' }) }));
    const [refused] = await eventually(
      async () => (all('TicketDecisionRefused').length > 0 ? all('TicketDecisionRefused') : undefined),
      30_000,
      'refusal',
    );
    expect(refused).toMatchObject({
      attempt: 1,
      problems: ['decision must be "approve" or "reject" (got yes please)'],
      decideBy: first?.decideBy,
    });
    const second = await eventually(async () => all('TicketEscalated')[1], 30_000, 'ask 2');
    expect(second).toMatchObject({ attempt: 2, decideBy: first?.decideBy });
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: String(second.taskToken),
        output: JSON.stringify({ decision: 'reject', queue: 'security' }),
      }),
    );
    const routed = await eventually(async () => published('TicketRouted', 'TRI-4'), 30_000, 'TicketRouted after the second answer');
    expect(routed).toMatchObject({ queue: 'security', decidedBy: 'human' });
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

  it('retries a model failure a ticket simulates, and gives the ticket to a person when the model keeps failing', async () => {
    const withSimulation = (ticketId: string, times?: number) =>
      new PutEventsCommand({
        Entries: [
          ticketCreatedEntry({
            ticketId,
            customerId: 'C-1',
            subject: 'Charged twice this month',
            body: 'My card was charged twice for the same invoice, please refund one.',
            simulate: [{ step: 'classify', failure: 'unavailable', ...(times ? { times } : {}) }],
          }),
        ],
      });
    await events.send(withSimulation('TRI-SIM-1', 1));
    await events.send(withSimulation('TRI-SIM-2'));
    // One failure: the flow's retry classifies it as if nothing had happened.
    const routed = await eventually(async () => published('TicketRouted', 'TRI-SIM-1'), 30_000, 'TicketRouted after a retry');
    expect(routed).toMatchObject({ queue: 'billing', decidedBy: 'model' });
    // Failing on every attempt: ModelFailed, and a person is asked instead.
    const escalated = await eventually(async () => published('TicketEscalated', 'TRI-SIM-2'), 30_000, 'TicketEscalated');
    expect(escalated).toMatchObject({ ticketId: 'TRI-SIM-2', confidence: 0 });
    expect(published('TicketRouted', 'TRI-SIM-2')).toBeUndefined();
  });
});
