import { EventBridgeV2Client, type PutEventsV2Entry } from '../contracts/eventbridgev2-client.js';
import { TEST_CREDENTIALS, TEST_REGION } from './clients.js';
import { known, TestAppError } from './poll.js';
import type { RunningApp } from './start.js';
import { uniqueMatch } from './waits.js';

/** A Custom Event Bus of the running app, as ListEventBuses answers it. */
interface CustomBus {
  readonly name: string;
  readonly arn: string;
}

/**
 * The one Custom Event Bus client (contracts/eventbridgev2-client.ts, the kit's) for the test's
 * runtime: its endpoint and the test credentials, one attempt per call as the test's SDK clients.
 * The caller destroys it.
 */
function clientFor(app: RunningApp): EventBridgeV2Client {
  return new EventBridgeV2Client({
    endpoint: app.endpoint,
    region: TEST_REGION,
    credentials: async () => TEST_CREDENTIALS,
    maxAttempts: 1,
    env: {},
  });
}

async function customBuses(client: EventBridgeV2Client): Promise<CustomBus[]> {
  const buses: CustomBus[] = [];
  let nextToken: string | undefined;
  do {
    const page = (await client.call('ListEventBuses', nextToken ? { NextToken: nextToken } : {})) as {
      EventBuses?: { Name?: string; EventBusArn?: string }[];
      NextToken?: string;
    };
    for (const bus of page.EventBuses ?? []) if (bus.Name && bus.EventBusArn) buses.push({ name: bus.Name, arn: bus.EventBusArn });
    nextToken = page.NextToken;
  } while (nextToken);
  return buses;
}

/**
 * The bus `wanted` names among the app's classic buses and its Custom Event Buses (its name or a
 * unique part of it, as for a classic bus): the Custom Event Bus's, or undefined for a classic one.
 * @throws TestAppError listing every bus when it names none
 */
export async function customBusNamed(app: RunningApp, wanted: string): Promise<CustomBus | undefined> {
  const classic = app.runtime.definitions.buses.map((b) => b.name);
  if (classic.includes(wanted)) return undefined;
  const client = clientFor(app);
  try {
    const custom = await customBuses(client);
    const names = [...classic, ...custom.map((b) => b.name)];
    const name = known('event bus', wanted, names, uniqueMatch(wanted, names));
    return custom.find((b) => b.name === name && !classic.includes(name));
  } finally {
    client.destroy();
  }
}

/** What PutEvents answered for the one entry: its EventId and PUBLISHED or DEDUPLICATED. */
export interface CustomBusPublished {
  readonly eventId: string;
  readonly status: 'PUBLISHED' | 'DEDUPLICATED';
}

/**
 * Publishes one entry to a Custom Event Bus with the eventbridgev2 API's PutEvents.
 * @throws TestAppError naming the bus, the event and the bus's error when it refuses the entry
 */
export async function publishToCustomBus(app: RunningApp, bus: CustomBus, entry: PutEventsV2Entry): Promise<CustomBusPublished> {
  const client = clientFor(app);
  try {
    const result = (await client.putEvents({ EventBusArn: bus.arn, Entries: [entry] })).Entries?.[0];
    if (result?.EventId !== undefined && (result.SuccessCode === 'PUBLISHED' || result.SuccessCode === 'DEDUPLICATED')) {
      return { eventId: result.EventId, status: result.SuccessCode };
    }
    throw new TestAppError(
      `the Custom Event Bus ${bus.name} refused the ${entry.DetailType}: ${result?.ErrorCode}: ${result?.ErrorMessage}`,
    );
  } finally {
    client.destroy();
  }
}
