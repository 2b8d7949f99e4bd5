import { describe, expect, it } from 'vitest';
import { type CustomBusesPage, READ_API_PATHS, READ_API_PREFIX } from '../../clients/read-api-contract.js';
import { LocalRuntime } from '../../local/runtime.js';
import { BROWSER_TESTS_RUN, useConsoleBrowser } from '../helpers/console-browser.js';
import { assemblyOf } from '../local/assembly.js';
import { disposableData } from '../local/helpers.js';
import { arnOf, sqsQueue } from '../local/template-resources.js';

const ROLE = 'arn:aws:iam::000000000000:role/deliver';

/** An app with a Custom Event Bus and one SQS subscriber, as aws-cdk-lib's `aws-eventsv2` L1s synthesize them. */
const APP = assemblyOf({
  Bus: { Type: 'AWS::EventsV2::EventBus', Properties: { Name: 'orders-bus' } },
  Orders: sqsQueue('orders'),
  ToOrders: {
    Type: 'AWS::EventsV2::Subscriber',
    Properties: {
      Name: 'to-orders',
      EventBusArn: { Ref: 'Bus' },
      InvokeConfiguration: { RoleArn: ROLE, TargetArn: arnOf('Orders') },
      FilterConfiguration: { Filters: [{ Pattern: '{"source": ["shop"]}', Scope: 'DATA' }] },
    },
  },
});

/** The console's events page draws the Custom Event Buses, their subscribers and counts, and their events (in Debian's chromium). */
let runtime: LocalRuntime;

describe.skipIf(!BROWSER_TESTS_RUN)("the console's Custom Event Buses in a browser", () => {
  const { open } = useConsoleBrowser({
    async start() {
      runtime = await LocalRuntime.start({ cdkOut: APP, ...disposableData(), port: 0, log: () => undefined });
      return runtime;
    },
    stop: (started) => started.stop(),
    url: (started) => started.url,
    timeoutMs: 60_000,
  });

  it("draws a bus's subscribers with the events each delivered, each event with its subscriber's outcome and its lineage", async () => {
    const page = await open('#/events');
    const section = page.locator('section.custom-buses');
    await section.locator('[data-bus="orders-bus"]').waitFor({ timeout: 10_000 });
    const subscriber = section.locator('tr[data-subscriber="to-orders"]');
    expect(await subscriber.locator('[data-count="delivered"]').textContent()).toBe('0');
    const { buses } = (await (await fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.customBuses}`)).json()) as CustomBusesPage;
    const entry = { EventBusArn: buses[0]?.arn, Source: 'shop', DetailType: 'OrderPlaced', Data: '{"order": "O-1"}' };
    await runtime.eventbridgev2.PutEvents({ EventBusArn: buses[0]?.arn, Entries: [entry, { ...entry, Data: '{"order": "O-2"}' }] });
    // The counts follow the live feed: both events delivered, drawn in the subscriber's row.
    await expect.poll(() => subscriber.locator('[data-count="delivered"]').textContent(), { timeout: 15_000 }).toBe('2');
    expect(await section.locator('h3').first().textContent()).toContain('orders-bus');
    expect(await subscriber.locator('td').first().textContent()).toBe('to-orders');
    // Each event in the list, on its bus, the subscriber in a rule's place with its outcome.
    const row = page.locator('details.event[data-bus="orders-bus"]', { hasText: 'OrderPlaced' });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(2);
    await expect.poll(() => row.first().locator('.rules').textContent(), { timeout: 10_000 }).toMatch(/to-orders.*→.*orders delivered/);
    // Its lineage (the events page's link): the event, and its delivery to the subscriber's target.
    await row.first().locator('summary').click();
    await row.first().getByRole('link', { name: 'Lineage of this event' }).click();
    const tree = page.locator('.lineage ul.tree');
    await tree.waitFor({ timeout: 10_000 });
    await expect.poll(() => tree.textContent(), { timeout: 10_000 }).toMatch(/OrderPlaced[\s\S]*to-orders/);
  });
});
