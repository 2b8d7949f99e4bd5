import { createHmac } from 'node:crypto';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { PaymentReceived, webhookEventId } from '../../../domain/index.js';
import { EventPublisher } from '../../../lambdas/kit/emit.js';
import { createWebhookHandler, type SigningSecrets } from '../../../lambdas/kit/webhook.js';
import { translatePayment } from '../../../lambdas/webhooks/payment-events.js';
import { useDynamoDb, useTablePerTest } from '../../helpers/dynamodb-engine.js';
import { lambdaContext } from '../../helpers/events.js';
import { FakeEventBridge } from '../../helpers/fake-eventbridge.js';

const SECRET = 'whsec_test_secret';
const now = new Date('2026-01-01T00:00:00Z');
const t = now.getTime() / 1000;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const dynamo = useDynamoDb();
const table = useTablePerTest(dynamo, 'idempotency');

function paymentBody(overrides: { id?: string; type?: string; object?: Record<string, unknown> } = {}): string {
  return JSON.stringify({
    id: overrides.id ?? 'evt_1',
    object: 'event',
    type: overrides.type ?? 'payment_intent.succeeded',
    data: { object: overrides.object ?? { id: 'pi_1', amount: 2000, amount_received: 2000, currency: 'usd', customer: 'cus_1' } },
  });
}

