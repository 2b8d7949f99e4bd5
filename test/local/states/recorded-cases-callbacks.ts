import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { isObject } from '../../helpers/recorded-answers.js';
import { credentials, region } from '../helpers.js';
import { queueSendPolicy } from '../template-resources.js';
import {
  BASE_PASS_RESULT,
  createMachine,
  type Definition,
  functionCode,
  lambdaFunction,
  recordExecution,
  startExecution,
  stateOf,
  template,
} from './recorded-executions.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded callback tests, replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/callback/test_callback.py makes them: a Task that sends
 * its task token through SQS or SNS (`.waitForTaskToken`) and whoever reads it answers
 * SendTaskSuccess, SendTaskFailure or SendTaskHeartbeat (a worker state machine of the tests'
 * fixtures, templates/callbacks/statemachines/sqs_*_on_task_token.json, or the test itself), or
 * times out; and `states:startExecution.sync` (and `.sync:2`) running a child state machine.
 */

export const callbacks = (name: string) => template(`callbacks/statemachines/${name}.json`);

/** The SQS client and SNS client of a replay, on the runtime's endpoint. */
function clientsOf(context: ReplayContext) {
  const config = { endpoint: context.endpoint, region, credentials, maxAttempts: 1 };
  return { sqs: new SQSClient(config), sns: new SNSClient(config) };
}

/**
 * `sqs_create_queue(QueueName=<prefix><short uid>)`, its URL and name shown as the recording's
 * placeholders (the URL first: it holds the name).
 */
async function createQueue(context: ReplayContext, sqs: SQSClient, placeholders?: { url: string; name: string }): Promise<string> {
  const name = context.name('queue-');
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (!QueueUrl) throw new Error('CreateQueue answered no QueueUrl');
  if (placeholders) {
    context.replace(QueueUrl, placeholders.url);
    context.replace(name, placeholders.name);
  }
  return QueueUrl;
}

/** The fixtures' worker state machines, which poll the queue each second and answer the task tokens they read. */
export type Worker = 'sqs_success_on_task_token' | 'sqs_failure_on_task_token' | 'sqs_hearbeat_success_on_task_token';

/** Starts a fixture's worker machine on the queue (as `sqs_send_task_success_state_machine(queue_url)` does); its execution's ARN. */
async function startWorker(context: ReplayContext, worker: Worker, queueUrl: string): Promise<string> {
  const { stateMachineArn } = await createMachine(context, callbacks(worker), { unnamed: true, role: context.roleArn });
  const started = await context.call(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ QueueUrl: queueUrl, Iterator: { Count: 300 } }) }),
  );
  return started.executionArn as string;
}

/** Stops what a replay left running (a worker's 300 polls, a child's Wait), as the fixtures' clean-up would. */
async function stop(context: ReplayContext, executionArns: readonly string[]): Promise<void> {
  for (const executionArn of executionArns) await context.call(new StopExecutionCommand({ executionArn }));
}

/**
 * Every string value of `key` in the answers, in the order they appear (JSON text inside them
 * read as JSON): what a JsonpathTransformer on `$..<key>` replaces.
 */
function valuesOf(key: string, answers: readonly unknown[]): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string' && /^[{[]/.test(value)) {
      try {
        walk(JSON.parse(value));
      } catch {
        // Text that only looks like JSON holds no value of the key.
      }
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (isObject(value)) {
      for (const [k, inner] of Object.entries(value)) {
        if (k === key && typeof inner === 'string') {
          if (!found.includes(inner)) found.push(inner);
        } else walk(inner);
      }
    }
  };
  answers.forEach(walk);
  return found;
}

/**
 * A JsonpathTransformer on `$..<key>`: with `replace_reference`, each value becomes
 * `<<placeholder>:n>` wherever it is; without, every value becomes the placeholder itself.
 */
