import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { Clock } from '../clock.js';
import { MessageReceiver, type ReceiveOptions } from './message-receiving.js';
import { MessageSender } from './message-sending.js';
import { QueueManagement } from './queue-management.js';
import { ReceivedMessages } from './received-messages.js';
import { type Queue, SqsContext } from './sqs-context.js';
import { invalidParameter, missingParameter, queueDoesNotExist, SqsError } from './sqs-errors.js';
import type { MoveTaskRow } from './sqs-store.js';
import type {
  BatchOutput,
  CancelMessageMoveTaskInput,
  CancelMessageMoveTaskOutput,
  ChangeMessageVisibilityBatchInput,
  ChangeMessageVisibilityInput,
  CreateQueueInput,
  CreateQueueOutput,
  DeleteMessageBatchInput,
  DeleteMessageInput,
  EmptyOutput,
  GetQueueAttributesInput,
  GetQueueAttributesOutput,
  GetQueueUrlInput,
  GetQueueUrlOutput,
  ListDeadLetterSourceQueuesInput,
  ListDeadLetterSourceQueuesOutput,
  ListMessageMoveTasksInput,
  ListMessageMoveTasksOutput,
  ListMessageMoveTasksResultEntry,
  ListQueuesInput,
  ListQueuesOutput,
  ListQueueTagsOutput,
  MessageMoveTaskStatus,
  QueueUrlInput,
  ReceiveMessageInput,
  ReceiveMessageOutput,
  SendMessageBatchInput,
  SendMessageBatchOutput,
  SendMessageInput,
  SendMessageOutput,
  SetQueueAttributesInput,
  StartMessageMoveTaskInput,
  StartMessageMoveTaskOutput,
  TagQueueInput,
  UntagQueueInput,
} from './sqs-types.js';
import { integerParameter } from './validation.js';

export type { ReceiveOptions } from './message-receiving.js';

export interface SqsServiceOptions {
  /** Open with `openDatabase` from `../store/data-folder.js`; tests may use `':memory:'`. */
  db: DatabaseSync;
  clock: Clock;
  /** Where queue URLs point, e.g. `http://127.0.0.1:4566`. */
  baseUrl: string;
  accountId: string;
  region: string;
  /** The SenderId messages carry; AWS stamps the caller's principal id, which a local endpoint does not know. */
  senderId?: string;
  /** How long a deleted queue's name stays unavailable; AWS enforces 60 s. */
  deletedQueueNameCooldownMs?: number;
}

/** Move tasks without a rate limit move this many messages per turn of the event loop. */
const MOVE_TASK_CHUNK = 100;
/**
 * SQS with AWS's semantics, durable in SQLite. Public methods are the API operations with
 * the JSON protocol's request and response shapes; errors are SqsError (an AwsError with
 * the legacy query code alongside).
 *
 * Every call commits before it returns: a SIGKILL loses nothing accepted, and messages that
 * were in flight reappear when their visibility timeout passes after a restart.
 *
 * Consumers in the same process (the Lambda event-source poller) should simply call
 * `ReceiveMessage` with `WaitTimeSeconds: 20` and an AbortSignal in `options`: it resolves as
 * soon as a message is receivable (woken by sends, visibility expiry and delays, not by
 * polling) and returns `{ Messages: [] }` when the wait ends or the signal aborts.
 */
export class SqsService {
  private readonly context: SqsContext;
  private readonly queues: QueueManagement;
  private readonly sender: MessageSender;
  private readonly receiver: MessageReceiver;
  private readonly received: ReceivedMessages;
  private readonly moveTaskTimers = new Map<string, NodeJS.Timeout>();

  constructor(options: SqsServiceOptions) {
    this.context = new SqsContext(options);
    this.queues = new QueueManagement(this.context, options.deletedQueueNameCooldownMs ?? 60_000);
    this.sender = new MessageSender(this.context, options.senderId ?? options.accountId);
    this.receiver = new MessageReceiver(this.context);
    this.received = new ReceivedMessages(this.context);
    for (const task of this.context.store.runningMoveTasks.all()) this.scheduleMoveTask(task.id, 0);
  }

