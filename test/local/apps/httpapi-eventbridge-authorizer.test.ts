import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers.js';
import { queueUrl, runApp } from './helpers.js';

// Written here (test/fixtures/apps/httpapi-eventbridge-authorizer/app.ts): CDK's HttpApi with
// `POST /orders` -> HttpEventBridgeIntegration (EventBridge-PutEvents: Detail the body,
// DetailType the x-order-kind header) behind an HttpLambdaAuthorizer with simple responses
// that lets `Bearer let-me-in` through; a rule sends the bus's shop.orders events to a queue.
let sqs: SQSClient;
let url: string;

const app = runApp('httpapi-eventbridge-authorizer', (running) => {
  sqs = new SQSClient(running.config);
  url = running.runtime.httpApiUrls.find((u) => u.name === 'Webhook')?.url ?? '';
});

const post = async (headers: Record<string, string>, body: unknown) => {
  const response = await fetch(`${url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
};

async function placed() {
  const QueueUrl = await queueUrl(sqs, 'Placed');
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  return Messages.map((m) => JSON.parse(m.Body ?? '{}'));
}

describe('httpapi-eventbridge-authorizer (HttpEventBridgeIntegration behind an HttpLambdaAuthorizer)', () => {
  it('runs the route, its integration and its authorizer: nothing of the API is reported', () => {
    expect(app().runtime.warnings.filter((w) => w.includes('ApiGatewayV2'))).toEqual([]);
  });

  it("puts an authorized request's body on the bus as the event's detail, and the rule delivers it to the queue", async () => {
    const answer = await post({ authorization: 'Bearer let-me-in', 'x-order-kind': 'OrderPlaced' }, { orderId: 'o-1', total: 12.5 });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });
    const [event] = await eventually(async () => {
      const events = await placed();
      return events.length > 0 ? events : undefined;
    });
    expect(event).toMatchObject({ source: 'shop.orders', 'detail-type': 'OrderPlaced', detail: { orderId: 'o-1', total: 12.5 } });
  });

  it('refuses a request the authorizer does not let through (403) and one without the header (401): nothing reaches the bus', async () => {
    const denied = await post({ authorization: 'Bearer guess', 'x-order-kind': 'OrderPlaced' }, { orderId: 'o-2' });
    expect([denied.status, denied.json]).toEqual([403, { message: 'Forbidden' }]);
    const anonymous = await post({ 'x-order-kind': 'OrderPlaced' }, { orderId: 'o-3' });
    expect([anonymous.status, anonymous.json]).toEqual([401, { message: 'Unauthorized' }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await placed()).toEqual([]);
    expect(app().logs.filter((line) => line.includes('checked guess'))).toHaveLength(1);
  });
});
