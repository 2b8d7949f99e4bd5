import { DEAD_LETTER_ATTRIBUTES } from '../contracts/wiring.js';
import { breaksContract } from './dead-letter-reasons.js';

/**
 * Redriving a dead-letter queue one message at a time: the one mechanism `switchyard redrive`
 * and the console's "Redrive to source" both run, so that they move the same messages, leave
 * the same ones and say the same of each. Pure, so that the browser runs it too: the SQS calls
 * come through a {@link RedriveQueue} the CLI fills with the SDK and the console with its
 * signed JSON-protocol calls.
 *
 * Why not a message move task (StartMessageMoveTask): it moves every message, those whose
 * event breaks its contract too (sent back unchanged, they fail again at once), and a message
 * the consumer kit sent straight to the dead-letter queue has no DeadLetterQueueSourceArn, so a
 * task without a destination fails on it (CouldNotDetermineMessageSource).
 */

/** A message attribute as ReceiveMessage gives it and SendMessage takes it (BinaryValue: bytes from the SDK, base64 over JSON). */
export interface RedriveAttributeValue {
  readonly DataType?: string;
  readonly StringValue?: string;
  readonly BinaryValue?: unknown;
}

/** A received dead letter: what deciding and sending it back reads of it. */
export interface RedriveMessage {
  readonly MessageId?: string;
  readonly ReceiptHandle?: string;
  readonly Body?: string;
  /** System attributes: DeadLetterQueueSourceArn, MessageGroupId. */
  readonly Attributes?: Readonly<Partial<Record<string, string>>>;
  readonly MessageAttributes?: Readonly<Record<string, RedriveAttributeValue | undefined>>;
}

/** A queue a dead letter can go back to. */
export interface RedriveDestination {
  /** As the operator reads it: the queue's name. */
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

/** The SendMessage that puts a dead letter back (the same members in the SDK's input and SQS's JSON protocol). */
export interface RedriveSendRequest {
  QueueUrl: string;
  MessageBody: string;
  MessageAttributes?: Record<string, RedriveAttributeValue>;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}

/** How long a message taken for a redrive stays hidden, should the CLI die or the page close between send and delete. */
export const REDRIVE_VISIBILITY_SECONDS = 60;

/** The ReceiveMessage request a redrive makes of the dead-letter queue, the CLI's and the console's alike. */
export function redriveReceiveRequest(queueUrl: string) {
  return {
    QueueUrl: queueUrl,
    MaxNumberOfMessages: 10,
    VisibilityTimeout: REDRIVE_VISIBILITY_SECONDS,
    // A long poll asks every SQS server; a short one may answer empty while messages wait.
    WaitTimeSeconds: 1,
    MessageSystemAttributeNames: ['All' as const],
    MessageAttributeNames: ['All'],
  };
}

/** The dead-letter queue's SQS calls, made by the CLI with the SDK and by the console with its signed calls. */
export interface RedriveQueue<M extends RedriveMessage = RedriveMessage> {
  /** The queue's name, as the lines say it. */
  readonly name: string;
  /**
   * ReceiveMessage of up to ten messages with every system and message attribute, hidden long
   * enough for a move (should the caller die between send and delete, they come back).
   */
  receive(): Promise<readonly M[]>;
  /** SendMessage; the new message's id. */
  send(request: RedriveSendRequest): Promise<string | undefined>;
  /** DeleteMessage from the dead-letter queue. */
  delete(receiptHandle: string): Promise<void>;
  /** Makes received messages visible again at once (ChangeMessageVisibilityBatch to 0). */
  handBack(receiptHandles: readonly string[]): Promise<void>;
  /** An AWS error in words: its code and AWS's message. */
  describeError(error: unknown): string;
}

/** What happened to one dead letter. */
export type MessageOutcome =
  | {
      readonly kind: 'moved';
      readonly messageId: string;
      readonly destination: string;
      /** The queue's ARN: what asks who reads it, following the copy (clients/redriven-messages.ts). */
      readonly destinationArn: string;
      readonly newMessageId?: string;
    }
  /** Left in the queue: its event breaks its contract (InvalidEvent); `reason` is the consumer's, naming the field. */
  | { readonly kind: 'left-invalid'; readonly messageId: string; readonly reason: string }
  /** Not moved (or, where said, sent but not deleted), with why: AWS's reason, or its unknown source. */
  | { readonly kind: 'failed'; readonly messageId: string; readonly reason: string };

export interface RedriveOutcome {
  /** One per message the redrive took up, in the order it did. */
  readonly outcomes: readonly MessageOutcome[];
  /** Ids asked for that were not found in the queue (or were in flight). */
  readonly missing: readonly string[];
}

export interface RedriveOptions<M extends RedriveMessage> {
  /** Where each message goes back to, or why that cannot be told ({@link destinationOf}). */
  readonly destinationFor: (message: M) => RedriveDestination | { readonly unknown: string };
  /** Only these messages; every other one received on the way is handed back at once. */
  readonly ids?: readonly string[];
  /** Leave the messages whose event breaks its contract (default true): sent back unchanged, they fail again at once. */
  readonly leaveInvalid?: boolean;
  /** The body a message goes back with, when not its own (the CLI's --detail); what it throws ends the redrive. */
  readonly rewrite?: (message: M) => string;
  /** Told of each message as its outcome is known. */
  readonly onOutcome?: (outcome: MessageOutcome) => void;
}

/**
 * Why the consumer dead-lettered a message whose event breaks its contract, naming the field
 * (the kit's InvalidEvent message lists each problem); undefined for any other dead letter.
 */
export function contractBreach(message: RedriveMessage): string | undefined {
  if (!breaksContract(message)) return undefined;
  const reason = message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.errorMessage]?.StringValue;
  return reason === undefined || reason === '' ? 'InvalidEvent (the consumer gave no message)' : `InvalidEvent: ${reason}`;
}

