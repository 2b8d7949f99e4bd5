import { describe, expect, it } from 'vitest';
import {
  contractBreach,
  destinationOf,
  type MessageOutcome,
  outcomeLine,
  type RedriveMessage,
  type RedriveQueue,
  type RedriveSendRequest,
  redriveMessages,
  redriveSummary,
  sendRequest,
} from '../../clients/message-redrive.js';
import { DEAD_LETTER_ATTRIBUTES, ERROR_NAMES } from '../../contracts/wiring.js';

const billing = { name: 'billing', url: 'http://x/billing', arn: 'arn:aws:sqs:us-east-1:000000000000:billing' };
const east = { name: 'east', url: 'http://x/east', arn: 'arn:aws:sqs:us-east-1:000000000000:east' };
const west = { name: 'west', url: 'http://x/west', arn: 'arn:aws:sqs:us-east-1:000000000000:west' };

/** A dead letter the consumer kit sent because its event broke its contract. */
const invalidLetter = (id: string): RedriveMessage => ({
  MessageId: id,
  ReceiptHandle: `h-${id}`,
  Body: '{"detail-type":"OrderPlaced","detail":{}}',
  MessageAttributes: {
    [DEAD_LETTER_ATTRIBUTES.errorName]: { DataType: 'String', StringValue: ERROR_NAMES.invalidEvent },
    [DEAD_LETTER_ATTRIBUTES.errorMessage]: { DataType: 'String', StringValue: 'OrderPlaced breaks its contract: orderId is required' },
  },
});
const letter = (id: string, extra: Partial<RedriveMessage> = {}): RedriveMessage => ({
  MessageId: id,
  ReceiptHandle: `h-${id}`,
  Body: `body ${id}`,
  ...extra,
});

/** A dead-letter queue in memory, as SQS answers: each receive the next batch; records every call in order. */
function fakeQueue(batches: RedriveMessage[][], fail: { send?: string; delete?: string } = {}) {
  const calls: string[] = [];
  const sent: RedriveSendRequest[] = [];
  let next = 0;
  const queue: RedriveQueue = {
    name: 'orders-dead',
    async receive() {
      calls.push('receive');
      return batches.shift() ?? [];
    },
    async send(request) {
      calls.push(`send ${request.MessageBody} -> ${request.QueueUrl}`);
      if (fail.send !== undefined && request.MessageBody.includes(fail.send))
        throw Object.assign(new Error('Access to the resource is denied'), { name: 'AccessDenied' });
      sent.push(request);
      next += 1;
      return `new-${next}`;
    },
    async delete(handle) {
      calls.push(`delete ${handle}`);
      if (fail.delete === handle) throw Object.assign(new Error('the receipt handle has expired'), { name: 'ReceiptHandleIsInvalid' });
    },
    async handBack(handles) {
      calls.push(`hand back ${handles.join(',')}`);
    },
    describeError: (error) => `${(error as Error).name}: ${(error as Error).message}`,
  };
  return { queue, calls, sent };
}

describe('contractBreach', () => {
  it('names the field a dead letter’s event breaks, as the consumer said it', () => {
    expect(contractBreach(invalidLetter('m1'))).toBe('InvalidEvent: OrderPlaced breaks its contract: orderId is required');
  });

  it('is undefined for a dead letter that failed for another reason, or that no consumer explained', () => {
    expect(contractBreach(letter('m1'))).toBeUndefined();
    const other = { MessageAttributes: { [DEAD_LETTER_ATTRIBUTES.errorName]: { StringValue: 'ModelThrottled' } } };
    expect(contractBreach(other)).toBeUndefined();
  });
});

