/**
 * A message move task (StartMessageMoveTask) as ListMessageMoveTasks answers it, as
 * `switchyard redrive --include-invalid` follows it: how far it got, whether it ended, and why
 * it failed. (The console's "Redrive to source" moves one message at a time instead, as the CLI
 * does by default: message-redrive.ts.)
 */

/** The members of a ListMessageMoveTasks result entry that say how the task goes. */
export interface MoveTaskEntry {
  readonly Status?: string;
  readonly ApproximateNumberOfMessagesMoved?: number;
  readonly ApproximateNumberOfMessagesToMove?: number;
  readonly FailureReason?: string;
}

/** Where a move task is: its status (`UNKNOWN` when no task was listed), the messages moved of those to move, whether it ended. */
export interface MoveTaskProgress {
  readonly status: string;
  readonly moved: number;
  readonly toMove: number;
  /** COMPLETED, FAILED or CANCELLED: SQS moves nothing more. */
  readonly ended: boolean;
  /** Ended without moving everything: FAILED or CANCELLED. */
  readonly failed: boolean;
  /** `RUNNING: moved 3 of 10`. */
  readonly line: string;
}

/** The statuses a move task ends in. */
export const MOVE_TASK_END_STATUSES: readonly string[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

export function moveTaskProgress(task: MoveTaskEntry | undefined): MoveTaskProgress {
  const status = task?.Status ?? 'UNKNOWN';
  const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
  const toMove = task?.ApproximateNumberOfMessagesToMove ?? 0;
  return {
    status,
    moved,
    toMove,
    ended: MOVE_TASK_END_STATUSES.includes(status),
    failed: status === 'FAILED' || status === 'CANCELLED',
    line: `${status}: moved ${moved} of ${toMove}`,
  };
}

/**
 * What a move task's FailureReason means, where it has a cause the operator can act on: the
 * consumer kit sends a record it gives up on straight to the dead-letter queue (SendMessage),
 * so the message has no DeadLetterQueueSourceArn, and a task without a DestinationArn cannot
 * tell where to move it.
 */
export function moveTaskFailureCause(reason: string | undefined): string | undefined {
  if (reason === 'CouldNotDetermineMessageSource')
    return 'a message was sent straight to the dead-letter queue, so SQS cannot tell where it came from';
  return undefined;
}
