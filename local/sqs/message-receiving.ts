import { randomBase64Url } from '../random/random-id.js';
import type { ReceiveLane } from './fair-queues.js';
import { md5OfMessageAttributes, type StoredAttributeValue } from './md5.js';
import { encodeReceiptHandle } from './received-messages.js';
import { type Queue, type SqsContext, sequenceNumber } from './sqs-context.js';
import type { MessageRow } from './sqs-store.js';
import type { Message, PeekedMessage, ReceiveMessageInput, ReceiveMessageOutput } from './sqs-types.js';
import { integerParameter, MAX_VISIBILITY_SECONDS } from './validation.js';

export interface ReceiveOptions {
  /** Ends a long poll early (client gone, poller stopping); the call then returns no messages. */
  signal?: AbortSignal;
}

interface ReceiveRequest {
  max: number;
  visibilityMs: number;
  waitSeconds: number;
  systemAttributes: 'all' | Set<string> | undefined;
  messageAttributes: ((name: string) => boolean) | undefined;
}

const SYSTEM_ATTRIBUTE_NAMES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;

/**
 * ReceiveMessage: standard and FIFO delivery order, visibility timeouts, long polling, and
 * moving messages that ran out of receives to their dead-letter queue.
 */
export class MessageReceiver {
  /** Whether this receive pass has begun its write transaction (it begins at the first claim). */
  private claiming = false;

  constructor(private readonly context: SqsContext) {}

  async receiveMessage(input: ReceiveMessageInput, options: ReceiveOptions = {}): Promise<ReceiveMessageOutput> {
    let queue = this.context.queueFromUrl(input.QueueUrl);
    const request = this.receiveRequest(queue, input);
    const deadline = performance.now() + request.waitSeconds * 1000;
    for (;;) {
      const { messages, lookedAt } = this.receiveNow(queue, request);
      if (messages.length > 0) return { Messages: messages };
      const remaining = deadline - performance.now();
      if (remaining <= 0 || this.context.closed || options.signal?.aborted) return { Messages: [] };
      // The next wake-up is searched from the moment the pass looked, not from now: a message
      // whose time came in between is neither received nor "next", and would sleep the wait out.
      const next = this.context.store.nextVisibleAt.get(queue.id, lookedAt)?.at;
      const now = this.context.clock.now();
      // A clock a test moves (virtual time) may pass a deadline beyond the wait at any moment.
      const due = next !== null && next !== undefined && (next - now < remaining || this.context.clock.sleep !== undefined);
      if (due) this.context.waiters.wakeAfter(queue.id, Math.max(1, next - now));
      await this.context.waiters.wait(queue.id, remaining, options.signal);
      // An aborted receive takes nothing: a poller stopped (a mapping paused) must not raise any message's receive count.
      if (options.signal?.aborted) return { Messages: [] };
      const current = this.context.queuesById.get(queue.id);
      if (!current || this.context.closed) return { Messages: [] };
      queue = current;
    }
  }

  /**
   * Up to `limit` visible messages of a queue after `afterSeq` (the `last` of the page
   * before), oldest first, as a receive of every attribute shows them, without receiving
   * them: no receipt handle, no visibility change, each ApproximateReceiveCount as it is. For
   * operators' views of a dead-letter queue (`switchyard failures`, the console), where a
   * ReceiveMessage would count as a receive of each message shown; AWS has no such read.
   */
  peekMessages(queueUrl: string, limit: number, afterSeq = 0): { messages: PeekedMessage[]; last?: number } {
    const queue = this.context.queueFromUrl(queueUrl);
    const now = this.context.clock.now();
    const rows = this.context.store.movableMessages.all(queue.id, afterSeq, now, limit + 1);
    const shown = rows.slice(0, limit);
    const everything: ReceiveRequest = {
      max: limit,
      visibilityMs: 0,
      waitSeconds: 0,
      systemAttributes: 'all',
      messageAttributes: () => true,
    };
    return {
      // A message past its retention period is still stored until a receive deletes it: it is gone all the same.
      messages: shown
        .filter((row) => row.sent_at > now - queue.settings.retentionMs)
        .map((row) => this.messageView(queue, row, everything, row.receive_count, row.first_received_at)),
      ...(rows.length > limit ? { last: shown.at(-1)?.seq } : {}),
    };
  }