describe('destinationOf', () => {
  it('sends a message SQS moved back to the source queue SQS names on it', () => {
    const message = letter('m1', { Attributes: { DeadLetterQueueSourceArn: west.arn } });
    expect(destinationOf(message, [east, west], undefined)).toBe(west);
  });

  it('sends a dead letter the consumer kit sent, which names no source, to the queue’s one source', () => {
    expect(destinationOf(letter('m1'), [billing], billing)).toBe(billing);
  });

  it('fails if the queue has several sources and the message names none, saying why and listing them', () => {
    expect(destinationOf(letter('m1'), [east, west], undefined)).toEqual({
      unknown:
        'cannot tell where it came from: it has no DeadLetterQueueSourceArn (the consumer kit sent it straight to the dead-letter queue) ' +
        'and the queue has 2 source queues (east, west); send its body again to the queue it belongs to',
    });
  });
});

describe('sendRequest', () => {
  it('puts a message back with its body and attributes, and in a FIFO queue with its group and its id to deduplicate', () => {
    const message = letter('m1', {
      Attributes: { MessageGroupId: 'customer-7' },
      MessageAttributes: { a: { DataType: 'String', StringValue: '1' } },
    });
    expect(sendRequest(message, { ...billing, name: 'billing.fifo' })).toEqual({
      QueueUrl: billing.url,
      MessageBody: 'body m1',
      MessageAttributes: { a: { DataType: 'String', StringValue: '1', BinaryValue: undefined } },
      MessageGroupId: 'customer-7',
      MessageDeduplicationId: 'm1',
    });
    expect(sendRequest(letter('m2'), billing, 'fixed')).toEqual({ QueueUrl: billing.url, MessageBody: 'fixed' });
  });
});

