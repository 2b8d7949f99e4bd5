import {
  CancelMessageMoveTaskCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded tests of tests/aws/services/sqs/test_sqs_move_task.py (StartMessageMoveTask,
 * ListMessageMoveTasks, CancelMessageMoveTask), replayed call by call; each returns the
 * answers by the recording's snapshot keys.
 */
export const MOVE_TASK_CASES: Record<string, Replay> = {
  async test_cancel_with_invalid_task_handle({ call }) {
    return { error: await call(new CancelMessageMoveTaskCommand({ TaskHandle: 'foobared' })) };
  },

  async test_cancel_with_invalid_source_arn_in_task_handle({ call }) {
    const sourceArn = 'arn:aws:sqs:us-east-1:878966065785:test-queue-doesnt-exist-123456';
    const TaskHandle = taskHandle('10f57157-fc38-4da9-a113-4de7e12d05dd', sourceArn);
    return { error: await call(new CancelMessageMoveTaskCommand({ TaskHandle })) };
  },

  async test_cancel_with_invalid_task_id_in_task_handle({ call, queue }) {
    const sourceArn = await arnOf(call, await queue());
    const TaskHandle = taskHandle('10f57157-fc38-4da9-a113-4de7e12d05aa', sourceArn);
    return { error: await call(new CancelMessageMoveTaskCommand({ TaskHandle })) };
  },

  async test_source_needs_redrive_policy({ call, queue }) {
    const SourceArn = await arnOf(call, await queue());
    const DestinationArn = await arnOf(call, await queue());
    return { error: await call(new StartMessageMoveTaskCommand({ SourceArn, DestinationArn })) };
  },

  async test_destination_needs_to_exist(context) {
    const { dlq } = await deadLetterPipe(context);
    const SourceArn = await arnOf(context.call, dlq);
    const DestinationArn = `${await arnOf(context.call, await context.queue())}doesntexist`;
    return { error: await context.call(new StartMessageMoveTaskCommand({ SourceArn, DestinationArn })) };
  },

  async test_basic_move_task_workflow(context) {
    const { call } = context;
    const { source, dlq } = await deadLetterPipe(context);
    const SourceArn = await arnOf(call, dlq);
    const destination = await context.queue();
    const DestinationArn = await arnOf(call, destination);
    await sendAndExhaust(context, source, ['message-1', 'message-2']);
    const started = await call(new StartMessageMoveTaskCommand({ SourceArn, DestinationArn }));
    await expectBodies(context, destination, ['message-1', 'message-2']);
    return {
      'start-message-move-task-response': started,
      'list-message-move-task-response': await listOnceMoved(context, SourceArn, 2),
    };
  },

  async test_move_task_workflow_with_default_destination(context) {
    const { call } = context;
    const { source, dlq } = await deadLetterPipe(context);
    const SourceArn = await arnOf(call, dlq);
    const originalSource = await arnOf(call, source);
    await sendAndExhaust(context, source, ['message-1', 'message-2']);
    const started = await call(new StartMessageMoveTaskCommand({ SourceArn }));
    await expectBodies(context, source, ['message-1', 'message-2']);
    return {
      'source-arn': SourceArn,
      'original-source': originalSource,
      'start-message-move-task-response': started,
      'list-message-move-task-response': await listOnceMoved(context, SourceArn, 2),
    };
  },

  async test_move_task_workflow_with_multiple_sources_as_default_destination(context) {
    const { call } = context;
    const { source: first, dlq } = await deadLetterPipe(context);
    const SourceArn = await arnOf(call, dlq);
    const second = await context.queue({ Attributes: { RedrivePolicy: redrivePolicy(SourceArn) } });
    const arns = { 'original-source-1': await arnOf(call, first), 'original-source-2': await arnOf(call, second) };
    await sendAndExhaust(context, first, ['message-1-1', 'message-1-2']);
    await sendAndExhaust(context, second, ['message-2-1', 'message-2-2']);
    const started = await call(new StartMessageMoveTaskCommand({ SourceArn }));
    await expectBodies(context, first, ['message-1-1', 'message-1-2']);
    await expectBodies(context, second, ['message-2-1', 'message-2-2']);
    return {
      'source-arn': SourceArn,
      ...arns,
      'start-message-move-task-response': started,
      'list-message-move-task-response': await listOnceMoved(context, SourceArn, 4),
    };
  },

  async test_move_task_with_throughput_limit(context) {
    const { call } = context;
    const { source, dlq } = await deadLetterPipe(context);
    const SourceArn = await arnOf(call, dlq);
    const destination = await context.queue();
    const DestinationArn = await arnOf(call, destination);
    const bodies = ['message-0', 'message-1', 'message-2', 'message-3'];
    await sendAndExhaust(context, source, bodies);
    const started = await call(new StartMessageMoveTaskCommand({ SourceArn, DestinationArn, MaxNumberOfMessagesPerSecond: 1 }));
    const since = Date.now();
    await expectBodies(context, destination, bodies);
    // One message a second: the first at once, the fourth three seconds later at the earliest.
    if (Date.now() - since < 2900) throw new Error(`4 messages moved at 1 a second in ${Date.now() - since} ms`);
    return { 'start-message-move-task-response': started };
  },

  async test_move_task_cancel(context) {
    const { call } = context;
    const { SourceArn, destination, started } = await limitedMoveOfTen(context);
    await collect(context, destination, 2);
    const listWhile = await call(new ListMessageMoveTasksCommand({ SourceArn }));
    const TaskHandle = started.TaskHandle as string;
    const cancel = await call(new CancelMessageMoveTaskCommand({ TaskHandle }));
    return { 'list-while': listWhile, cancel, 'list-after': await call(new ListMessageMoveTasksCommand({ SourceArn })) };
  },

  async test_move_task_delete_destination_queue_while_running(context) {
    const { call, sleep } = context;
    const { SourceArn, destination } = await limitedMoveOfTen(context);
    await call(new DeleteQueueCommand({ QueueUrl: destination }));
    // The next second's message finds the destination gone and fails the task.
    for (let i = 0; i < 30; i++) {
      const list = await call(new ListMessageMoveTasksCommand({ SourceArn }));
      if ((list.Results as { Status: string }[])[0]?.Status !== 'RUNNING') return { list };
      await sleep(200);
    }
    throw new Error('the move task kept running after its destination was deleted');
  },

  async test_start_multiple_move_tasks(context) {
    const { SourceArn, DestinationArn } = await limitedMoveOfTen(context);
    const input = { SourceArn, DestinationArn, MaxNumberOfMessagesPerSecond: 1 };
    return { error: await context.call(new StartMessageMoveTaskCommand(input)) };
  },
};

/** The move tasks that wait out MaxNumberOfMessagesPerSecond in real time. */
export const MOVE_TASK_REAL_TIME = ['test_move_task_with_throughput_limit', 'test_move_task_cancel'];

/** A task handle as SQS makes one: base64 of `{"taskId":...,"sourceArn":...}` (LocalStack's encode_move_task_handle). */
function taskHandle(taskId: string, sourceArn: string): string {
  return Buffer.from(`{"taskId":"${taskId}","sourceArn":"${sourceArn}"}`, 'utf8').toString('base64');
}

const redrivePolicy = (deadLetterTargetArn: string) => JSON.stringify({ deadLetterTargetArn, maxReceiveCount: 1 });

/** The test's `sqs_create_dlq_pipe`: a dead-letter queue and a queue that sends there after one receive. */
async function deadLetterPipe({ call, queue }: ReplayContext): Promise<{ source: string; dlq: string }> {
  const dlq = await queue();
  const source = await queue({ Attributes: { RedrivePolicy: redrivePolicy(await arnOf(call, dlq)) } });
  return { source, dlq };
}

/** Sends the bodies and receives each twice with no visibility timeout, so that all go to the dead-letter queue. */
async function sendAndExhaust({ call }: ReplayContext, QueueUrl: string, bodies: readonly string[]): Promise<void> {
  for (const MessageBody of bodies) await call(new SendMessageCommand({ QueueUrl, MessageBody }));
  for (let i = 0; i < bodies.length * 2; i++) await call(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }));
}