function replaceValuesOf(context: ReplayContext, key: string, answers: readonly unknown[], placeholder: string, reference = true) {
  valuesOf(key, answers).forEach((value, i) => {
    context.replace(value, reference ? `<${placeholder}:${i + 1}>` : placeholder);
  });
}

/** The `.sync` tests' transformers of the child's dates in an output or a cause (`$..output.StartDate`, ...). */
function replaceChildDates(context: ReplayContext): void {
  context.replace(/"StartDate":("[^"]*"|[\d.eE+-]+)/g, '"StartDate":"start-date"');
  context.replace(/"StopDate":("[^"]*"|[\d.eE+-]+)/g, '"StopDate":"stop-date"');
}

/**
 * StartExecution's answer writes its start date as Java writes a double, without trailing zeros
 * (`1.68813613881E9` at .810 s), so its length moves with the millisecond; AWS's recordings
 * have all three decimals. The `.sync` task's recorded Content-Length is compared as if the
 * live date had them too.
 */
function withFullStartDate(history: Answer): Answer {
  for (const event of (history.events ?? []) as Record<string, Record<string, unknown>>[]) {
    const submitted = event.taskSubmittedEventDetails;
    if (!submitted || !String(submitted.resource).startsWith('startExecution.sync')) continue;
    const output = JSON.parse(String(submitted.output)) as { StartDate: number; SdkHttpMetadata: Record<string, Record<string, unknown>> };
    const written = Math.max(String(output.StartDate).replace(/0+$/, '').length, 2) + 3;
    const full = String(output.StartDate).length + 3;
    const { AllHttpHeaders, HttpHeaders } = output.SdkHttpMetadata as Record<string, Record<string, unknown>>;
    const length = String(Number(HttpHeaders?.['Content-Length']) + full - written);
    if (HttpHeaders) HttpHeaders['Content-Length'] = length;
    if (AllHttpHeaders) AllHttpHeaders['Content-Length'] = [length];
    submitted.output = JSON.stringify(output);
  }
  return history;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The test's own reader of the task token: the first message's body, tried `tries` times a second apart. */
async function firstBody(sqs: SQSClient, queueUrl: string, tries: number, until: { done: boolean }): Promise<string | undefined> {
  for (let i = 0; i < tries && !until.done; i++) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1 }));
    const body = Messages?.[0]?.Body;
    if (body !== undefined) return body;
    await sleep(1000);
  }
  return undefined;
}

/** `_handle_sqs_task_token_with_heartbeats_and_success`: ten heartbeats, then success with the message's body as the output. */
async function heartbeatsAndSuccess(context: ReplayContext, sqs: SQSClient, queueUrl: string, until: { done: boolean }) {
  const body = await firstBody(sqs, queueUrl, 100, until);
  if (body === undefined) return;
  const taskToken = (JSON.parse(body) as { TaskToken: string }).TaskToken;
  for (let i = 0; i < 10; i++) await context.call(new SendTaskHeartbeatCommand({ taskToken }));
  await context.call(new SendTaskSuccessCommand({ taskToken, output: body }));
}

const history = (context: ReplayContext, executionArn: string) => context.call(new GetExecutionHistoryCommand({ executionArn }));

export interface SqsCase {
  /** The machine the test runs. */
  readonly machine: () => Definition;
  /** The fixture's worker that answers the token, if any. */
  readonly worker?: Worker;
  /** The recording's placeholders for the queue's URL and name. */
  readonly queue?: { url: string; name: string };
  /** The TaskToken transformer's placeholder (`<task_token>` or `task_token`), if the test has one. */
  readonly token?: string;
  /** The MessageId transformer's placeholder, if the test has one. */
  readonly messageId?: string;
  readonly input?: (queueUrl: string) => Record<string, unknown>;
  /** What the test itself does with the queue while the execution runs. */
  readonly answer?: (context: ReplayContext, sqs: SQSClient, queueUrl: string, until: { done: boolean }) => Promise<void>;
  /** Whether the test also records DescribeExecution's answer (`describe_execution_response`). */
  readonly describe?: boolean;
}