describe('redriveMessages', () => {
  const toBilling = { destinationFor: () => billing };

  it('moves each message to its source before deleting it, and leaves one whose event breaks its contract, naming the field', async () => {
    const { queue, calls } = fakeQueue([[letter('m1'), invalidLetter('m2')]]);
    const seen: MessageOutcome[] = [];
    const outcome = await redriveMessages(queue, { ...toBilling, onOutcome: (o) => seen.push(o) });
    expect(outcome.outcomes).toEqual([
      { kind: 'moved', messageId: 'm1', destination: 'billing', destinationArn: billing.arn, newMessageId: 'new-1' },
      { kind: 'left-invalid', messageId: 'm2', reason: 'InvalidEvent: OrderPlaced breaks its contract: orderId is required' },
    ]);
    expect(seen).toEqual(outcome.outcomes);
    expect(calls).toEqual(['receive', 'send body m1 -> http://x/billing', 'delete h-m1', 'receive', 'hand back h-m2']);
    expect(outcome.outcomes.map((o) => outcomeLine(o, queue.name))).toEqual([
      'moved m1 -> billing (now new-1)',
      'left m2 in orders-dead: its event breaks its contract (InvalidEvent: OrderPlaced breaks its contract: orderId is required)',
    ]);
    expect(redriveSummary(outcome.outcomes)).toBe('1 message moved, 1 left because its event breaks its contract');
  });

  it('moves a message whose event breaks its contract when told not to leave it', async () => {
    const { queue } = fakeQueue([[invalidLetter('m1')]]);
    const outcome = await redriveMessages(queue, { ...toBilling, leaveInvalid: false });
    expect(outcome.outcomes.map((o) => o.kind)).toEqual(['moved']);
  });

  it('moves the kit’s dead letters of a queue with several sources where SQS names the source, and says why the others stay', async () => {
    const { queue, calls } = fakeQueue([[letter('m1'), letter('m2', { Attributes: { DeadLetterQueueSourceArn: east.arn } })]]);
    const outcome = await redriveMessages(queue, { destinationFor: (m) => destinationOf(m, [east, west], undefined) });
    expect(outcome.outcomes.map((o) => outcomeLine(o, queue.name))).toEqual([
      'message m1 not moved (it stays in orders-dead): cannot tell where it came from: it has no DeadLetterQueueSourceArn ' +
        '(the consumer kit sent it straight to the dead-letter queue) and the queue has 2 source queues (east, west); send its body again to the queue it belongs to',
      'moved m2 -> east (now new-1)',
    ]);
    expect(calls.at(-1)).toBe('hand back h-m1');
    expect(redriveSummary(outcome.outcomes)).toBe('1 message moved, 1 failed');
  });

  it('never deletes a message whose send failed: it stays with AWS’s reason, and the others still move', async () => {
    const { queue, calls } = fakeQueue([[letter('m1'), letter('m2')]], { send: 'body m1' });
    const outcome = await redriveMessages(queue, toBilling);
    expect(outcome.outcomes).toEqual([
      { kind: 'failed', messageId: 'm1', reason: 'sending it to billing failed: AccessDenied: Access to the resource is denied' },
      { kind: 'moved', messageId: 'm2', destination: 'billing', destinationArn: billing.arn, newMessageId: 'new-1' },
    ]);
    expect(calls.filter((c) => c.startsWith('delete'))).toEqual(['delete h-m2']);
    expect(calls.at(-1)).toBe('hand back h-m1');
  });

  it('says a message whose delete failed after its send is in both queues, never that it moved', async () => {
    const { queue } = fakeQueue([[letter('m1')]], { delete: 'h-m1' });
    const outcome = await redriveMessages(queue, toBilling);
    expect(outcome.outcomes).toEqual([
      {
        kind: 'failed',
        messageId: 'm1',
        reason:
          'sent to billing (as new-1), but deleting it from orders-dead failed, so it is in both: ReceiptHandleIsInvalid: the receipt handle has expired',
      },
    ]);
  });

  it('moves only the named messages, hands the others back, and names those it never found', async () => {
    const { queue, calls } = fakeQueue([[letter('m1'), letter('m2')]]);
    const outcome = await redriveMessages(queue, { ...toBilling, ids: ['m2', 'm9'] });
    expect(outcome.outcomes.map((o) => o.messageId)).toEqual(['m2']);
    expect(outcome.missing).toEqual(['m9']);
    expect(calls).toEqual(['receive', 'send body m2 -> http://x/billing', 'delete h-m2', 'receive', 'hand back h-m1']);
  });

  it('never moves its own copy again when it is dead-lettered again during the redrive', async () => {
    // The copy of m1 (sent as new-1) failed at once: back with its id as the kit's OriginalMessageId, and as SQS moves it.
    const { queue, calls } = fakeQueue([
      [letter('m1')],
      [letter('m3', { MessageAttributes: { [DEAD_LETTER_ATTRIBUTES.originalMessageId]: { StringValue: 'new-1' } } }), letter('new-1')],
    ]);
    const outcome = await redriveMessages(queue, toBilling);
    expect(outcome.outcomes.map((o) => o.messageId)).toEqual(['m1']);
    expect(calls.filter((c) => c.startsWith('send'))).toEqual(['send body m1 -> http://x/billing']);
    expect(calls.at(-1)).toBe('hand back h-m3,h-new-1');
  });

  it('fails if rewriting a message throws, handing it and the rest of its batch back', async () => {
    const { queue, calls } = fakeQueue([[letter('m1'), letter('m2')]]);
    const rewrite = () => {
      throw new Error('--detail breaks the OrderPlaced contract');
    };
    await expect(redriveMessages(queue, { ...toBilling, rewrite })).rejects.toThrow('--detail breaks the OrderPlaced contract');
    expect(calls.filter((c) => c.startsWith('send'))).toEqual([]);
    expect(calls.at(-1)).toBe('hand back h-m1,h-m2');
  });
});

describe('redriveSummary', () => {
  it('counts the moves even when there are none, and each kind of message left', () => {
    expect(redriveSummary([])).toBe('0 messages moved');
    const left = (id: string): MessageOutcome => ({ kind: 'left-invalid', messageId: id, reason: 'InvalidEvent' });
    expect(redriveSummary([left('a'), left('b')])).toBe('0 messages moved, 2 left because their events break their contracts');
  });
});