/** Ten messages in the dead-letter queue and a task moving them at one a second to a new queue. */
async function limitedMoveOfTen(context: ReplayContext) {
  const { source, dlq } = await deadLetterPipe(context);
  const SourceArn = await arnOf(context.call, dlq);
  const destination = await context.queue();
  const DestinationArn = await arnOf(context.call, destination);
  await sendAndExhaust(
    context,
    source,
    Array.from({ length: 10 }, (_, i) => `message-${i}`),
  );
  const input = { SourceArn, DestinationArn, MaxNumberOfMessagesPerSecond: 1 };
  const started = await context.call(new StartMessageMoveTaskCommand(input));
  return { SourceArn, DestinationArn, destination, started };
}

/** The test's `sqs_collect_messages`: receives (and deletes) until `expected` arrived. */
async function collect({ call }: ReplayContext, QueueUrl: string, expected: number): Promise<string[]> {
  const bodies: string[] = [];
  const deadline = Date.now() + 15_000;
  while (bodies.length < expected && Date.now() < deadline) {
    const answer = await call(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    for (const m of (answer.Messages ?? []) as { Body: string; ReceiptHandle: string }[]) {
      bodies.push(m.Body);
      await call(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return bodies;
}

async function expectBodies(context: ReplayContext, QueueUrl: string, bodies: readonly string[]): Promise<void> {
  const got = (await collect(context, QueueUrl, bodies.length)).sort();
  if (JSON.stringify(got) !== JSON.stringify([...bodies].sort())) throw new Error(`moved ${JSON.stringify(got)}`);
}

/** ListMessageMoveTasks once the task says it moved `moved` messages, as the test retries it. */
async function listOnceMoved({ call, sleep }: ReplayContext, SourceArn: string, moved: number): Promise<Answer> {
  for (let i = 0; i < 30; i++) {
    const list = await call(new ListMessageMoveTasksCommand({ SourceArn }));
    if ((list.Results as { ApproximateNumberOfMessagesMoved: number }[])[0]?.ApproximateNumberOfMessagesMoved === moved) return list;
    await sleep(100);
  }
  throw new Error(`the move task never said it moved ${moved}`);
}

async function arnOf(call: ReplayContext['call'], QueueUrl: string): Promise<string> {
  const answer = await call(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return (answer.Attributes as Record<string, string>).QueueArn as string;
}
