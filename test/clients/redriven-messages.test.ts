import { describe, expect, it } from 'vitest';
import type { QueueConsumer } from '../../clients/queue-consumers.js';
import type { LineageNode } from '../../clients/read-api-contract.js';
import {
  type RedrivenMessage,
  type RedrivenReads,
  redrivenEnded,
  redrivenFailure,
  redrivenFollower,
  redrivenStates,
  redrivenSummary,
} from '../../clients/redriven-messages.js';
import type { RetryingMessage } from '../../clients/retrying-messages.js';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:refunds';
const copy = (id: string): RedrivenMessage => ({ id, queue: 'refunds', queueArn: QUEUE_ARN });

const node = (kind: LineageNode['kind'], id: string, time: string, more: Partial<LineageNode> = {}): LineageNode => ({
  kind,
  id,
  label: id,
  time,
  children: [],
  ...more,
});

const invocation = (status: string, time: string, reason?: string) =>
  node('invocation', `req-${time}`, time, { status, ...(reason === undefined ? {} : { reason }) });

const retrying = (messageId: string, reason: string): RetryingMessage => ({
  queueArn: QUEUE_ARN,
  queueUrl: 'http://localhost/000000000000/refunds',
  messageId,
  functionName: 'refunder',
  reason,
  failedAt: '2026-01-01T00:00:02Z',
  receiveCount: 1,
  nextReceiveAt: '2026-01-01T00:00:32Z',
});

const mapping = (name: string, paused: boolean): QueueConsumer => ({
  kind: 'mapping',
  name,
  state: paused ? 'Disabled' : 'Enabled',
  paused,
});

/** Reads answering from fixed lineages, retrying records and consumers, counting the consumer reads. */
function readsOf(options: {
  messages?: Record<string, LineageNode>;
  retrying?: RetryingMessage[];
  consumers?: readonly QueueConsumer[];
}): RedrivenReads & { consumerReads: number } {
  const reads = {
    consumerReads: 0,
    message: async (id: string) => options.messages?.[id],
    retrying: async () => options.retrying ?? [],
    consumers: async () => {
      reads.consumerReads++;
      return options.consumers ?? [mapping('refunder', false)];
    },
  };
  return reads;
}