/**
 * The queue a dead letter goes back to: the source queue SQS names on it
 * (DeadLetterQueueSourceArn), else the dead-letter queue's one source (the consumer kit sends
 * what it gives up on straight to the dead-letter queue, so SQS names none on it); with
 * several sources and none named, why it cannot be told.
 */
export function destinationOf(
  message: RedriveMessage,
  known: readonly RedriveDestination[],
  single: RedriveDestination | undefined,
): RedriveDestination | { readonly unknown: string } {
  const from = message.Attributes?.DeadLetterQueueSourceArn;
  const named = from === undefined ? undefined : known.find((q) => q.arn === from);
  if (named !== undefined) return named;
  if (single !== undefined) return single;
  const sources = known.length === 0 ? 'no source queue' : `${known.length} source queues (${known.map((q) => q.name).join(', ')})`;
  return {
    unknown: `cannot tell where it came from: it has no DeadLetterQueueSourceArn (the consumer kit sent it straight to the dead-letter queue) and the queue has ${sources}; send its body again to the queue it belongs to`,
  };
}

/** The SendMessage that puts a received message back: its body and message attributes, and in a FIFO queue its group. */
export function sendRequest(message: RedriveMessage, destination: RedriveDestination, body = message.Body ?? ''): RedriveSendRequest {
  const attributes: Record<string, RedriveAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value !== undefined)
      attributes[name] = { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue };
  }
  const request: RedriveSendRequest = { QueueUrl: destination.url, MessageBody: body };
  if (Object.keys(attributes).length > 0) request.MessageAttributes = attributes;
  if (destination.name.endsWith('.fifo')) {
    request.MessageGroupId = message.Attributes?.MessageGroupId ?? 'redrive';
    // A message without an id is never received (redriveMessages skips it): this is always set.
    request.MessageDeduplicationId = message.MessageId;
  }
  return request;
}

/**
 * Moves a dead-letter queue's messages one by one: ReceiveMessage, SendMessage to where each
 * came from, DeleteMessage only once the send succeeded, so a failure loses nothing (at worst,
 * a delete failing, a message is in both queues, and its outcome says so). A message whose event
 * breaks its contract is left (unless `leaveInvalid` is false), as is one whose source cannot
 * be told or whose send fails: each is handed back and has its outcome, and the others go on.
 * Every message received and not moved is handed back at the end, as is each copy this redrive
 * sent that failed again on the way (a redrive moves what the queue held, never its own copies).
 * Throws what a receive, a hand-back or `rewrite` throws, after handing the rest back.
 */