export const ANGLED = { url: '<sqs_queue_url>', name: '<sqs_queue_name>' };
export const BARE = { url: 'sqs_queue_url', name: 'sqs_queue_name' };

/**
 * A queue, the worker or the test's own reader on it, one execution of the machine and its
 * history; the role shows as the SQS transformers left it (`role/<resource:1>`), so it is not replaced.
 */
export const sqsCase =
  ({
    machine,
    worker,
    queue = ANGLED,
    token,
    messageId,
    input = (url) => ({ QueueUrl: url, Message: 'test_message_txt' }),
    answer,
    describe = false,
  }: SqsCase): Replay =>
  async (context) => {
    const { sqs } = clientsOf(context);
    try {
      const queueUrl = await createQueue(context, sqs, queue);
      const workers = worker ? [await startWorker(context, worker, queueUrl)] : [];
      const until = { done: false };
      const answering = answer?.(context, sqs, queueUrl, until);
      const { stateMachineArn } = await createMachine(context, machine(), { role: context.roleArn });
      const { executionArn } = await startExecution(context, stateMachineArn, JSON.stringify(input(queueUrl)));
      await context.ended(executionArn);
      const recorded = await history(context, executionArn);
      until.done = true;
      await answering;
      await stop(context, workers);
      if (messageId) replaceValuesOf(context, 'MessageId', [recorded], messageId);
      if (token) replaceValuesOf(context, 'TaskToken', [recorded], token);
      const described = describe ? { describe_execution_response: await context.call(new DescribeExecutionCommand({ executionArn })) } : {};
      return { get_execution_history: recorded, ...described };
    } finally {
      sqs.destroy();
    }
  };

/** test_sqs_failure_in_wait_for_task_tok_no_error_field: SendTaskFailure with neither error nor cause. */
async function failWithoutError(context: ReplayContext, sqs: SQSClient, queueUrl: string, until: { done: boolean }) {
  const body = await firstBody(sqs, queueUrl, 60, until);
  if (body === undefined) return;
  await context.call(new SendTaskFailureCommand({ taskToken: (JSON.parse(body) as { TaskToken: string }).TaskToken }));
}

/** `.sync` on a child machine (BASE_PASS_RESULT unless `child` says), both shown as `<ArnPart_0idx>` (the tests register both at index 0). */
export const startExecutionSync =
  (machine: string, child: (context: ReplayContext) => Promise<{ definition: unknown; input: unknown }>): Replay =>
  async (context) => {
    replaceChildDates(context);
    const target = await child(context);
    const { stateMachineArn } = await createMachine(context, target.definition, { prefix: CREATE_AND_RECORD });
    const input = JSON.stringify({ StateMachineArn: stateMachineArn, Input: target.input, Name: 'TestStartTarget' });
    const recorded = await recordExecution(context, callbacks(machine), input, { prefix: CREATE_AND_RECORD });
    return { get_execution_history: withFullStartDate(recorded) };
  };

/**
 * How `create_state_machine_with_iam_role` names its machines: the child's ARN is in the
 * length of the StartExecution answer the `.sync` task records (its Content-Length).
 */
const CREATE_AND_RECORD = 'statemachine_create_and_record_execution_';

export const passResult = async () => ({ definition: BASE_PASS_RESULT, input: null });