  private receiveRequest(queue: Queue, input: ReceiveMessageInput): ReceiveRequest {
    const max = integerParameter('MaxNumberOfMessages', input.MaxNumberOfMessages, 1, 10, 'Must be between 1 and 10, if provided.') ?? 1;
    const visibility =
      integerParameter(
        'VisibilityTimeout',
        input.VisibilityTimeout,
        0,
        MAX_VISIBILITY_SECONDS,
        `Must be >= 0 and <= ${MAX_VISIBILITY_SECONDS}, if provided.`,
      ) ?? queue.settings.visibilityTimeout;
    const waitSeconds =
      integerParameter('WaitTimeSeconds', input.WaitTimeSeconds, 0, 20, 'Must be >= 0 and <= 20, if provided.') ??
      queue.settings.waitTimeSeconds;
    const systemNames = [...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])];
    const systemAttributes = systemNames.includes('All') ? 'all' : systemNames.length > 0 ? new Set(systemNames) : undefined;
    return {
      max,
      visibilityMs: visibility * 1000,
      waitSeconds,
      systemAttributes,
      messageAttributes: messageAttributeFilter(input.MessageAttributeNames),
    };
  }

  /**
   * One pass over the queue: claims up to `max` receivable messages, redriving any that ran
   * out of receives; says when on the clock it looked.
   */
  private receiveNow(queue: Queue, request: ReceiveRequest): { messages: Message[]; lookedAt: number } {
    const now = this.context.clock.now();
    const out: Message[] = [];
    const redriven = new Set<Queue>();
    // The write transaction starts with the first claim, so an empty receive costs one read.
    this.claiming = false;
    try {
      if (queue.fifo) this.receiveFifo(queue, request, now, out, redriven);
      else this.receiveStandard(queue, request, now, out, redriven);
      if (this.claiming) this.context.db.exec('COMMIT');
    } catch (error) {
      if (this.claiming) this.context.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.claiming = false;
    }
    for (const target of redriven) this.context.notify(target, 1);
    return { messages: out, lookedAt: now };
  }

  /** Oldest visible first; on a fair queue with a noisy tenant, the quiet tenants' messages before the noisy ones' (fair-queues.ts). */
  private receiveStandard(queue: Queue, request: ReceiveRequest, now: number, out: Message[], redriven: Set<Queue>): void {
    for (const lane of this.context.fairQueues.receiveLanes(queue, now)) {
      if (out.length >= request.max) return;
      this.receiveFromLane(lane, queue, request, now, out, redriven);
    }
  }

  private receiveFromLane(
    lane: ReceiveLane,
    queue: Queue,
    request: ReceiveRequest,
    now: number,
    out: Message[],
    redriven: Set<Queue>,
  ): void {
    const taken = new Set<number>();
    // Expired and redriven messages leave the visible set, so look again until enough are found.
    for (let round = 0; round < 20 && out.length < request.max; round++) {
      const limit = request.max - out.length + taken.size;
      const rows = lane(limit);
      let removed = 0;
      for (const row of rows) {
        if (taken.has(row.seq)) continue;
        const outcome = this.claim(queue, row, request, now, out, redriven);
        if (outcome === 'delivered') taken.add(row.seq);
        else removed++;
        if (out.length >= request.max) break;
      }
      if (removed === 0 || rows.length < limit) break;
    }
  }

  /**
   * FIFO order: groups in the order their oldest message became receivable; within a group
   * messages go out strictly in sequence, stopping at the first one that is in flight or not
   * yet visible, so the visible messages before it still go out (a message whose visibility
   * was changed holds back only itself and those after it: recorded on AWS). AWS fills a
   * batch from one group before the next.
   */
  private receiveFifo(queue: Queue, request: ReceiveRequest, now: number, out: Message[], redriven: Set<Queue>): void {
    for (const { group_id: group } of this.context.store.groupHeads.all(queue.id)) {
      if (out.length >= request.max) return;
      let after = 0;
      walk: for (;;) {
        const limit = request.max - out.length + 1;
        const rows = this.context.store.groupMessages.all(queue.id, group, after, limit);
        for (const row of rows) {
          after = row.seq;
          if (row.sent_at > now - queue.settings.retentionMs && row.visible_at > now) break walk;
          this.claim(queue, row, request, now, out, redriven);
          if (out.length >= request.max) return;
        }
        if (rows.length < limit) break;
      }
    }
  }

  /** Expires, redrives or delivers one visible message. */
  private claim(
    queue: Queue,
    row: MessageRow,
    request: ReceiveRequest,
    now: number,
    out: Message[],
    redriven: Set<Queue>,
  ): 'expired' | 'redriven' | 'delivered' {
    if (!this.claiming && !this.context.db.isTransaction) {
      this.context.db.exec('BEGIN');
      this.claiming = true;
    }
    if (row.sent_at <= now - queue.settings.retentionMs) {
      this.context.store.deleteMessage.run(row.seq, queue.id);
      return 'expired';
    }
    const redrive = queue.settings.redrive;
    if (redrive && row.receive_count >= redrive.maxReceiveCount) {
      const target = this.context.queueByArn(redrive.deadLetterTargetArn);
      // As on AWS the move happens when a receive would exceed maxReceiveCount; a missing
      // dead-letter queue leaves the message where it is.
      if (target && target !== queue) {
        // The copy is the message as it was, with its id, body and attributes (so its
        // MD5OfMessageAttributes is AWS's): the id is what links it to a copy a consumer
        // sent there itself, which names it in Switchyard.OriginalMessageId.
        this.context.store.moveToDeadLetter.run(
          target.id,
          now,
          // FIFO dead-letter queues restart the retention clock; standard ones keep the original enqueue time.
          target.fifo ? now : row.sent_at,
          queue.arn,
          // As in AWS, a message moved to a FIFO dead-letter queue takes its message id as deduplication id.
          target.fifo ? row.message_id : row.dedup_id,
          row.seq,
        );
        redriven.add(target);
        this.context.onMessage?.({
          kind: 'dead-lettered',
          queueArn: target.arn,
          sourceQueueArn: queue.arn,
          messageId: row.message_id,
          receiveCount: row.receive_count,
          time: now,
        });
        return 'redriven';
      }
    }
    const token = randomBase64Url(12);
    const receiveCount = row.receive_count + 1;
    const firstReceivedAt = row.first_received_at ?? now;
    this.context.store.markReceived.run(now + request.visibilityMs, receiveCount, firstReceivedAt, now, token, row.seq);
    out.push(this.toMessage(queue, row, request, receiveCount, firstReceivedAt, token));
    return 'delivered';
  }

  private toMessage(
    queue: Queue,
    row: MessageRow,
    request: ReceiveRequest,
    receiveCount: number,
    firstReceivedAt: number,
    token: string,
  ): Message {
    const { MessageId, ...rest } = this.messageView(queue, row, request, receiveCount, firstReceivedAt);
    return { MessageId, ReceiptHandle: encodeReceiptHandle({ queueId: queue.id, seq: row.seq, token }), ...rest };
  }

  /** A stored message with the attributes a request asked for, as a receive shows it (less its receipt handle). */
  private messageView(
    queue: Queue,
    row: MessageRow,
    request: ReceiveRequest,
    receiveCount: number,
    firstReceivedAt: number | null,
  ): PeekedMessage {
    const message: PeekedMessage = {
      MessageId: row.message_id,
      MD5OfBody: row.md5_body,
      Body: row.body,
    };
    if (request.systemAttributes) {
      const available: Record<string, string | null> = {
        SenderId: row.sender_id,
        SentTimestamp: String(row.sent_at),
        ApproximateReceiveCount: String(receiveCount),
        ApproximateFirstReceiveTimestamp: firstReceivedAt === null ? null : String(firstReceivedAt),
        SequenceNumber: queue.fifo ? sequenceNumber(row.seq) : null,
        MessageDeduplicationId: row.dedup_id,
        MessageGroupId: row.group_id,
        AWSTraceHeader: row.system_attributes
          ? ((JSON.parse(row.system_attributes) as Record<string, StoredAttributeValue>).AWSTraceHeader?.StringValue ?? null)
          : null,
        DeadLetterQueueSourceArn: row.dlq_source_arn,
      };
      const attributes: Record<string, string> = {};
      for (const name of SYSTEM_ATTRIBUTE_NAMES) {
        const value = available[name];
        if (value !== null && value !== undefined && (request.systemAttributes === 'all' || request.systemAttributes.has(name))) {
          attributes[name] = value;
        }
      }
      if (Object.keys(attributes).length > 0) message.Attributes = attributes;
    }
    if (request.messageAttributes && row.attributes) {
      const all = JSON.parse(row.attributes) as Record<string, StoredAttributeValue>;
      const selected: Record<string, StoredAttributeValue> = {};
      for (const [name, value] of Object.entries(all)) if (request.messageAttributes(name)) selected[name] = value;
      const count = Object.keys(selected).length;
      // As on AWS, a message none of whose attributes were asked for has no MessageAttributes at all.
      if (count > 0) {
        message.MessageAttributes = selected;
        message.MD5OfMessageAttributes =
          count === Object.keys(all).length && row.md5_attributes ? row.md5_attributes : md5OfMessageAttributes(selected);
      }
    }
    return message;
  }
}

/**
 * `All`, `.*` and `*` select every attribute, `prefix.*` those starting with the prefix,
 * anything else by name (ReceiveMessage's MessageAttributeNames; `*` recorded on AWS).
 */
function messageAttributeFilter(names: string[] | undefined): ((name: string) => boolean) | undefined {
  if (!names || names.length === 0) return undefined;
  if (names.some((name) => name === 'All' || name === '.*' || name === '*')) return () => true;
  const exact = new Set(names.filter((name) => !name.endsWith('.*')));
  const prefixes = names.filter((name) => name.endsWith('.*')).map((name) => name.slice(0, -2));
  return (name) => exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix));
}