export async function redriveMessages<M extends RedriveMessage>(
  queue: RedriveQueue<M>,
  options: RedriveOptions<M>,
): Promise<RedriveOutcome> {
  const wanted = options.ids === undefined ? undefined : new Set(options.ids);
  const outcomes: MessageOutcome[] = [];
  const handBack: string[] = [];
  const seen = new Set<string>();
  // The ids of the copies sent: a copy dead-lettered again comes back with the same id (SQS's
  // redrive policy) or with it as its OriginalMessageId (the consumer kit's failure router).
  const sent = new Set<string>();
  const cameBack = (message: M) =>
    sent.has(message.MessageId ?? '') || sent.has(message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.originalMessageId]?.StringValue ?? '');
  const record = (outcome: MessageOutcome) => {
    outcomes.push(outcome);
    wanted?.delete(outcome.messageId);
    options.onOutcome?.(outcome);
  };
  // Received but not yet decided: handed back too if the redrive ends midway.
  let unsettled: M[] = [];
  try {
    for (;;) {
      if (wanted !== undefined && wanted.size === 0) break;
      const messages = await queue.receive();
      const fresh = messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (fresh.length === 0) {
        handBack.push(...messages.flatMap((m) => (m.ReceiptHandle ? [m.ReceiptHandle] : [])));
        break;
      }
      unsettled = [...messages];
      for (const message of messages) {
        unsettled.shift();
        const id = message.MessageId ?? '';
        const handle = message.ReceiptHandle ?? '';
        const skip = id === '' || seen.has(id) || (wanted !== undefined && !wanted.has(id)) || cameBack(message);
        seen.add(id);
        const outcome = skip
          ? undefined
          : await redriveOne(queue, message, options, sent).catch((error: unknown) => {
              // What `rewrite` threw: this message stays too, and the redrive ends.
              if (handle !== '') handBack.push(handle);
              throw error;
            });
        if (outcome?.kind !== 'moved' && handle !== '') handBack.push(handle);
        if (outcome !== undefined) record(outcome);
      }
    }
  } finally {
    handBack.push(...unsettled.flatMap((m) => (m.ReceiptHandle ? [m.ReceiptHandle] : [])));
    if (handBack.length > 0) await queue.handBack(handBack);
  }
  return { outcomes, missing: wanted === undefined ? [] : [...wanted] };
}

/** One message's redrive: left, failed, or sent to its source and then deleted. */
async function redriveOne<M extends RedriveMessage>(
  queue: RedriveQueue<M>,
  message: M,
  options: RedriveOptions<M>,
  sent: Set<string>,
): Promise<MessageOutcome> {
  const messageId = message.MessageId ?? '';
  const breach = options.leaveInvalid === false ? undefined : contractBreach(message);
  if (breach !== undefined) return { kind: 'left-invalid', messageId, reason: breach };
  const destination = options.destinationFor(message);
  if ('unknown' in destination) return { kind: 'failed', messageId, reason: destination.unknown };
  const body = options.rewrite?.(message);
  let newMessageId: string | undefined;
  try {
    newMessageId = await queue.send(sendRequest(message, destination, body));
  } catch (error) {
    return { kind: 'failed', messageId, reason: `sending it to ${destination.name} failed: ${queue.describeError(error)}` };
  }
  if (newMessageId !== undefined) sent.add(newMessageId);
  try {
    await queue.delete(message.ReceiptHandle ?? '');
  } catch (error) {
    const copy = newMessageId === undefined ? '' : ` (as ${newMessageId})`;
    return {
      kind: 'failed',
      messageId,
      reason: `sent to ${destination.name}${copy}, but deleting it from ${queue.name} failed, so it is in both: ${queue.describeError(error)}`,
    };
  }
  return {
    kind: 'moved',
    messageId,
    destination: destination.name,
    destinationArn: destination.arn,
    ...(newMessageId === undefined ? {} : { newMessageId }),
  };
}

/** How many messages a redrive moved, left because their events break their contracts, and failed to move. */
export function outcomeCounts(outcomes: readonly MessageOutcome[]): { moved: number; leftInvalid: number; failed: number } {
  const count = (kind: MessageOutcome['kind']) => outcomes.filter((o) => o.kind === kind).length;
  return { moved: count('moved'), leftInvalid: count('left-invalid'), failed: count('failed') };
}

/** One message's outcome as the CLI prints it and the console shows it. */
export function outcomeLine(outcome: MessageOutcome, queue: string): string {
  switch (outcome.kind) {
    case 'moved':
      return `moved ${outcome.messageId} -> ${outcome.destination}${outcome.newMessageId ? ` (now ${outcome.newMessageId})` : ''}`;
    case 'left-invalid':
      return `left ${outcome.messageId} in ${queue}: its event breaks its contract (${outcome.reason})`;
    case 'failed':
      return `message ${outcome.messageId} not moved (it stays in ${queue}): ${outcome.reason}`;
  }
}

/**
 * What a redrive did, in one line: `2 messages moved, 1 left because its event breaks its
 * contract, 1 failed`; the parts with nothing in them left out, but never the moves.
 */
export function redriveSummary(outcomes: readonly MessageOutcome[]): string {
  const { moved, leftInvalid, failed } = outcomeCounts(outcomes);
  const parts = [`${moved} message${moved === 1 ? '' : 's'} moved`];
  if (leftInvalid > 0)
    parts.push(`${leftInvalid} left because ${leftInvalid === 1 ? 'its event breaks its contract' : 'their events break their contracts'}`);
  if (failed > 0) parts.push(`${failed} failed`);
  return parts.join(', ');
}
