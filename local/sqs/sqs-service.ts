import type { DatabaseSync } from 'node:sqlite';
import type { RetryingMessage } from '../../clients/read-api-contract.js';
import type { IdempotentCall } from '../store/idempotent-requests.js';
import type { Clock } from '../time/clock.js';
import { ConsumerFailures, type ConsumerOutcome } from './consumer-failures.js';
import type { FairQueueMetrics } from './fair-queues.js';
import { MessageMoveTasks } from './message-move-tasks.js';
import { MessageReceiver, type ReceiveOptions } from './message-receiving.js';
import { MessageSender } from './message-sending.js';
import { QueueManagement } from './queue-management.js';
import { QueuePermissions } from './queue-permissions.js';
import { ReceivedMessages } from './received-messages.js';
import { type MessageNote, SqsContext } from './sqs-context.js';
import { queueDoesNotExist, SqsError } from './sqs-errors.js';
import type {
  AddPermissionInput,
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
  ListQueuesInput,
  ListQueuesOutput,
  ListQueueTagsOutput,
  PeekedMessage,
  QueueUrlInput,
  ReceiveMessageInput,
  ReceiveMessageOutput,
  RemovePermissionInput,
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

export type { FairQueueMetrics } from './fair-queues.js';
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
  /** Called after each message is stored, and when one moves to a dead-letter queue. */
  onMessage?: (note: MessageNote) => void;
  /** Called when a queue's `Policy` is set, changed or removed (IAM evaluates queue policies). @default none */
  onPolicyChange?: (queueArn: string, policy: string | undefined) => void;
}

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
 *
 * The operations live in the parts below; they stay methods of this class because the
 * endpoint finds them by name on `SqsService.prototype` (`sqsOperations` in `module.ts`,
 * and the query protocol), so each one here only forwards.
 */
export class SqsService {
  private readonly context: SqsContext;
  private readonly queues: QueueManagement;
  private readonly permissions: QueuePermissions;
  private readonly sender: MessageSender;
  private readonly receiver: MessageReceiver;
  private readonly received: ReceivedMessages;
  private readonly moveTasks: MessageMoveTasks;
  private readonly consumerFailures: ConsumerFailures;

  constructor(options: SqsServiceOptions) {
    this.context = new SqsContext(options);
    this.queues = new QueueManagement(this.context, options.deletedQueueNameCooldownMs ?? 60_000);
    this.permissions = new QueuePermissions(this.context, this.queues);
    this.sender = new MessageSender(this.context, options.senderId ?? options.accountId);
    this.receiver = new MessageReceiver(this.context);
    this.received = new ReceivedMessages(this.context);
    this.moveTasks = new MessageMoveTasks(this.context);
    this.consumerFailures = new ConsumerFailures(this.context);
  }

  /** What a consumer's invocation did with the messages of its batch (Lambda's poller tells): see ConsumerFailures. */
  consumerOutcome(outcome: ConsumerOutcome): void {
    this.consumerFailures.note(outcome);
  }

  /** The records a consumer failed that are still in their queue, to be delivered again (ConsumerFailures.retrying). */
  retryingMessages(): RetryingMessage[] {
    return this.consumerFailures.retrying();
  }

  /** Stops long polls (they return empty) and move tasks. The database stays open: its owner closes it. */
  close(): void {
    this.context.closed = true;
    this.context.waiters.close();
    this.moveTasks.stop();
  }

  // ---- addressing helpers for the other local services ----

  queueUrl(name: string): string {
    return this.context.queueUrl(name);
  }

  queueArn(name: string): string {
    return this.context.queueArn(name);
  }

  /** A template's queue: its template's Tags, in place of those it had (set at each start and synthesis). */
  setTemplateTags(name: string, tags: Readonly<Record<string, string>>): void {
    this.context.tags.replace(this.context.queueArn(name), Object.entries(tags));
  }

  /** Whether a queue of this ARN exists. */
  hasQueue(arn: string): boolean {
    return this.context.queueByArn(arn) !== undefined;
  }