  /** Stops long polls (they return empty) and move tasks. The database stays open: its owner closes it. */
  close(): void {
    this.context.closed = true;
    this.context.waiters.close();
    for (const timer of this.moveTaskTimers.values()) clearTimeout(timer);
    this.moveTaskTimers.clear();
  }

  // ---- addressing helpers for the other local services ----

  queueUrl(name: string): string {
    return this.context.queueUrl(name);
  }

  queueArn(name: string): string {
    return this.context.queueArn(name);
  }

  /** The URL of the queue an ARN names (EventBridge targets and event source mappings speak ARNs). */
  queueUrlFromArn(arn: string): string {
    const queue = this.context.queueByArn(arn);
    if (!queue) throw queueDoesNotExist();
    return queue.url;
  }

  // ---- queues ----

  async CreateQueue(input: CreateQueueInput): Promise<CreateQueueOutput> {
    return this.queues.createQueue(input);
  }

  async GetQueueUrl(input: GetQueueUrlInput): Promise<GetQueueUrlOutput> {
    return this.queues.getQueueUrl(input);
  }

  async ListQueues(input: ListQueuesInput = {}): Promise<ListQueuesOutput> {
    return this.queues.listQueues(input);
  }

  async GetQueueAttributes(input: GetQueueAttributesInput): Promise<GetQueueAttributesOutput> {
    return this.queues.getQueueAttributes(input);
  }

  async SetQueueAttributes(input: SetQueueAttributesInput): Promise<EmptyOutput> {
    return this.queues.setQueueAttributes(input);
  }

  async DeleteQueue(input: QueueUrlInput): Promise<EmptyOutput> {
    return this.queues.deleteQueue(input);
  }

  async PurgeQueue(input: QueueUrlInput): Promise<EmptyOutput> {
    return this.queues.purgeQueue(input);
  }

  async TagQueue(input: TagQueueInput): Promise<EmptyOutput> {
    return this.queues.tagQueue(input);
  }

  async UntagQueue(input: UntagQueueInput): Promise<EmptyOutput> {
    return this.queues.untagQueue(input);
  }

  async ListQueueTags(input: QueueUrlInput): Promise<ListQueueTagsOutput> {
    return this.queues.listQueueTags(input);
  }

  async ListDeadLetterSourceQueues(input: ListDeadLetterSourceQueuesInput): Promise<ListDeadLetterSourceQueuesOutput> {
    return this.queues.listDeadLetterSourceQueues(input);
  }

  // ---- sending ----

  async SendMessage(input: SendMessageInput): Promise<SendMessageOutput> {
    return this.sender.sendMessage(input);
  }

  async SendMessageBatch(input: SendMessageBatchInput): Promise<SendMessageBatchOutput> {
    return this.sender.sendMessageBatch(input);
  }

  // ---- receiving ----

  // Not async: the receiver's promise is handed back as it is.
  ReceiveMessage(input: ReceiveMessageInput, options: ReceiveOptions = {}): Promise<ReceiveMessageOutput> {
    return this.receiver.receiveMessage(input, options);
  }

  async DeleteMessage(input: DeleteMessageInput): Promise<EmptyOutput> {
    return this.received.deleteMessage(input);
  }

  async DeleteMessageBatch(input: DeleteMessageBatchInput): Promise<BatchOutput> {
    return this.received.deleteMessageBatch(input);
  }

  async ChangeMessageVisibility(input: ChangeMessageVisibilityInput): Promise<EmptyOutput> {
    return this.received.changeMessageVisibility(input);
  }

  async ChangeMessageVisibilityBatch(input: ChangeMessageVisibilityBatchInput): Promise<BatchOutput> {
    return this.received.changeMessageVisibilityBatch(input);
  }

