import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import type { LineageNode } from '../../../clients/read-api-contract.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { notificationApp } from './fixture.js';

const ACCOUNT = '000000000000';
const NEWS = `arn:aws:sns:us-east-1:${ACCOUNT}:news`;

const local = restartableRuntime({
  assembly: notificationApp,
  ownsAssembly: true,
  clients: ({ url }) => ({ sns: new SNSClient(sdkConfig(url)), events: new EventBridgeClient(sdkConfig(url)) }),
});

/** The lineage of `id` once `ready` holds for its first root (deliveries and invocations come after the publish). */
async function lineageWhen(id: string, ready: (root: LineageNode) => boolean): Promise<LineageNode> {
  return eventually(async () => {
    const [root] = (await local.runtime.readApi.lineage(id)).roots;
    return root && ready(root) ? root : undefined;
  }, 30_000);
}

const kinds = (node: LineageNode) => node.children.map((child) => child.kind).sort();
const invocationEnded = (node: LineageNode) => node.children.some((child) => child.kind === 'invocation' && child.status !== 'running');

describe('SNS notifications in the lineage', () => {
  it("traces a published message by SNS's MessageId: the queue's message, the invocation and the filtered-out subscription under it", async () => {
    const { MessageId } = await local.sns.send(new PublishCommand({ TopicArn: NEWS, Message: 'hello', Subject: 'Greeting' }));
    const root = await lineageWhen(MessageId ?? '', (node) => node.children.length === 3 && invocationEnded(node));
    expect(root).toMatchObject({
      kind: 'notification',
      id: MessageId,
      label: 'notification to news "Greeting"',
      status: 'published',
      attributes: { topic: 'news', topicArn: NEWS, messageId: MessageId, subject: 'Greeting', subscriptions: '2' },
    });
    expect(kinds(root)).toEqual(['delivery', 'invocation', 'message']);
    const byKind = Object.fromEntries(root.children.map((child) => [child.kind, child]));
    expect(byKind.message).toMatchObject({ label: 'message to inbox', status: 'sent' });
    expect(byKind.invocation).toMatchObject({ status: 'succeeded', attributes: { function: 'listener' } });
    expect(byKind.delivery).toMatchObject({
      label: 'filtered out: sqs rare',
      status: 'filtered out',
      reason: 'the filter policy of this subscription did not match the message',
    });
  }, 40_000);

  it('traces an event whose rule targets a topic: the notification under the rule, the queue message under it', async () => {
    const { Entries = [] } = await local.events.send(
      new PutEventsCommand({ Entries: [{ Source: 'probe', DetailType: 'Probe', Detail: '{"n":1}' }] }),
    );
    const eventId = Entries[0]?.EventId ?? '';
    const notificationOf = (event: LineageNode) => event.children[0]?.children.find((child) => child.kind === 'notification');
    const event = await lineageWhen(eventId, (node) => (notificationOf(node)?.children.length ?? 0) > 0);
    expect(event).toMatchObject({ kind: 'event', children: [{ kind: 'rule', id: 'to-alerts' }] });
    // The queue's message hangs under the notification, not beside it under the rule.
    const rule = event.children[0] as LineageNode;
    expect(kinds(rule)).toEqual(['notification']);
    expect(notificationOf(event)).toMatchObject({
      label: 'notification to alerts',
      children: [{ kind: 'message', label: 'message to relayed' }],
    });
  }, 40_000);

  it('shows a delivery that failed for good, with the reason', async () => {
    await local.sns.send(
      new SubscribeCommand({
        TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`,
        Protocol: 'sqs',
        Endpoint: `arn:aws:sqs:us-east-1:${ACCOUNT}:gone`,
      }),
    );
    const { MessageId } = await local.sns.send(new PublishCommand({ TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`, Message: 'x' }));
    const root = await lineageWhen(MessageId ?? '', (node) => node.children.length === 2);
    expect(kinds(root)).toEqual(['delivery', 'message']);
    expect(root.children.find((child) => child.kind === 'delivery')).toMatchObject({
      label: 'delivery to sqs gone',
      status: 'failed',
      reason: expect.stringMatching(/^QueueDoesNotExist: .*\(discarded: the subscription has no dead-letter queue\)$/),
      attributes: { protocol: 'sqs', endpoint: `arn:aws:sqs:us-east-1:${ACCOUNT}:gone`, attempts: '1' },
    });
  }, 40_000);

  it("shows a delivery sent to the subscription's dead-letter queue, that queue's message under it", async () => {
    const { TopicArn } = await local.sns.send(new CreateTopicCommand({ Name: 'undeliverable' }));
    await local.sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'lambda',
        Endpoint: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:never-deployed`,
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:rare` }) },
      }),
    );
    const { MessageId } = await local.sns.send(new PublishCommand({ TopicArn, Message: 'x' }));
    const root = await lineageWhen(MessageId ?? '', (node) => (node.children[0]?.children.length ?? 0) > 0);
    expect(root.children).toHaveLength(1);
    expect(root.children[0]).toMatchObject({
      kind: 'delivery',
      label: 'delivery to lambda never-deployed',
      status: 'dead-lettered',
      reason: expect.stringMatching(/^ResourceNotFoundException: /),
      attributes: { deadLetterQueue: `arn:aws:sqs:us-east-1:${ACCOUNT}:rare`, attempts: '1' },
      children: [{ kind: 'message', label: 'message to rare' }],
    });
  }, 40_000);
});