/** test_sns_publish_wait_for_task_token: the token goes out through a topic to a queue; the test reads it there and answers. */
const snsPublish: Replay = async (context) => {
  const { sqs, sns } = clientsOf(context);
  try {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: context.name('topic-') }));
    const queueUrl = await createQueue(context, sqs);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    const queueArn = Attributes?.QueueArn;
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn }));
    const Policy = queueSendPolicy('sns.amazonaws.com', queueArn, TopicArn);
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy } }));
    const messages: unknown[] = [];
    const reading = (async () => {
      // sqs_receive_num_messages: three long polls of 5 s, VisibilityTimeout 0, each message deleted.
      for (let i = 0; i < 3 && messages.length === 0; i++) {
        const received = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['All'], VisibilityTimeout: 0, WaitTimeSeconds: 5 }),
        );
        for (const m of received.Messages ?? ([] as Message[])) {
          messages.push(JSON.parse(m.Body as string));
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
        }
      }
      const [first] = messages as { Message: string }[];
      if (!first) return;
      const taskToken = (JSON.parse(first.Message) as { TaskToken: string }).TaskToken;
      await context.call(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
    })();
    const input = JSON.stringify({ TopicArn, body: { arg1: 'Hello', arg2: 'World' } });
    const recorded = await recordExecution(context, callbacks('sns_publish_wait_for_task_token'), input, { role: context.roleArn });
    await reading;
    replaceValuesOf(context, 'TaskToken', [recorded, messages], 'task_token');
    return { get_execution_history: recorded, messages };
  } finally {
    sqs.destroy();
    sns.destroy();
  }
};

/** test_multiple_executions_and_heartbeat_notifications: six executions of one machine, each token answered by its own reader. */
const multipleExecutions: Replay = async (context) => {
  const { sqs } = clientsOf(context);
  try {
    const queueUrl = await createQueue(context, sqs, BARE);
    const { stateMachineArn } = await createMachine(
      context,
      template('timeouts/statemachines/service_sqs_send_and_wait_for_task_token_with_heartbeat_path.json'),
      { role: context.roleArn },
    );
    const input = JSON.stringify({ QueueUrl: queueUrl, Message: 'txt', HeartbeatSecondsPath: 120 });
    const executions: string[] = [];
    for (let i = 0; i < 6; i++) {
      const started = await context.call(new StartExecutionCommand({ stateMachineArn, input }));
      executions.push(started.executionArn as string);
    }
    const until = { done: false };
    await Promise.all(executions.map(() => heartbeatsAndSuccess(context, sqs, queueUrl, until)));
    const answers: Record<string, Answer> = {};
    for (const [i, executionArn] of executions.entries()) {
      await context.ended(executionArn);
      answers[`execution_history_${i}`] = await history(context, executionArn);
    }
    replaceValuesOf(context, 'TaskToken', Object.values(answers), 'a_task_token', false);
    replaceValuesOf(context, 'MessageId', Object.values(answers), 'a_message_id', false);
    return answers;
  } finally {
    sqs.destroy();
  }
};

/** test_sync_with_task_token: the child sends the parent's token to a worker, which answers it while the child still waits. */
const syncWithTaskToken: Replay = async (context) => {
  const { sqs } = clientsOf(context);
  try {
    replaceChildDates(context);
    const queueUrl = await createQueue(context, sqs, BARE);
    const worker = await startWorker(context, 'sqs_success_on_task_token', queueUrl);
    const child = await createMachine(context, template('services/statemachines/sqs_send_msg_and_wait.json'), {
      role: context.roleArn,
      prefix: CREATE_AND_RECORD,
    });
    const input = JSON.stringify({ StateMachineArn: child.stateMachineArn, Name: 'TestStartTarget', QueueUrl: queueUrl });
    const recorded = await recordExecution(context, callbacks('sfn_start_execution_sync_with_task_token'), input, {
      role: context.roleArn,
    });
    const childExecution = `${child.stateMachineArn.replace(':stateMachine:', ':execution:')}:TestStartTarget`;
    await stop(context, [worker, childExecution]);
    replaceValuesOf(context, 'MessageId', [recorded], 'message_id');
    replaceValuesOf(context, 'TaskToken', [recorded], 'task_token');
    return { get_execution_history: withFullStartDate(recorded) };
  } finally {
    sqs.destroy();
  }
};

const withHeartbeat = (seconds: number) => () => {
  const definition = template('timeouts/statemachines/service_sqs_send_and_wait_for_task_token_with_heartbeat.json');
  stateOf(definition, 'SendMessageWithWait').HeartbeatSeconds = seconds;
  return definition;
};