  // ---- dead-letter redrive ----

  async StartMessageMoveTask(input: StartMessageMoveTaskInput): Promise<StartMessageMoveTaskOutput> {
    const source = input.SourceArn ? this.context.queueByArn(input.SourceArn) : undefined;
    if (!input.SourceArn) throw missingParameter('SourceArn');
    if (!source) {
      throw new SqsError('ResourceNotFoundException', "The resource that you specified for the SourceArn parameter doesn't exist.");
    }
    const isDeadLetterQueue = [...this.context.queuesById.values()].some((q) => q.settings.redrive?.deadLetterTargetArn === source.arn);
    if (!isDeadLetterQueue) throw invalidParameter('Source queue must be configured as a Dead Letter Queue.');
    if (input.DestinationArn !== undefined) {
      const destination = this.context.queueByArn(input.DestinationArn);
      if (!destination) {
        throw new SqsError('ResourceNotFoundException', "The resource that you specified for the DestinationArn parameter doesn't exist.");
      }
      if (destination.fifo !== source.fifo) {
        throw invalidParameter('The source queue and the destination queue must be of the same queue type (FIFO or standard).');
      }
    }
    const rate = integerParameter('MaxNumberOfMessagesPerSecond', input.MaxNumberOfMessagesPerSecond, 1, 500, 'Must be between 1 and 500.');
    if (this.context.store.runningMoveTasks.all().some((task) => task.source_arn === source.arn)) {
      throw invalidParameter('There is already a task running. Only one active task is allowed for a source queue arn at a given time.');
    }
    const now = this.context.clock.now();
    const toMove = this.context.store.countVisible.get(source.id, now)?.n ?? 0;
    const id = randomUUID();
    this.context.store.insertMoveTask.run(id, source.arn, input.DestinationArn ?? null, rate ?? null, toMove, now);
    this.scheduleMoveTask(id, 0);
    return { TaskHandle: encodeTaskHandle(id, source.arn) };
  }

  async CancelMessageMoveTask(input: CancelMessageMoveTaskInput): Promise<CancelMessageMoveTaskOutput> {
    const decoded = decodeTaskHandle(input.TaskHandle);
    if (!decoded) throw invalidParameter('Value for parameter TaskHandle is invalid.');
    if (!this.context.queueByArn(decoded.sourceArn)) {
      throw new SqsError('ResourceNotFoundException', "The resource that you specified for the SourceArn parameter doesn't exist.");
    }
    const task = this.context.store.moveTask.get(decoded.taskId);
    if (!task || task.source_arn !== decoded.sourceArn) throw new SqsError('ResourceNotFoundException', 'Task does not exist.');
    if (task.status !== 'RUNNING') throw invalidParameter('Only active tasks can be cancelled.');
    this.finishMoveTask(task, 'CANCELLED', task.moved, task.cursor, null);
    return { ApproximateNumberOfMessagesMoved: task.moved };
  }

  async ListMessageMoveTasks(input: ListMessageMoveTasksInput): Promise<ListMessageMoveTasksOutput> {
    if (!input.SourceArn) throw missingParameter('SourceArn');
    if (!this.context.queueByArn(input.SourceArn)) {
      throw new SqsError('ResourceNotFoundException', "The resource that you specified for the SourceArn parameter doesn't exist.");
    }
    const limit = integerParameter('MaxResults', input.MaxResults, 1, 10, 'Must be between 1 and 10.') ?? 1;
    const Results = this.context.store.moveTasksFor.all(input.SourceArn, limit).map((task) => {
      const entry: ListMessageMoveTasksResultEntry = {
        Status: task.status as MessageMoveTaskStatus,
        SourceArn: task.source_arn,
        ApproximateNumberOfMessagesMoved: task.moved,
        ApproximateNumberOfMessagesToMove: task.to_move,
        StartedTimestamp: task.started_at,
      };
      if (task.status === 'RUNNING') entry.TaskHandle = encodeTaskHandle(task.id, task.source_arn);
      if (task.destination_arn) entry.DestinationArn = task.destination_arn;
      if (task.max_per_second !== null) entry.MaxNumberOfMessagesPerSecond = task.max_per_second;
      if (task.failure_reason) entry.FailureReason = task.failure_reason;
      return entry;
    });
    return { Results };
  }

