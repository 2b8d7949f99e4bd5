import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { messagesIn, queueUrl, runApp } from './helpers.js';
import { restApiOf } from './rest-api-front-door.js';

// @aws-solutions-constructs/aws-apigateway-sqs, integ.apigateway-sqs-crud: a "storage first"
// REST API in front of an SQS queue, no function in between. POST / sends the body
// (request template `Action=SendMessage&MessageBody=$util.urlEncode("$input.body")`),
// GET / receives, DELETE /message?receiptHandle=... deletes; passthrough NEVER.
let sqs: SQSClient;
let api: ReturnType<typeof restApiOf>;

runApp('aws-apigateway-sqs', async (running) => {
  sqs = new SQSClient(running.config);
  api = restApiOf('aws-apigateway-sqs', running);
});

const json = { 'content-type': 'application/json' };

async function theQueue(): Promise<string> {
  return queueUrl(sqs, 'testapigatewaysqsqueue');
}

describe('aws-apigateway-sqs (integ.apigateway-sqs-crud)', () => {
  it("runs every method: only its IAM authorization, usage plan and stage's X-Ray tracing are reported as not applied", () => {
    expect(api.warnings.filter((w) => !/AWS_IAM authorization|usage plans|X-Ray tracing/.test(w))).toEqual([]);
  });

  it("writes the POSTed body to the queue as the message, and answers with SQS's SendMessage result", async () => {
    const body = JSON.stringify({ order: randomUUID(), note: 'tea & biscuits = 100%' });
    const response = await api.send('POST', '/', { body, headers: json });
    expect(response.status).toBe(200);
    const answer = JSON.parse(response.text);
    const messageId = answer.SendMessageResponse?.SendMessageResult?.MessageId;
    expect(messageId).toEqual(expect.any(String));
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: await theQueue(), MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    expect(Messages.map((m) => [m.MessageId, m.Body])).toContainEqual([messageId, body]);
  });

  it('receives through GET / and deletes through DELETE /message with the receipt handle', async () => {
    const url = await theQueue();
    const body = JSON.stringify({ order: randomUUID() });
    expect((await api.send('POST', '/', { body, headers: json })).status).toBe(200);
    const received = JSON.parse((await api.send('GET', '/', { headers: json })).text);
    const messages = [received.ReceiveMessageResponse?.ReceiveMessageResult?.Message ?? []].flat();
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) {
      const handle = message.ReceiptHandle as string;
      const deleted = await api.send('DELETE', '/message', { headers: json, query: `receiptHandle=${encodeURIComponent(handle)}` });
      expect(deleted.status).toBe(200);
      expect(JSON.parse(deleted.text)).toHaveProperty('DeleteMessageResponse');
    }
    // Whatever the earlier test left visible is deleted too, so the queue drains.
    for (let round = 0; round < 5 && (await messagesIn(sqs, url)) > 0; round++) {
      const again = JSON.parse((await api.send('GET', '/', { headers: json })).text);
      for (const message of [again.ReceiveMessageResponse?.ReceiveMessageResult?.Message ?? []].flat()) {
        await api.send('DELETE', '/message', { headers: json, query: `receiptHandle=${encodeURIComponent(message.ReceiptHandle)}` });
      }
    }
    expect(await messagesIn(sqs, url)).toBe(0);
  });

  it('fails with 415 for a body of another content type (passthrough NEVER), and sends nothing to the queue', async () => {
    const url = await theQueue();
    const before = await messagesIn(sqs, url);
    const response = await api.send('POST', '/', { body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(415);
    expect(JSON.parse(response.text)).toEqual({ message: 'Unsupported Media Type' });
    expect(await messagesIn(sqs, url)).toBe(before);
  });
});
