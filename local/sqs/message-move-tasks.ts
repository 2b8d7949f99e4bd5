import { randomUUID } from 'node:crypto';
import type { Queue, SqsContext } from './sqs-context.js';
import { invalidParameter, missingParameter, SqsError } from './sqs-errors.js';
import type { MoveTaskRow } from './sqs-store.js';
import type {
  CancelMessageMoveTaskInput,
  CancelMessageMoveTaskOutput,
  ListMessageMoveTasksInput,
  ListMessageMoveTasksOutput,
  ListMessageMoveTasksResultEntry,
  MessageMoveTaskStatus,
  StartMessageMoveTaskInput,
  StartMessageMoveTaskOutput,
} from './sqs-types.js';
import { integerParameter } from './validation.js';

/** Move tasks without a rate limit move this many messages per turn of the event loop. */
const MOVE_TASK_CHUNK = 100;

/**
 * Message move tasks (StartMessageMoveTask and friends): redriving a dead-letter queue's
 * messages back to their source queues or to a chosen destination, in the background. Tasks
 * live in SQLite, so one that was running when the process stopped resumes on start-up.
 */
export class MessageMoveTasks {
  private readonly moveTaskTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly context: SqsContext) {
    for (const task of this.context.store.runningMoveTasks.all()) this.scheduleMoveTask(task.id, 0);
  }

  /** Stops the tasks' timers; the tasks stay RUNNING in the store and resume on the next start. */
  stop(): void {
    for (const timer of this.moveTaskTimers.values()) clearTimeout(timer);
    this.moveTaskTimers.clear();
  }

  startMessageMoveTask(input: StartMessageMoveTaskInput): StartMessageMoveTaskOutput {
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

  cancelMessageMoveTask(input: CancelMessageMoveTaskInput): CancelMessageMoveTaskOutput {
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

  listMessageMoveTasks(input: ListMessageMoveTasksInput): ListMessageMoveTasksOutput {
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
        // A message sent straight to the dead-letter queue (SendMessage, or a non-SQS source
        // such as an EventBridge target) has no source to return to: as in AWS, the task
        // fails there and asks for a DestinationArn; the message and those after it stay.
        const destination = destinationArn ? this.context.queueByArn(destinationArn) : undefined;
        if (!destination) {
          const reason = destinationArn ? 'AWS.SimpleQueueService.NonExistentQueue' : 'CouldNotDetermineMessageSource';
          this.context.store.updateMoveTask.run('FAILED', moved, cursor, reason, task.id);
          return reason;
        }
        this.context.store.moveBack.run(destination.id, now, row.seq);
        destinations.add(destination);
        moved++;
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
