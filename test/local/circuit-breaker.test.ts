import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { ticketCreatedEntry } from '../helpers/hub.js';
import { eventually } from './helpers.js';
import { useSwitchyardApp } from './switchyard-app.js';

/** The events the hub accepted, as the runtime's console prints them. */
let busLines: string[];
let events: EventBridgeClient;
let dynamodb: DynamoDBClient;
let circuitTable: string;

useSwitchyardApp(async (app) => {
  ({ busLines, events, dynamodb } = app);
  circuitTable = await app.tableNamed('ModelCircuit');
});

function sendTicket(ticketId: string) {
  return events.send(
    new PutEventsCommand({
      Entries: [
        ticketCreatedEntry({
          ticketId,
          customerId: 'C-1',
          subject: 'Charged twice this month',
          body: 'My card was charged twice, refund one.',
        }),
      ],
    }),
  );
}

function published(detailType: string, text: string): Record<string, unknown> | undefined {
  const line = busLines.find((l) => l.includes(` ${detailType} `) && l.includes(text));
  return line === undefined ? undefined : JSON.parse(line.slice(line.indexOf(`${detailType} `) + detailType.length + 1));
}

/** The state five model failures in a minute leave behind (what `aws dynamodb put-item` does in the README). */
function openCircuit(openUntil: number) {
  return dynamodb.send(
    new PutItemCommand({
      TableName: circuitTable,
      Item: marshall({ id: 'ticket-model', state: 'open', generation: 1, openUntil, lastFailure: 'ModelUnavailable: the model is down' }),
    }),
  );
}

describe('the triage model circuit on the local runtime', () => {
  it('escalates a ticket without calling the model while open, and closes on the first call after the open period', async () => {
    await openCircuit(Date.now() + 60_000);
    await sendTicket('CB-1');
    // A confident ticket, yet a person is asked: the model step failed fast to the ModelFailed path.
    const escalated = await eventually(async () => published('TicketEscalated', '"CB-1"'), 30_000, 'TicketEscalated');
    // Both of the escalation policy's conditions hold: no confidence, and a failed step.
    expect(escalated).toMatchObject({ ticketId: 'CB-1', confidence: 0, triggers: ['confidence-below-0.7', 'step-failed'] });

    await openCircuit(Date.now() - 1);
    await sendTicket('CB-2');
    const routed = await eventually(async () => published('TicketRouted', '"CB-2"'), 30_000, 'TicketRouted');
    expect(routed).toMatchObject({ ticketId: 'CB-2', queue: 'billing', decidedBy: 'model' });
    const closed = await eventually(async () => published('CircuitClosed', '"ticket-model"'), 10_000, 'CircuitClosed');
    expect(closed).toMatchObject({ circuit: 'ticket-model', generation: 3 });
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: circuitTable, Key: { id: { S: 'ticket-model' } }, ConsistentRead: true }),
    );
    expect(unmarshall(Item ?? {})).toMatchObject({ state: 'closed', generation: 3 });
  }, 90_000);
});
