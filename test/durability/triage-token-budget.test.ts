import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketCreated } from '../../domain/index.js';
import { TokenBudget } from '../../lambdas/kit/flow-control/token-budget.js';
import { TRIAGE_MODEL_TOKENS } from '../../lib/flows/ticket-triage.js';
import { startApp, type TestApp } from '../../testing/index.js';
import { toHub } from '../helpers/hub.js';
import { switchyardAppFolder } from '../helpers/switchyard-assembly.js';
import { credentials, eventually, region } from '../local/helpers.js';

let app: TestApp;
let events: EventBridgeClient;
let budget: TokenBudget;

beforeAll(async () => {
  // The reference app holds every grant it needs: AWS would refuse nothing it does.
  app = await startApp({ cdkOut: await switchyardAppFolder() }, { iam: 'enforce' });
  const config = { endpoint: app.endpoint, region, credentials };
  events = new EventBridgeClient(config);
  const dynamodb = new DynamoDBClient(config);
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  budget = new TokenBudget({ client: dynamodb, tableName: TableNames.find((name) => name.includes('ModelTokens')) ?? 'missing' });
}, 120_000);
afterAll(async () => {
  await app?.stop();
});

/** Whether the hub accepted such an event (the runtime prints each as `[events] Switchyard-hub <- ...`). */
const sent = (detailType: string, ticketId: string) =>
  app.logs().some((l) => l.startsWith('[events] Switchyard-hub <-') && l.includes(` ${detailType} `) && l.includes(ticketId));

describe('triage under its model token budget on the local runtime', () => {
  it('holds a ticket back while the model window is full, neither failing it nor giving it to a person, and routes it once the window has room', async () => {
    // Another flow (or a burst) has used all but 100 tokens of the local model's minute.
    const perMinute = TRIAGE_MODEL_TOKENS.tokensPerMinute;
    const burst = await budget.reserve([{ scope: 'model', key: 'local', limits: { perMinute } }], perMinute - 100);
    await events.send(
      toHub(TicketCreated, { ticketId: 'T-TOKENS-1', customerId: 'C-1', subject: 'Charged twice', body: 'Refund one charge.' }),
    );
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    expect(sent('TicketCreated', 'T-TOKENS-1')).toBe(true);
    expect(sent('TicketRouted', 'T-TOKENS-1')).toBe(false);
    expect(sent('TicketEscalated', 'T-TOKENS-1')).toBe(false);

    // The burst settles to what it used (nothing): the window has room; the paused starter tries again.
    await budget.settle(burst, 0);
    await eventually(async () => (sent('TicketRouted', 'T-TOKENS-1') ? true : undefined), 90_000, 'TicketRouted for T-TOKENS-1');
    expect(sent('TicketEscalated', 'T-TOKENS-1')).toBe(false);
  }, 150_000);
});
