import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketRouted } from '../../domain/index.js';
import { ignoredRecordKey } from '../../lambdas/kit/versioned-state.js';
import { LocalRuntime } from '../../local/runtime.js';
import { switchyardAssembly } from '../helpers/switchyard-assembly.js';
import { credentials, disposableData, eventually, region } from './helpers.js';

let runtime: LocalRuntime;
let events: EventBridgeClient;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-app-'));
  await switchyardAssembly(outdir);
  runtime = await LocalRuntime.start({ cdkOut: outdir, ...disposableData(), port: 0, log: () => {} });
  const config = { endpoint: runtime.url, region, credentials };
  events = new EventBridgeClient(config);
  dynamodb = new DynamoDBClient(config);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

/** Publishes a TicketRouted as the triage flow would; resolves its event id. */
async function publishRouted(detail: Record<string, unknown>): Promise<string> {
  const { Entries = [], FailedEntryCount } = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: 'Switchyard-hub',
          Source: TicketRouted.source,
          DetailType: TicketRouted.detailType,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
  expect(FailedEntryCount).toBe(0);
  return Entries[0]?.EventId as string;
}

async function item(ticketId: string): Promise<Record<string, unknown> | undefined> {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  const table = TableNames.find((name) => name.includes('Assignments'));
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { ticketId: { S: ticketId } }, ConsistentRead: true }));
  return Item ? unmarshall(Item) : undefined;
}

describe('TicketRouting on the local runtime', () => {
  it("ignores the model's routing arriving after a person's, and records why", async () => {
    const human = await publishRouted({
      ticketId: 'OOO-1',
      queue: 'security',
      decidedBy: 'human',
      confidence: 0.4,
      model: 'm',
      reviewer: 'sam',
    });
    await eventually(async () => ((await item('OOO-1'))?.routedEventId === human ? true : undefined), 30_000, 'the human decision applied');
    const late = await publishRouted({ ticketId: 'OOO-1', queue: 'billing', decidedBy: 'model', confidence: 0.9, model: 'm' });
    const ignored = await eventually(async () => item(ignoredRecordKey('OOO-1', late)), 30_000, 'the late decision recorded as ignored');
    expect(ignored).toMatchObject({ kind: 'ignored', eventId: late, eventVersion: 1000, currentVersion: 3000, reason: 'stale' });
    expect(await item('OOO-1')).toMatchObject({ queue: 'security', decidedBy: 'human', version: 3000, routedEventId: human });
  }, 90_000);
});