  // ---- internals: sending ----

  // ---- internals: receiving ----

  // ---- internals: receipts ----

  // ---- internals: move tasks ----

  private scheduleMoveTask(id: string, delayMs: number): void {
    if (this.context.closed) return;
    const timer = setTimeout(() => {
      this.moveTaskTimers.delete(id);
      this.stepMoveTask(id);
    }, delayMs);
    timer.unref();
    this.moveTaskTimers.set(id, timer);
  }

  /** Moves one chunk (or one second's worth under a rate limit) and schedules the next. */
  private stepMoveTask(id: string): void {
    const task = this.context.store.moveTask.get(id);
    if (task?.status !== 'RUNNING' || this.context.closed) return;
    const source = this.context.queueByArn(task.source_arn);
    if (!source) {
      this.finishMoveTask(task, 'FAILED', task.moved, task.cursor, 'AWS.SimpleQueueService.NonExistentQueue');
      return;
    }
    const now = this.context.clock.now();
    const budget = Math.min(task.max_per_second ?? MOVE_TASK_CHUNK, task.to_move - task.moved);
    const rows = budget > 0 ? this.context.store.movableMessages.all(source.id, task.cursor, now, budget) : [];
    let moved = task.moved;
    let cursor = task.cursor;
    const destinations = new Set<Queue>();
    const failure = this.context.transaction((): string | null => {
      for (const row of rows) {
        const destinationArn = task.destination_arn ?? row.dlq_source_arn;
        const destination = destinationArn ? this.context.queueByArn(destinationArn) : undefined;
        if (!destination && destinationArn) {
          this.context.store.updateMoveTask.run('FAILED', moved, cursor, 'AWS.SimpleQueueService.NonExistentQueue', task.id);
          return 'AWS.SimpleQueueService.NonExistentQueue';
        }
        // A message sent straight to the dead-letter queue has no source to return to: it stays.
        if (destination) {
          this.context.store.moveBack.run(destination.id, now, row.seq);
          destinations.add(destination);
          moved++;
        }
        cursor = row.seq;
      }
      this.context.store.updateMoveTask.run('RUNNING', moved, cursor, null, task.id);
      return null;
    });
    for (const destination of destinations) this.context.notify(destination);
    if (failure) return;
    if (moved >= task.to_move || rows.length < budget) {
      this.finishMoveTask(task, 'COMPLETED', moved, cursor, null);
      return;
    }
    this.scheduleMoveTask(task.id, task.max_per_second === null ? 0 : 1000);
  }

  private finishMoveTask(task: MoveTaskRow, status: MessageMoveTaskStatus, moved: number, cursor: number, reason: string | null) {
    this.context.store.updateMoveTask.run(status, moved, cursor, reason, task.id);
    const timer = this.moveTaskTimers.get(task.id);
    if (timer) clearTimeout(timer);
    this.moveTaskTimers.delete(task.id);
  }
}

// ---- helpers ----

function encodeTaskHandle(taskId: string, sourceArn: string): string {
  return Buffer.from(JSON.stringify({ taskId, sourceArn }), 'utf8').toString('base64');
}

function decodeTaskHandle(raw: string | undefined): { taskId: string; sourceArn: string } | undefined {
  if (!raw) return undefined;
  try {
    const { taskId, sourceArn } = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as Record<string, unknown>;
    return typeof taskId === 'string' && typeof sourceArn === 'string' ? { taskId, sourceArn } : undefined;
  } catch {
    return undefined;
  }
}
