import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { CfnEventBus } from 'aws-cdk-lib/aws-eventsv2';
import { describe, expect, it } from 'vitest';
import { defineContract, Type } from '../../contracts/index.js';
import { EventHub } from '../../lib/constructs/index.js';
import { startApp } from '../../testing/index.js';

const OrderPlaced = defineContract({
  detailType: 'OrderPlaced',
  source: 'shop.orders',
  description: 'An order was placed.',
  properties: { orderId: Type.String({ minLength: 1 }) },
  idempotencyFields: ['orderId'],
});

/** A classic hub beside a Custom Event Bus. */
function cdkApp(): App {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'switchyard-testing-v2-')) });
  const stack = new Stack(app, 'Shop');
  new EventHub(stack, 'Hub', { eventBusName: 'shop-hub', contracts: [OrderPlaced] });
  new CfnEventBus(stack, 'Orders', { name: 'orders-v2' });
  return app;
}

describe('TestApp.send to a Custom Event Bus', () => {
  it('publishes to the Custom Event Bus the bus option names, with its group and deduplication id, and waits for its events', async () => {
    await using app = await startApp({ app: cdkApp() });
    const first = await app.send(OrderPlaced, { orderId: 'O-1' }, { bus: 'orders-v2', eventGroupId: 'g', deduplicationId: 'd-1' });
    expect(first).toMatchObject({ bus: 'orders-v2', status: 'PUBLISHED' });
    // A unique part of its name, as for a classic bus; a repeat of the deduplication id answers the first event's id.
    const again = await app.send(OrderPlaced, { orderId: 'O-1' }, { bus: 'orders', deduplicationId: 'd-1' });
    expect(again).toEqual({ ...first, status: 'DEDUPLICATED' });
    // The bus's events are waited for as a classic bus's are.
    const seen = await app.waitForEvent('orders-v2', { 'detail-type': ['OrderPlaced'], detail: { orderId: ['O-1'] } });
    expect(seen).toMatchObject({ id: first.eventId, source: 'shop.orders', detail: { orderId: 'O-1' } });
    // The classic bus is as before.
    const classic = await app.send(OrderPlaced, { orderId: 'O-2' }, { bus: 'shop-hub' });
    expect(classic.status).toBeUndefined();
    await expect(app.send(OrderPlaced, { orderId: 'O-3' }, { bus: 'shop-hub', deduplicationId: 'x' })).rejects.toThrow(
      "deduplicationId is a Custom Event Bus's (AWS::EventsV2::EventBus): name one as { bus }",
    );
    await expect(app.send(OrderPlaced, { orderId: 'O-4' }, { bus: 'nowhere' })).rejects.toThrow(
      'no event bus "nowhere" in the app; it has: shop-hub, orders-v2',
    );
  });
});
