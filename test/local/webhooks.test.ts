import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, ListSecretsCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEventId } from '../../domain/index.js';
import { LocalRuntime } from '../../local/runtime.js';
import { switchyardAssembly } from '../helpers/switchyard-assembly.js';
import { credentials, disposableData, region } from './helpers.js';

const run = promisify(execFile);

let runtime: LocalRuntime;
let sqs: SQSClient;
let secrets: SecretsManagerClient;
let queueUrl: string;
let webhookUrl: string;
let secretArn: string;

beforeAll(async () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-app-'));
  await switchyardAssembly(outdir);
  runtime = await LocalRuntime.start({ cdkOut: outdir, ...disposableData(), port: 0, log: () => undefined });
  const config = { endpoint: runtime.url, region, credentials };
  sqs = new SQSClient(config);
  secrets = new SecretsManagerClient(config);
  // What sees the hub: a rule for PaymentReceived to a queue of the test's own, made through the AWS APIs.
  const events = new EventBridgeClient(config);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'payments-seen' }))).QueueUrl ?? '';
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  await events.send(
    new PutRuleCommand({
      Name: 'payments-seen',
      EventBusName: 'Switchyard-hub',
      EventPattern: JSON.stringify({ 'detail-type': ['PaymentReceived'] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: 'payments-seen', EventBusName: 'Switchyard-hub', Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }] }),
  );
  events.destroy();
  const api = runtime.httpApiUrls.find((entry) => entry.routes.includes('POST /webhooks/payments'));
  webhookUrl = `${api?.url}/webhooks/payments`;
  const { SecretList = [] } = await secrets.send(new ListSecretsCommand({}));
  secretArn = SecretList.find((secret) => secret.Name?.includes('PaymentsSecret'))?.ARN ?? '';
}, 180_000);
afterAll(async () => {
  sqs?.destroy();
  secrets?.destroy();
  await runtime?.stop();
});

async function currentSecret(): Promise<string> {
  return (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString ?? '';
}

function payment(id: string, amount: unknown = 2000): string {
  return JSON.stringify({
    id,
    object: 'event',
    type: 'payment_intent.succeeded',
    data: { object: { id: `pi_${id}`, amount, amount_received: amount, currency: 'eur', customer: 'cus_42' } },
  });
}

function stripeSignature(body: string, secret: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** POSTs with curl, as a provider (or a person following the README) would. */
async function curl(body: string, signature: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const { stdout } = await run('curl', [
    '-sS',
    '-w',
    '\n%{http_code}',
    '-X',
    'POST',
    webhookUrl,
    '-H',
    'content-type: application/json',
    '-H',
    `stripe-signature: ${signature}`,
    '--data-binary',
    body,
  ]);
  const lines = stdout.split('\n');
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join('\n')) };
}

/** The PaymentReceived details the queue got within `waitSeconds`, deleted as they are read. */
async function seen(waitSeconds: number): Promise<Record<string, unknown>[]> {
  const details: Record<string, unknown>[] = [];
  const deadline = Date.now() + waitSeconds * 1000;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages) {
      details.push(JSON.parse(message.Body ?? '{}').detail);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  return details;
}

describe('the payments webhook, locally', () => {
  it('serves POST /webhooks/payments from the template, with its generated secret in the local Secrets Manager', () => {
    expect(webhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_aws\/execute-api\/[a-z0-9]{10}\/webhooks\/payments$/);
    expect(secretArn).toMatch(/^arn:aws:secretsmanager:/);
  });

  it('accepts a signed delivery with 202 and its event id, puts one PaymentReceived on the hub, and none for a redelivery', async () => {
    const secret = await currentSecret();
    const body = payment('evt_e2e_1');
    const eventId = webhookEventId('payments', 'evt_e2e_1');
    expect(await curl(body, stripeSignature(body, secret))).toEqual({ status: 202, body: { eventId } });
    const [first, ...more] = await seen(3);
    expect(more).toEqual([]);
    expect(first).toMatchObject({ eventId, provider: 'payments', deliveryId: 'evt_e2e_1', paymentId: 'pi_evt_e2e_1', amount: 2000 });

    // The provider delivers it again (signed anew): the same answer, and nothing more on the hub.
    expect(await curl(body, stripeSignature(body, secret, Math.floor(Date.now() / 1000) - 5))).toEqual({ status: 202, body: { eventId } });
    expect(await seen(3)).toEqual([]);
  }, 30_000);

  it('fails with 401 for a wrong or stale signature and 400 for a body breaking the contract, publishing nothing', async () => {
    const secret = await currentSecret();
    const body = payment('evt_e2e_bad');
    expect((await curl(body, stripeSignature(body, 'not-the-secret'))).status).toBe(401);
    expect((await curl(body, stripeSignature(body, secret, Math.floor(Date.now() / 1000) - 600))).status).toBe(401);
    const invalid = payment('evt_e2e_invalid', 'twenty');
    const answer = await curl(invalid, stripeSignature(invalid, secret));
    expect(answer.status).toBe(400);
    expect(answer.body.message).toContain('/amount');
    expect(await seen(2)).toEqual([]);
  }, 30_000);

  it('accepts the new secret at once after put-secret-value, and the previous one during the grace period', async () => {
    const old = await currentSecret();
    await secrets.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: 'rotated-secret-value-0123456789' }));
    // A function refetches its cached secret on a mismatch at most once a second (forged requests cannot make it hammer Secrets Manager).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const fresh = payment('evt_e2e_new');
    expect((await curl(fresh, stripeSignature(fresh, 'rotated-secret-value-0123456789'))).status).toBe(202);
    const stale = payment('evt_e2e_old');
    expect((await curl(stale, stripeSignature(stale, old))).status).toBe(202);
    expect((await seen(3)).map((detail) => detail.deliveryId).sort()).toEqual(['evt_e2e_new', 'evt_e2e_old']);
  }, 30_000);
});
