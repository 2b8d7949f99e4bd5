/**
 * What the recording tests' SQS helpers do (tests/aws/services/events/helper_functions.py and
 * conftest.py): put events and collect what a target queue then holds.
 */
import { PutEventsCommand, type PutEventsRequestEntry, PutTargetsCommand, type Target } from '@aws-sdk/client-eventbridge';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import type { CaseContext, TargetQueue } from './context.js';

/**
 * sqs_collect_messages: receives (and deletes) until the queue has given `count` messages. The
 * local runtime delivers within a second; each receive waits up to one, as the helper's do.
 */
export async function collectMessages(c: CaseContext, queue: TargetQueue, count: number, tries = 5): Promise<Message[]> {
  const messages: Message[] = [];
  for (let i = 0; i < tries && messages.length < count; i++) {
    const received = await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const message of received.Messages ?? []) {
      messages.push(message);
      await c.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  expect(messages.length).toBeGreaterThanOrEqual(count);
  return messages;
}

/** put_entries_assert_results_sqs: the entries' one message when they should match, else none. */
async function putEntriesAssertResults(c: CaseContext, queue: TargetQueue, entries: PutEventsRequestEntry[], shouldMatch: boolean) {
  const put = await c.events.send(new PutEventsCommand({ Entries: entries }));
  expect(put.FailedEntryCount ?? 0).toBe(0);
  if (shouldMatch) return collectMessages(c, queue, 1);
  const received = await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }));
  expect(received.Messages ?? []).toEqual([]);
  return [];
}

export interface FilteredToSqs {
  readonly pattern: object;
  /** Entries to put and whether they reach the queue. */
  readonly entriesAsserts: readonly [PutEventsRequestEntry[], boolean][];
  readonly eventBusName?: string;
  readonly inputPath?: string;
  readonly inputTransformer?: Target['InputTransformer'];
}

/** put_events_with_filter_to_sqs: a rule with `pattern` on a new bus, a queue as its target, and what the queue received. */
export async function putEventsWithFilterToSqs(c: CaseContext, o: FilteredToSqs): Promise<Message[]> {
  const rule = `test-rule-${c.uid()}`;
  const targetId = `test-target-${c.uid()}`;
  let bus = o.eventBusName;
  if (!bus) {
    bus = `test-bus-${c.uid()}`;
    await c.createBus({ Name: bus });
  }
  const queue = await c.sqsTarget();
  await c.putRule({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(o.pattern) });
  const target: Target = { Id: targetId, Arn: queue.arn, InputPath: o.inputPath, InputTransformer: o.inputTransformer };
  const added = await c.events.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [target] }));
  expect([added.FailedEntryCount, added.FailedEntries]).toEqual([0, []]);
  const messages: Message[] = [];
  for (const [entries, shouldMatch] of o.entriesAsserts) {
    const onBus = entries.map((entry) => ({ ...entry, EventBusName: bus }));
    messages.push(...(await putEntriesAssertResults(c, queue, onBus, shouldMatch)));
  }
  return messages;
}