export const CALLBACK_CASES: Record<string, Replay> = {
  test_sqs_wait_for_task_token: sqsCase({
    machine: () => callbacks('sqs_wait_for_task_token'),
    worker: 'sqs_success_on_task_token',
    token: '<task_token>',
  }),
  test_sqs_wait_for_task_token_timeout: sqsCase({
    machine: () => callbacks('sqs_wait_for_task_token_with_timeout'),
    token: '<task_token>',
  }),
  test_sqs_failure_in_wait_for_task_token: sqsCase({
    machine: () => callbacks('sqs_wait_for_task_token'),
    worker: 'sqs_failure_on_task_token',
    token: 'task_token',
  }),
  test_sqs_wait_for_task_tok_with_heartbeat: sqsCase({
    machine: withHeartbeat(60),
    worker: 'sqs_hearbeat_success_on_task_token',
    token: '<task_token>',
  }),
  test_sns_publish_wait_for_task_token: snsPublish,
  test_start_execution_sync: startExecutionSync('sfn_start_execution_sync', passResult),
  test_start_execution_sync2: startExecutionSync('sfn_start_execution_sync2', passResult),
  test_start_execution_sync_delegate_failure: startExecutionSync('sfn_start_execution_sync', async () => ({
    definition: template('base/statemachines/raise_failure.json'),
    input: null,
  })),
  test_start_execution_sync_delegate_timeout: startExecutionSync('sfn_start_execution_sync', async (context) => {
    // The function sleeps 60 s; it is given 6 s (the child's Task times out at 5), as test_fixed_timeout_lambda's is.
    const { arn } = await lambdaFunction(context, functionCode('timeouts/lambdafunctions/wait_60_seconds.py'), '<lambda_function_1_name>', {
      timeout: 6,
    });
    const definition = template('timeouts/statemachines/lambda_wait_with_timeout_seconds.json');
    stateOf(definition, 'Start').Resource = arn;
    return { definition, input: { Payload: null } };
  }),
  test_multiple_heartbeat_notifications: sqsCase({
    machine: () => template('timeouts/statemachines/service_sqs_send_and_wait_for_task_token_with_heartbeat_path.json'),
    queue: BARE,
    token: 'task_token',
    input: (url) => ({ QueueUrl: url, Message: 'txt', HeartbeatSecondsPath: 120 }),
    answer: heartbeatsAndSuccess,
  }),
  test_multiple_executions_and_heartbeat_notifications: multipleExecutions,
  test_sqs_wait_for_task_token_call_chain: sqsCase({
    machine: () => callbacks('sqs_wait_for_task_token_call_chain'),
    worker: 'sqs_success_on_task_token',
    queue: BARE,
    token: 'task_token',
    messageId: 'message_id',
    input: (url) => ({ QueueUrl: url, Message: 'HelloWorld' }),
  }),
  test_sqs_wait_for_task_token_no_token_parameter: sqsCase({
    machine: () => callbacks('sqs_wait_for_task_token_no_token_parameter'),
    queue: BARE,
    input: (url) => ({ QueueUrl: url }),
  }),
  ...Object.fromEntries(
    ['SQS_PARALLEL_WAIT_FOR_TASK_TOKEN', 'SQS_WAIT_FOR_TASK_TOKEN_CATCH'].map((id) => [
      `test_sqs_failure_in_wait_for_task_tok_no_error_field[${id}]`,
      sqsCase({ machine: () => callbacks(id.toLowerCase()), token: 'task_token', answer: failWithoutError }),
    ]),
  ),
  test_sync_with_task_token: syncWithTaskToken,
};

/** The callback tests that wait out a 5 s timeout or heartbeat wait in real time. */
export const CALLBACK_REAL_TIME = [
  'test_sqs_wait_for_task_token_timeout',
  'test_sqs_wait_for_task_tok_with_heartbeat',
  'test_start_execution_sync_delegate_timeout',
  'test_sqs_wait_for_task_token_no_token_parameter',
];
