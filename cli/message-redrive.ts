import {
  DeleteMessageCommand,
  ListMessageMoveTasksCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SendMessageCommandInput,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { type RedriveQueue, redriveReceiveRequest } from '../clients/message-redrive.js';
import { moveTaskFailureCause, moveTaskProgress } from '../clients/move-task.js';
import { type Lineage, type QueueConsumersPage, READ_API_PATHS, type RetryingMessagesPage } from '../clients/read-api-contract.js';
import {
  type RedrivenMessage,
  type RedrivenReads,
  type RedrivenState,
  redrivenEnded,
  redrivenFailure,
  redrivenFollower,
} from '../clients/redriven-messages.js';
import type { AssemblyContract } from '../inspect/assembly-contracts.js';
import { type Clients, call, describeAwsError, type Target } from '../inspect/aws.js';
import { handBack } from '../inspect/dead-letter-messages.js';
import type { DeadLetterQueue, DeployedQueue } from '../inspect/dead-letters.js';
import { CliError, usageError } from '../inspect/errors.js';
import { getReadApi } from '../inspect/read-api.js';

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

/**
 * A dead-letter queue's SQS calls through the SDK, for the redrive the CLI and the console
 * share (clients/message-redrive.ts): each call's AWS error worded as every command words it.
 */
export function sqsRedriveQueue(clients: Clients, dlq: DeadLetterQueue): RedriveQueue<Message> {
  return {
    name: dlq.name,
    async receive() {
      const { Messages = [] } = await call(clients.target, () =>
        clients.sqs.send(new ReceiveMessageCommand(redriveReceiveRequest(dlq.url))),
      );
      return Messages;
    },
    async send(request) {
      // The request's attributes are those ReceiveMessage gave, bytes as the SDK gave them.
      const { MessageId } = await clients.sqs.send(new SendMessageCommand(request as SendMessageCommandInput));
      return MessageId;
    },
    async delete(receiptHandle) {
      await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: dlq.url, ReceiptHandle: receiptHandle }));
    },
    handBack: (receiptHandles) =>
      handBack(
        clients,
        dlq.url,
        receiptHandles.map((ReceiptHandle, i) => ({ Id: `m${i}`, ReceiptHandle })),
      ),
    describeError: (error) => describeAwsError(clients.target, error).message,
  };
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

/** The read API's 404 for a message nothing has received yet (no lineage): not an error while following it. */
class NoLineageYet extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'NoLineageYet';
  }
}

/** The local runtime's read API answers a redrive is followed with (clients/redriven-messages.ts, as the console follows it). */
export function readApiRedrivenReads(target: Extract<Target, { kind: 'local' }>): RedrivenReads {
  return {
    async message(id) {
      try {
        const found = await getReadApi<Lineage>(
          target,
          `${READ_API_PATHS.lineage}${encodeURIComponent(id)}`,
          () => new NoLineageYet(`no lineage of ${id} yet`),
        );
        return found.roots.find((root) => root.kind === 'message' && root.id === id);
      } catch (error) {
        if (error instanceof NoLineageYet) return undefined;
        throw error;
      }
    },
    retrying: async () => (await getReadApi<RetryingMessagesPage>(target, READ_API_PATHS.retryingMessages)).messages,
    consumers: async (queueArn) =>
      (await getReadApi<QueueConsumersPage>(target, `${READ_API_PATHS.queueConsumers}?queueArn=${encodeURIComponent(queueArn)}`)).consumers,
  };
}

/**
 * Follows the copies a redrive sent until each has a verdict (handled, failed once more, or
 * waiting where nothing reads) or `waitMs` has passed, reading every `intervalMs`. Unlike the
 * console, which goes on showing a failed message's retries, the command stops at the first
 * failure: the redrive did not cure what failed it, and that is its exit code.
 */
export async function followRedriven(
  reads: RedrivenReads,
  copies: readonly RedrivenMessage[],
  options: { waitMs: number; intervalMs: number },
): Promise<{ states: ReadonlyMap<string, RedrivenState>; settled: boolean }> {
  const read = redrivenFollower(reads, copies);
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    const states = await read();
    const settled = [...states.values()].every((s) => redrivenEnded(s) || redrivenFailure(s) !== undefined);
    if (settled || Date.now() >= deadline) return { states, settled };
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
