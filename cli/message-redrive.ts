import {
  DeleteMessageCommand,
  ListMessageMoveTasksCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SendMessageCommandInput,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { moveTaskFailureCause, moveTaskProgress } from '../clients/move-task.js';
import { DEAD_LETTER_ATTRIBUTES } from '../contracts/wiring.js';
import type { AssemblyContract } from '../inspect/assembly-contracts.js';
import { type Clients, call, describeAwsError } from '../inspect/aws.js';
import { handBack } from '../inspect/dead-letter-messages.js';
import type { DeadLetterQueue, DeployedQueue } from '../inspect/dead-letters.js';
import { CliError, usageError } from '../inspect/errors.js';

/** How long a message taken for a move stays hidden, should the CLI die between send and delete. */
const MOVE_VISIBILITY_SECONDS = 60;

/**
 * Redrives a whole dead-letter queue with a message move task (StartMessageMoveTask), then
 * follows it with ListMessageMoveTasks until it ends, reporting progress. `destination`
 * is the queue to move to: needed for any message SQS did not move there itself (the
 * consumer kit sends permanent failures with SendMessage; SQS then cannot tell their
 * source, and a task without DestinationArn fails with CouldNotDetermineMessageSource).
 */
export async function runMoveTask(
  clients: Clients,
  dlq: DeadLetterQueue,
  destination: DeployedQueue | undefined,
  options: { intervalMs: number; progress: (line: string) => void },
): Promise<{ moved: number; toMove: number; taskHandle: string }> {
  const { TaskHandle = '' } = await call(clients.target, () =>
    clients.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: destination?.arn })),
  );
  options.progress(`move task started: ${TaskHandle}`);
  let last = '';
  for (;;) {
    const { Results = [] } = await call(clients.target, () =>
      clients.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 1 })),
    );
    const task = Results[0];
    const { moved, toMove, line, ended, failed } = moveTaskProgress(task);
    if (line !== last) options.progress(line);
    last = line;
    if (ended && !failed) return { moved, toMove, taskHandle: TaskHandle };
    if (failed) {
      const cause = moveTaskFailureCause(task?.FailureReason);
      const hint = cause ? ` (${cause}; name it with --ids, or redrive a queue the template gives a single source)` : '';
      throw new CliError(`move task ${task?.Status} after moving ${moved} of ${toMove}: ${task?.FailureReason ?? 'cancelled'}${hint}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}

/** Where one message goes back to; undefined when that cannot be told. */
export type DestinationFor = (message: Message) => DeployedQueue | undefined;

export interface MoveOptions {
  readonly ids?: readonly string[];
  readonly refuse?: (message: Message) => boolean;
  /** The body a message goes back with, when not its own (redrive --detail). */
  readonly rewrite?: (message: Message) => string;
  readonly progress: (line: string) => void;
}

export interface MoveOutcome {
  readonly moved: { messageId: string; newMessageId?: string; destination: string }[];
  /** Ids asked for that were not found in the queue. */
  readonly missing: string[];
  /** Ids of the messages `refuse` kept in the queue (handed back). */
  readonly refused: string[];
}

/**
 * Moves messages one by one: ReceiveMessage, SendMessage to where each came from (body,
 * message attributes, and for FIFO its group), and DeleteMessage only once the send
 * succeeded, so a failure on the way loses nothing (at worst a message is in both queues).
 * With `ids`, only those messages; every other message received on the way is handed back
 * at once, as is each message `refuse` refuses, and each message this move sent that failed
 * again on the way (a redrive moves what the queue held, and never chases its own copies).
 * Throws at the first message that cannot be moved, after handing the rest back.
 */
export async function moveMessages(
  clients: Clients,
  dlq: DeadLetterQueue,
  destinationFor: DestinationFor,
  options: MoveOptions,
): Promise<MoveOutcome> {
  const wanted = options.ids === undefined ? undefined : new Set(options.ids);
  const moved: MoveOutcome['moved'] = [];
  const refused: string[] = [];
  const others: { Id: string; ReceiptHandle: string }[] = [];
  const seen = new Set<string>();
  // The ids of the copies sent: a copy dead-lettered again comes back with the same id (SQS's
  // redrive policy) or with it as its OriginalMessageId (the consumer kit's failure router).
  const sent = new Set<string>();
  const cameBack = (message: Message) =>
    sent.has(message.MessageId ?? '') || sent.has(message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.originalMessageId]?.StringValue ?? '');
  // Received but neither moved nor handed back yet: handed back too if a move fails midway.
  let unsettled: Message[] = [];
  try {
    for (;;) {
      if (wanted !== undefined && wanted.size === 0) break;
      const { Messages = [] } = await call(clients.target, () =>
        clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: dlq.url,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: MOVE_VISIBILITY_SECONDS,
            // A long poll asks every SQS server; a short one may answer empty while messages wait.
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        ),
      );
      const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (fresh.length === 0) {
        others.push(...Messages.flatMap((m) => (m.ReceiptHandle ? [{ Id: `o${others.length}`, ReceiptHandle: m.ReceiptHandle }] : [])));
        break;
      }
      unsettled = [...Messages];
      for (const message of Messages) {
        unsettled.shift();
        const id = message.MessageId ?? '';
        const handle = message.ReceiptHandle ?? '';
        if (seen.has(id) || (wanted !== undefined && !wanted.has(id)) || cameBack(message)) {
          others.push({ Id: `o${others.length}`, ReceiptHandle: handle });
          seen.add(id);
          continue;
        }
        seen.add(id);
        if (options.refuse?.(message)) {
          others.push({ Id: `o${others.length}`, ReceiptHandle: handle });
          wanted?.delete(id);
          refused.push(id);
          continue;
        }
        const { newMessageId, destination } = await moveOne(clients, dlq, message, destinationFor(message), options.rewrite).catch(
          (error: unknown) => {
            others.push({ Id: `o${others.length}`, ReceiptHandle: handle });
            throw error;
          },
        );
        wanted?.delete(id);
        if (newMessageId !== undefined) sent.add(newMessageId);
        moved.push({ messageId: id, newMessageId, destination });
        options.progress(`moved ${id} -> ${destination}${newMessageId ? ` (now ${newMessageId})` : ''}`);
      }
    }
  } finally {
    for (const message of unsettled)
      if (message.ReceiptHandle) others.push({ Id: `o${others.length}`, ReceiptHandle: message.ReceiptHandle });
    await handBack(clients, dlq.url, others);
  }
  return { moved, missing: wanted === undefined ? [] : [...wanted], refused };
}

/**
 * Sends one received message to where it came from, then deletes it from the dead-letter
 * queue: only then, so a message is never deleted before its copy was accepted. Throws, the
 * message left in the queue, when its source is unknown or the send fails.
 */
async function moveOne(
  clients: Clients,
  dlq: DeadLetterQueue,
  message: Message,
  destination: DeployedQueue | undefined,
  rewrite: ((message: Message) => string) | undefined,
): Promise<{ newMessageId?: string; destination: string }> {
  const id = message.MessageId ?? '';
  const body = rewrite?.(message);
  if (destination === undefined) {
    throw new CliError(
      `cannot tell where message ${id} came from: it has no DeadLetterQueueSourceArn and ${dlq.name} has no single source queue in the template`,
    );
  }
  let newMessageId: string | undefined;
  try {
    ({ MessageId: newMessageId } = await clients.sqs.send(new SendMessageCommand(sendInput(message, destination, body))));
  } catch (error) {
    throw new CliError(
      `message ${id} not moved (it stays in ${dlq.name}): sending it to ${destination.queueName} failed: ${describeAwsError(clients.target, error).message}`,
    );
  }
  await call(clients.target, () => clients.sqs.send(new DeleteMessageCommand({ QueueUrl: dlq.url, ReceiptHandle: message.ReceiptHandle })));
  return { newMessageId, destination: destination.queueName };
}

/** The SendMessage that puts a received message back: its body and attributes, and its group in a FIFO queue. */
export function sendInput(message: Message, destination: DeployedQueue, body = message.Body ?? ''): SendMessageCommandInput {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    attributes[name] = { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue };
  }
  const input: SendMessageCommandInput = {
    QueueUrl: destination.url,
    MessageBody: body,
    MessageAttributes: Object.keys(attributes).length > 0 ? attributes : undefined,
  };
  if (destination.queueName.endsWith('.fifo')) {
    input.MessageGroupId = message.Attributes?.MessageGroupId ?? 'redrive';
    input.MessageDeduplicationId = message.MessageId;
  }
  return input;
}

/**
 * A dead-lettered event's body with its detail replaced (redrive --detail): the fix of an
 * event that broke its contract, checked against that contract first, since sent back as it
 * was it would fail again at once. Everything else of the event (its id, source, time) stays.
 */
export function withDetail(message: Message, detail: unknown, contracts: readonly AssemblyContract[]): string {
  const id = message.MessageId ?? '';
  let event: unknown;
  try {
    event = JSON.parse(message.Body ?? '');
  } catch {
    event = undefined;
  }
  const detailType = (event as { 'detail-type'?: unknown } | undefined)?.['detail-type'];
  if (typeof event !== 'object' || event === null || typeof detailType !== 'string') {
    throw usageError(`message ${id} is not an EventBridge event (no detail-type in its body): --detail replaces an event's detail`);
  }
  const contract = contracts.find((c) => c.detailType === detailType);
  const checked = contract?.validate(detail);
  if (checked !== undefined && !checked.ok) {
    throw usageError(`--detail breaks the ${detailType} contract (message ${id} stays where it is): ${checked.errors.join('; ')}`);
  }
  return JSON.stringify({ ...event, detail });
}
