import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { ticketCreatedEntry } from '../helpers/hub.js';
import { AWS_CLI_SKIP_REASON, awsCli, awsCliMissing } from './aws-cli.js';
import { eventually } from './helpers.js';
import { useSwitchyardApp } from './switchyard-app.js';

/** The events the hub accepted, as the runtime's console prints them. */
let busLines: string[];
let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;
let events: EventBridgeClient;
let tickets: string;

useSwitchyardApp(async (app) => {
  ({ runtime, busLines, dynamodb, events } = app);
  tickets = await app.tableNamed('Tickets');
});

/** Every event of `detailType` about `ticketId` the hub accepted, by detail. */
function published(detailType: string, ticketId: string): Record<string, unknown>[] {
  return busLines
    .filter((l) => l.includes(` ${detailType} `) && l.includes(`"ticketId":"${ticketId}"`))
    .map((line) => JSON.parse(line.slice(line.indexOf(`${detailType} `) + detailType.length + 1)));
}

const row = (ticketId: string) => ({
  ticketId: { S: ticketId },
  customerId: { S: 'C-7' },
  subject: { S: 'Charged twice' },
  body: { S: 'My card was charged twice for the May invoice, please refund one.' },
});

describe('ticket rows captured into the triage flow (local)', () => {
  it('turns a ticket row put with the SDK into TicketCreated on the hub, and the triage workflow routes it', async () => {
    await dynamodb.send(new PutItemCommand({ TableName: tickets, Item: row('T-CDC-1') }));
    const [created] = await eventually(async () => {
      const found = published('TicketCreated', 'T-CDC-1');
      return found.length > 0 ? found : undefined;
    });
    expect(created).toMatchObject({
      ticketId: 'T-CDC-1',
      customerId: 'C-7',
      subject: 'Charged twice',
      changeId: expect.stringMatching(new RegExp(`^${tickets}#[0-9a-f]{32}$`)),
      change: {
        detailType: 'TicketCreated',
        kind: 'INSERT',
        table: tickets,
        keys: { ticketId: 'T-CDC-1' },
        newImage: { ticketId: 'T-CDC-1' },
      },
    });
    expect(busLines.find((l) => l.includes('"ticketId":"T-CDC-1"'))).toContain('switchyard.helpdesk TicketCreated');
    await eventually(async () => (published('TicketRouted', 'T-CDC-1').length > 0 ? true : undefined), 30_000, 'TicketRouted');
  }, 60_000);

  it.skipIf(awsCliMissing)(
    `turns a row put with aws dynamodb put-item into a triaged ticket${awsCliMissing ? ` (${AWS_CLI_SKIP_REASON})` : ''}`,
    async () => {
      await awsCli(runtime.url, ['dynamodb', 'put-item', '--table-name', tickets, '--item', JSON.stringify(row('T-CDC-2'))]);
      await eventually(async () => (published('TicketRouted', 'T-CDC-2').length > 0 ? true : undefined), 30_000, 'TicketRouted');
      expect(published('TicketCreated', 'T-CDC-2')).toHaveLength(1);
    },
    60_000,
  );

  it('triages a ticket once when it is both inserted as a row and sent as an event (both keyed on ticketId)', async () => {
    await dynamodb.send(new PutItemCommand({ TableName: tickets, Item: row('T-CDC-3') }));
    await events.send(
      new PutEventsCommand({
        Entries: [ticketCreatedEntry({ ticketId: 'T-CDC-3', customerId: 'C-7', subject: 'Charged twice', body: 'Refund one, please.' })],
      }),
    );
    await eventually(async () => (published('TicketCreated', 'T-CDC-3').length === 2 ? true : undefined), 30_000, 'both TicketCreated');
    await eventually(async () => (published('TicketRouted', 'T-CDC-3').length > 0 ? true : undefined), 30_000, 'TicketRouted');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(published('TicketRouted', 'T-CDC-3')).toHaveLength(1);
  }, 60_000);

  it('publishes nothing for an update of a ticket row (the pipe keeps only inserts)', async () => {
    await dynamodb.send(new PutItemCommand({ TableName: tickets, Item: row('T-CDC-4') }));
    await eventually(async () => (published('TicketCreated', 'T-CDC-4').length > 0 ? true : undefined));
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: tickets,
        Key: { ticketId: { S: 'T-CDC-4' } },
        UpdateExpression: 'SET subject = :s',
        ExpressionAttributeValues: { ':s': { S: 'Charged three times' } },
      }),
    );
    await runtime.pipes.idle();
    expect(busLines.filter((l) => l.includes('"ticketId":"T-CDC-4"') && l.includes('TicketUpdated'))).toEqual([]);
    expect(published('TicketCreated', 'T-CDC-4')).toHaveLength(1);
  }, 60_000);
});