function signed(body: string, { secret = SECRET, at = t }: { secret?: string; at?: number } = {}): string {
  return `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${body}`).digest('hex')}`;
}

function request(body: string, headers: Record<string, string>, isBase64Encoded = false): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/payments',
    rawPath: '/webhooks/payments',
    rawQueryString: '',
    headers,
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded,
    body: isBase64Encoded ? Buffer.from(body).toString('base64') : body,
  };
}

class FakeSecrets implements SigningSecrets {
  refreshes = 0;
  constructor(
    public current: string[],
    private next?: string[],
  ) {}
  async values() {
    return this.current;
  }
  async refresh() {
    this.refreshes++;
    if (this.next === undefined) return false;
    this.current = this.next;
    this.next = undefined;
    return true;
  }
}

function handlerWith(
  bus: FakeEventBridge,
  secrets: SigningSecrets = new FakeSecrets([SECRET]),
  maxBodyBytes?: number,
  contract: typeof PaymentReceived = PaymentReceived,
) {
  return createWebhookHandler({
    provider: 'payments',
    signature: { kind: 'stripe' },
    secrets,
    contract,
    translate: translatePayment,
    publisher: new EventPublisher({ client: bus.client, eventBusName: 'hub', baseDelayMs: 1, maxAttempts: 1 }),
    idempotency: { persistenceStore: new DynamoDBPersistenceLayer({ tableName: table.name, awsSdkV3Client: dynamo.client }) },
    logger: quiet,
    now: () => now,
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  });
}

async function call(handler: ReturnType<typeof handlerWith>, event: APIGatewayProxyEventV2) {
  const result = await handler(event, lambdaContext());
  return { status: result.statusCode, body: JSON.parse(String(result.body)) as Record<string, unknown> };
}

describe('createWebhookHandler', () => {
  it('answers 202 with the event id derived from provider and delivery id, and publishes one PaymentReceived', async () => {
    const bus = new FakeEventBridge();
    const body = paymentBody();
    const answer = await call(handlerWith(bus), request(body, { 'stripe-signature': signed(body) }));
    const eventId = webhookEventId('payments', 'evt_1');
    expect(answer).toEqual({ status: 202, body: { eventId } });
    expect(bus.published).toHaveLength(1);
    const entry = bus.published[0];
    expect(entry).toMatchObject({ EventBusName: 'hub', Source: 'switchyard.payments', DetailType: 'PaymentReceived' });
    expect(JSON.parse(entry?.Detail ?? '{}')).toEqual({
      eventId,
      provider: 'payments',
      deliveryId: 'evt_1',
      paymentId: 'pi_1',
      amount: 2000,
      currency: 'usd',
      customerId: 'cus_1',
      metadata: { correlationId: eventId },
    });
  });

  it('answers a redelivery of an accepted delivery 202 with the same event id and publishes nothing', async () => {
    const bus = new FakeEventBridge();
    const handler = handlerWith(bus);
    const body = paymentBody();
    const first = await call(handler, request(body, { 'stripe-signature': signed(body) }));
    // Stripe signs a redelivery anew (a new timestamp); the event id in the body is the same.
    const second = await call(handler, request(body, { 'stripe-signature': signed(body, { at: t - 60 }) }));
    expect(second).toEqual(first);
    expect(bus.calls).toHaveLength(1);
  });

  it('answers a concurrent copy of a delivery being published 409, so the provider retries it, and publishes once', async () => {
    const bus = new FakeEventBridge();
    const send = bus.send.bind(bus);
    // PutEvents takes a while, so the second copy arrives while the first holds the claim.
    bus.send = async (command) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return send(command);
    };
    const handler = handlerWith(bus);
    const body = paymentBody({ id: 'evt_concurrent' });
    const answers = await Promise.all([
      call(handler, request(body, { 'stripe-signature': signed(body) })),
      call(handler, request(body, { 'stripe-signature': signed(body) })),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    expect(bus.calls).toHaveLength(1);
    const retry = await call(handler, request(body, { 'stripe-signature': signed(body) }));
    expect(retry).toEqual({ status: 202, body: { eventId: webhookEventId('payments', 'evt_concurrent') } });
    expect(bus.calls).toHaveLength(1);
  });

  it('verifies a base64-encoded body over its decoded bytes', async () => {
    const bus = new FakeEventBridge();
    const body = paymentBody({ id: 'evt_b64' });
    const answer = await call(handlerWith(bus), request(body, { 'stripe-signature': signed(body) }, true));
    expect(answer.status).toBe(202);
    expect(bus.published).toHaveLength(1);
  });

  it('fails with 401 if the signature is missing, wrong or stale, and publishes nothing', async () => {
    const bus = new FakeEventBridge();
    const handler = handlerWith(bus);
    const body = paymentBody();
    expect(await call(handler, request(body, {}))).toEqual({ status: 401, body: { message: 'missing stripe-signature header' } });
    expect((await call(handler, request(body, { 'stripe-signature': signed(body, { secret: 'whsec_other' }) }))).status).toBe(401);
    expect((await call(handler, request(`${body} `, { 'stripe-signature': signed(body) }))).status).toBe(401);
    const stale = await call(handler, request(body, { 'stripe-signature': signed(body, { at: t - 301 }) }));
    expect(stale.status).toBe(401);
    expect(stale.body.message).toContain('tolerance is 300 s');
    expect(bus.calls).toHaveLength(0);
  });

  it('fails with 400 naming the problem if the body is not JSON, and publishes nothing', async () => {
    const bus = new FakeEventBridge();
    const body = '} I am not valid JSON; 123][';
    const answer = await call(handlerWith(bus), request(body, { 'stripe-signature': signed(body) }));
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/^body is not JSON/);
    expect(bus.calls).toHaveLength(0);
  });

  it('fails with 400 naming the limit if the body is over it, and publishes nothing', async () => {
    const bus = new FakeEventBridge();
    const body = paymentBody();
    const answer = await call(handlerWith(bus, undefined, 100), request(body, { 'stripe-signature': signed(body) }));
    expect(answer).toEqual({ status: 400, body: { message: `body is ${Buffer.byteLength(body)} bytes; the limit is 100 bytes` } });
    expect(bus.calls).toHaveLength(0);
  });

  it('fails with 400 naming the field if the delivery breaks the event contract, and publishes nothing', async () => {
    const bus = new FakeEventBridge();
    const body = paymentBody({ object: { id: 'pi_2', amount: '20.00', currency: 'usd' } });
    const answer = await call(handlerWith(bus), request(body, { 'stripe-signature': signed(body) }));
    expect(answer.status).toBe(400);
    expect(answer.body.message).toContain('PaymentReceived');
    expect(answer.body.problems).toEqual(['/amount: must be integer']);
    expect(bus.calls).toHaveLength(0);
  });

  it('fails with 400 naming the field if the delivery has no value for an idempotency field its contract lets it leave out', async () => {
    const bus = new FakeEventBridge();
    // Keyed on a field the schema does not require: validation passes, but the event could not be keyed.
    const keyedOnCustomer = { ...PaymentReceived, idempotencyFields: ['customerId'] as const };
    const body = paymentBody({ object: { id: 'pi_3', amount: 2000, amount_received: 2000, currency: 'usd' } });
    const answer = await call(handlerWith(bus, undefined, undefined, keyedOnCustomer), request(body, { 'stripe-signature': signed(body) }));
    expect(answer.status).toBe(400);
    expect(answer.body.problems).toEqual([expect.stringContaining('PaymentReceived has no value for detail.customerId')]);
    expect(bus.calls).toHaveLength(0);
  });

  it('fails with 400 if the delivery has no id', async () => {
    const bus = new FakeEventBridge();
    const body = JSON.stringify({ type: 'payment_intent.succeeded', data: { object: {} } });
    const answer = await call(handlerWith(bus), request(body, { 'stripe-signature': signed(body) }));
    expect(answer).toEqual({ status: 400, body: { message: 'no delivery id: expected it in the event id (`id`) in the body' } });
  });

  it('answers 200 and publishes nothing for an event type the app does not act on', async () => {
    const bus = new FakeEventBridge();
    const body = paymentBody({ type: 'customer.created' });
    const answer = await call(handlerWith(bus), request(body, { 'stripe-signature': signed(body) }));
    expect(answer).toEqual({ status: 200, body: { ignored: 'event type customer.created is not acted on' } });
    expect(bus.calls).toHaveLength(0);
  });

  it('answers 503 if publishing fails, and publishes on the provider retry (the claim is released)', async () => {
    const failing = new FakeEventBridge(() => 'InternalFailure');
    const body = paymentBody({ id: 'evt_retry' });
    expect((await call(handlerWith(failing), request(body, { 'stripe-signature': signed(body) }))).status).toBe(503);
    const bus = new FakeEventBridge();
    const retry = await call(handlerWith(bus), request(body, { 'stripe-signature': signed(body) }));
    expect(retry).toEqual({ status: 202, body: { eventId: webhookEventId('payments', 'evt_retry') } });
    expect(bus.published).toHaveLength(1);
  });

  it('answers 503 if the signing secret cannot be read, and publishes nothing', async () => {
    const bus = new FakeEventBridge();
    const unreadable: SigningSecrets = {
      values: () => Promise.reject(new Error('AccessDeniedException')),
      refresh: () => Promise.resolve(false),
    };
    const body = paymentBody({ id: 'evt_no_secret' });
    const answer = await call(handlerWith(bus, unreadable), request(body, { 'stripe-signature': signed(body) }));
    expect(answer).toEqual({ status: 503, body: { message: 'the signing secret could not be read; retry later' } });
    expect(bus.calls).toHaveLength(0);
  });

  it('fetches the secret again once on a mismatch, so a rotation is picked up before its cache expires', async () => {
    const bus = new FakeEventBridge();
    const secrets = new FakeSecrets(['whsec_old'], ['whsec_new', 'whsec_old']);
    const body = paymentBody({ id: 'evt_rotated' });
    const answer = await call(handlerWith(bus, secrets), request(body, { 'stripe-signature': signed(body, { secret: 'whsec_new' }) }));
    expect(answer.status).toBe(202);
    expect(secrets.refreshes).toBe(1);
  });
});
