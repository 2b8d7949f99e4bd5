import { CUSTOM_EVENT_BUS_ARN, EventBridgeV2Client } from '../contracts/eventbridgev2-client.js';
import { type Clients, call, endpointOf } from './aws.js';
import { CliError } from './errors.js';

/**
 * The Custom Event Bus client (contracts/eventbridgev2-client.ts, the one the kit publishes
 * with) for the commands' target: the local runtime's endpoint (AWS_ENDPOINT_URL_EVENTBRIDGEV2
 * first, as for every service) with the runtime's any-credentials and one attempt, so a stopped
 * runtime is reported at once; or AWS, signed with the credentials and region the commands'
 * EventBridge client resolves (the profile, the environment, the SDKs' chain).
 */
export async function customBusClient(clients: Clients): Promise<EventBridgeV2Client> {
  const { target } = clients;
  if (target.kind === 'local') {
    return new EventBridgeV2Client({
      endpoint: endpointOf(target, 'eventsv2'),
      region: target.region,
      credentials: async () => ({ accessKeyId: 'local', secretAccessKey: 'local' }),
      maxAttempts: 1,
      env: {},
    });
  }
  const config = clients.events.config;
  const region = await call(target, () => config.region());
  return new EventBridgeV2Client({ region, credentials: () => config.credentials() });
}

/** A Custom Event Bus the target has, as ListEventBuses answers it. */
export interface CustomBus {
  readonly name: string;
  readonly arn: string;
}

/**
 * The target's Custom Event Buses whose name begins with `prefix` (every one without), through
 * ListEventBuses' pages.
 * @throws CliError as describeAwsError words a failed call (a stopped runtime, no credentials)
 */
export async function customBusesOf(clients: Clients, client: EventBridgeV2Client, prefix?: string): Promise<CustomBus[]> {
  const found: CustomBus[] = [];
  let nextToken: string | undefined;
  do {
    const page = (await call(clients.target, () =>
      client.call('ListEventBuses', { ...(prefix ? { NamePrefix: prefix } : {}), ...(nextToken ? { NextToken: nextToken } : {}) }),
    )) as { EventBuses?: { Name?: string; EventBusArn?: string }[]; NextToken?: string };
    for (const bus of page.EventBuses ?? []) {
      if (bus.Name !== undefined && bus.EventBusArn !== undefined) found.push({ name: bus.Name, arn: bus.EventBusArn });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return found;
}

/**
 * The ARN PutEvents takes for the Custom Event Bus named `name` (an ARN is taken as given):
 * ListEventBuses by the name as a prefix, the one whose name is exactly it.
 * @throws CliError naming the bus and listing the target's Custom Event Buses when it has none of that name
 */
export async function customBusArn(clients: Clients, client: EventBridgeV2Client, name: string): Promise<string> {
  if (CUSTOM_EVENT_BUS_ARN.test(name)) return name;
  const exact = (await customBusesOf(clients, client, name)).find((bus) => bus.name === name);
  if (exact !== undefined) return exact.arn;
  const all = await customBusesOf(clients, client);
  throw new CliError(
    `no Custom Event Bus ${name} at ${client.endpoint.origin} (its Custom Event Buses: ${all.map((b) => b.name).join(', ') || 'none'}); aws eventsv2 list-event-buses lists them`,
  );
}