describe('redrivenStates', () => {
  it('says a message whose last invocation failed, neither retried yet nor dead-lettered, failed with its error and comes back', async () => {
    const m = node('message', 'm-1', '2026-01-01T00:00:00Z', {
      children: [invocation('failed', '2026-01-01T00:00:01Z', 'Error: refund service refused')],
    });
    const states = await redrivenStates(readsOf({ messages: { 'm-1': m } }), [copy('m-1')]);
    const state = states.get('m-1');
    expect(state).toEqual({ kind: 'failed', reason: 'Error: refund service refused' });
    expect(redrivenEnded(state ?? { kind: 'waiting' })).toBe(false);
    expect(redrivenFailure(state ?? { kind: 'waiting' })).toBe('Error: refund service refused');
    expect(redrivenSummary(states)).toBe(
      '1 failed (Error: refund service refused) and will be delivered again after its visibility timeout',
    );
  });

  it('says a failed message the runtime lists as retrying is being retried, with the reason it lists', async () => {
    const m = node('message', 'm-1', '2026-01-01T00:00:00Z', { children: [invocation('failed', '2026-01-01T00:00:01Z', 'Error: x')] });
    const states = await redrivenStates(readsOf({ messages: { 'm-1': m }, retrying: [retrying('m-1', 'Error: x')] }), [copy('m-1')]);
    expect(states.get('m-1')).toEqual({ kind: 'retrying', reason: 'Error: x' });
  });

  it('ends a message in a queue no consumer reads, saying so, rather than wait for one', async () => {
    const states = await redrivenStates(readsOf({ consumers: [] }), [copy('m-1'), copy('m-2')]);
    expect(states.get('m-1')).toEqual({ kind: 'no-consumer', queue: 'refunds' });
    expect([...states.values()].every(redrivenEnded)).toBe(true);
    expect(redrivenSummary(states)).toBe('2 moved to refunds; no function or pipe of the app reads refunds, so nothing handles them yet');
  });

  it('ends a message whose queue is read only by paused consumers, naming them', async () => {
    const one = await redrivenStates(readsOf({ consumers: [mapping('refunder', true)] }), [copy('m-1')]);
    expect(one.get('m-1')).toEqual({ kind: 'paused', queue: 'refunds', consumers: ['refunder'] });
    expect(redrivenEnded(one.get('m-1') ?? { kind: 'waiting' })).toBe(true);
    expect(redrivenSummary(one)).toBe('1 moved to refunds; its consumer refunder is paused, so nothing handles it yet');
    const two = await redrivenStates(readsOf({ consumers: [mapping('a', true), mapping('b', true)] }), [copy('m-1')]);
    expect(redrivenSummary(two)).toBe('1 moved to refunds; its consumers a, b are paused, so nothing handles it yet');
  });

  it('keeps waiting while one consumer of the queue still runs', async () => {
    const states = await redrivenStates(readsOf({ consumers: [mapping('a', true), mapping('b', false)] }), [copy('m-1')]);
    expect(states.get('m-1')).toEqual({ kind: 'waiting' });
    expect(redrivenSummary(states)).toBe('1 waiting for a consumer to receive it');
  });

  it('keeps the failure of a message whose consumer failed it and was paused since', async () => {
    const m = node('message', 'm-1', '2026-01-01T00:00:00Z', { children: [invocation('failed', '2026-01-01T00:00:01Z', 'Error: x')] });
    const states = await redrivenStates(readsOf({ messages: { 'm-1': m }, consumers: [mapping('refunder', true)] }), [copy('m-1')]);
    const state = states.get('m-1') ?? { kind: 'waiting' };
    expect(state).toEqual({ kind: 'paused', queue: 'refunds', consumers: ['refunder'], failed: 'Error: x' });
    expect(redrivenFailure(state)).toBe('Error: x');
    expect(redrivenSummary(states)).toBe(
      '1 moved to refunds (its consumer failed it before: Error: x); its consumer refunder is paused, so nothing handles it yet',
    );
  });

  it('says a message handled, or dead-lettered again with its consumer’s error, whatever reads its queue now', async () => {
    const handled = node('message', 'm-1', '2026-01-01T00:00:00Z', { children: [invocation('succeeded', '2026-01-01T00:00:01Z')] });
    const dead = node('message', 'm-2', '2026-01-01T00:00:00Z', {
      children: [
        invocation('failed', '2026-01-01T00:00:01Z', 'Error: refused'),
        node('dead-letter', 'd-1', '2026-01-01T00:00:02Z', { reason: 'received 2 times', attributes: { queue: 'refunds-dead' } }),
      ],
    });
    const reads = readsOf({ messages: { 'm-1': handled, 'm-2': dead }, consumers: [] });
    const states = await redrivenStates(reads, [copy('m-1'), copy('m-2')]);
    expect(states.get('m-1')).toEqual({ kind: 'handled' });
    expect(states.get('m-2')).toEqual({
      kind: 'failed-again',
      reason: 'received 2 times; its consumer failed it with Error: refused',
      queue: 'refunds-dead',
    });
    // At their ends, the queue's consumers are not asked.
    expect(reads.consumerReads).toBe(0);
    expect(redrivenSummary(states)).toBe('1 handled, 1 failed again');
  });
});

describe('redrivenFollower', () => {
  it('asks again only about the messages not at an end, once for each queue', async () => {
    const messages: Record<string, LineageNode> = {
      'm-1': node('message', 'm-1', '2026-01-01T00:00:00Z', { children: [invocation('succeeded', '2026-01-01T00:00:01Z')] }),
    };
    const asked: string[] = [];
    const reads = readsOf({ messages });
    const read = redrivenFollower(
      {
        ...reads,
        message: async (id) => {
          asked.push(id);
          return messages[id];
        },
      },
      [copy('m-1'), copy('m-2'), copy('m-3')],
    );
    expect([...(await read()).values()].map((s) => s.kind)).toEqual(['handled', 'waiting', 'waiting']);
    expect(asked).toEqual(['m-1', 'm-2', 'm-3']);
    asked.length = 0;
    await read();
    expect(asked).toEqual(['m-2', 'm-3']);
  });
});