  /** The URL of the queue an ARN names (EventBridge targets and event source mappings speak ARNs). */
  queueUrlFromArn(arn: string): string {
    const queue = this.context.queueByArn(arn);
    if (!queue) throw queueDoesNotExist();
    return queue.url;
  }

  /**
   * The fair-queue metrics AWS publishes to CloudWatch (ApproximateNumberOfNoisyGroups and
   * the four ...InQuietGroups), as of now. AWS has them in CloudWatch only, not in
   * GetQueueAttributes, and the runtime has no CloudWatch: operator views read them here.
   */
  fairQueueMetrics(queueUrl: string): FairQueueMetrics {
    return this.context.fairQueues.metrics(this.context.queueFromUrl(queueUrl));
  }

  /** Whether a standard queue is a fair queue: a message with a group id (a tenant) has come to it. */
  isFairQueue(queueUrl: string): boolean {
    return this.context.fairQueues.isFair(this.context.queueFromUrl(queueUrl));
  }

  /** The tenants (message group ids) of a fair queue that are noisy now. */
  noisyGroups(queueUrl: string): string[] {
    return this.context.fairQueues.noisyGroups(this.context.queueFromUrl(queueUrl));
  }

  /** A queue's attribute as GetQueueAttributes answers it (its `KmsMasterKeyId`, its `Policy`); undefined for no such queue or attribute. */
  attributeOf(queueArn: string, name: string): string | undefined {
    return this.context.queueByArn(queueArn)?.attributes[name];
  }

  /** Each queue's `Policy` as set through the API (CreateQueue, SetQueueAttributes), kept across restarts. */
  queuePolicies(): Array<{ readonly queueArn: string; readonly policy: string }> {
    return [...this.context.queuesById.values()].flatMap((queue) =>
      queue.attributes.Policy ? [{ queueArn: queue.arn, policy: queue.attributes.Policy }] : [],
    );
  }

  /** Up to `limit` visible messages of a queue, oldest first, read without being received (MessageReceiver.peekMessages); undefined for no such queue. */
  peekMessages(queueUrl: string, limit: number, afterSeq?: number): { messages: PeekedMessage[]; last?: number } | undefined {
    try {
      return this.receiver.peekMessages(queueUrl, limit, afterSeq);
    } catch (error) {
      if (error instanceof SqsError && (error.code === 'QueueDoesNotExist' || error.code === 'InvalidAddress')) return undefined;
      throw error;
    }
  }

  /** Whether some queue's RedrivePolicy names this queue as its dead-letter queue. */
  isDeadLetterQueue(arn: string): boolean {
    for (const queue of this.context.queuesById.values()) if (queue.settings.redrive?.deadLetterTargetArn === arn) return true;
    return false;
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

  /** `options` carries an in-process caller's idempotency key (MessageSender.sendMessage); the endpoint passes none. */
  async SendMessage(input: SendMessageInput, options?: IdempotentCall): Promise<SendMessageOutput> {
    return this.sender.sendMessage(input, options);
  }

  async SendMessageBatch(input: SendMessageBatchInput): Promise<SendMessageBatchOutput> {
    return this.sender.sendMessageBatch(input);
  }

  // ---- receiving, deleting and changing visibility ----

  // Not async, so the receiver's promise is returned as it is rather than wrapped in another.
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

  // ---- permissions (statements in the queue's Policy) ----

  async AddPermission(input: AddPermissionInput): Promise<EmptyOutput> {
    return this.permissions.addPermission(input);
  }

  async RemovePermission(input: RemovePermissionInput): Promise<EmptyOutput> {
    return this.permissions.removePermission(input);
  }

  // ---- dead-letter redrive ----

  async StartMessageMoveTask(input: StartMessageMoveTaskInput): Promise<StartMessageMoveTaskOutput> {
    return this.moveTasks.startMessageMoveTask(input);
  }

  async CancelMessageMoveTask(input: CancelMessageMoveTaskInput): Promise<CancelMessageMoveTaskOutput> {
    return this.moveTasks.cancelMessageMoveTask(input);
  }

  async ListMessageMoveTasks(input: ListMessageMoveTasksInput): Promise<ListMessageMoveTasksOutput> {
    return this.moveTasks.listMessageMoveTasks(input);
  }
}
