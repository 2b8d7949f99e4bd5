import { readFileSync } from 'node:fs';
import { CloudWatchLogsClient, DeleteLogGroupCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  AddPermissionCommand,
  InvokeCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand, type ReceiveMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { parsedAsSnapshot } from '../../helpers/recorded-answers.js';
import { region } from '../helpers.js';
import { queueArn } from './recorded-cases-mappings.js';
import { type Answer, asBotoAnswer, type Replay, type ReplayContext } from './recorded-replay.js';

/**
 * LocalStack's `functions/lambda_integration.py` (the tests' TEST_LAMBDA_PYTHON: it raises when
 * the event has `raise_error`, else answers the event and its context), `lambda_echofail.py`,
 * and the two functions of TestLambdaDestinationEventbridge's stack.
 */
export const INTEGRATION_PY = readFileSync(
  new URL('../../conformance/aws-recorded/lambda/runtimes/fixtures/functions/lambda_integration.py', import.meta.url),
  'utf8',
);
const ECHOFAIL_PY =
  'import json\n\n\ndef handler(event, context):\n    # Just print the event that was passed to the Lambda\n    print(json.dumps({"event": event, "aws_request_id": context.aws_request_id}))\n    raise Exception("intentional failure")\n';
const INPUT_PY =
  '\ndef handler(event, context):\n    if event.get("mode") == "failure":\n        raise Exception("intentional failure!")\n    else:\n        return {\n            "hello": "world",\n            "test": "abc",\n            "val": 5,\n            "success": True\n        }\n';
const TRIGGERED_PY = '\nimport json\n\ndef handler(event, context):\n    print(json.dumps(event))\n    return {"invocation": True}\n';

/** Lambda's retries of an event wait 1 and 2 minutes, its age is at most 6 hours: the replay moves the clock past them all. */
const RETRIES_MS = 7 * 60 * 60 * 1000;

/** The `sqs_create_queue` fixture's queue: its URL and ARN. */
async function queue(c: ReplayContext): Promise<{ url: string; arn: string }> {
  const arn = await queueArn(c);
  const name = arn.split(':').at(-1);
  return { arn, url: `${c.endpoint}/${c.accountId}/${name}` };
}

/** Python's `json.dumps` of a flat object, as the tests send their payloads (`{"raise_error": 1}`). */
const pyJson = (value: Record<string, unknown>) =>
  `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(', ')}}`;

/** ReceiveMessage's answer as the recording's snapshot holds it: a body that is a JSON object read as the object. */
async function receive(c: ReplayContext, input: Omit<ReceiveMessageCommandInput, 'QueueUrl'> & { QueueUrl: string }): Promise<Answer> {
  return parsedAsSnapshot(await asBotoAnswer(() => c.client(SQSClient).send(new ReceiveMessageCommand(input))), { nested: true }) as Answer;
}

/** Fails the replay where the recorded test asserts, as its `assert` would. */
function expectThat(holds: boolean, what: string): void {
  if (!holds) throw new Error(`the recorded test asserts ${what}`);
}

/** An integration function (`handler.py`), as the tests' `create_lambda_function` makes it; its name and answer. */
async function integrationFunction(c: ReplayContext, code = INTEGRATION_PY, extra: object = {}) {
  const name = c.name('test');
  const created = await c.create(name, { Runtime: 'python3.12', Code: { ZipFile: c.archive('handler.py', code) }, ...extra });
  return { name, created };
}

const invokeEvent = (c: ReplayContext, FunctionName: string, payload: string) =>
  c.lambda.send(new InvokeCommand({ FunctionName, Payload: payload, InvocationType: 'Event' }));

/**
 * An integration function invoked asynchronously with `payload`, its invoke config sending a
 * record to one queue on success and on failure (`retries` its MaximumRetryAttempts, if any):
 * the config and the record, as test_assess_lambda_destination_invocation and
 * test_lambda_destination_default_retries read them.
 */
const destinationRecord =
  (payload: Record<string, unknown>, retries: { readonly MaximumRetryAttempts?: number }): Replay =>
  async (c) => {
    const { url, arn } = await queue(c);
    const { name } = await integrationFunction(c);
    const live: Answer = {
      put_function_event_invoke_config: await c.call(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: name,
          ...retries,
          DestinationConfig: { OnSuccess: { Destination: arn }, OnFailure: { Destination: arn } },
        }),
      ),
    };
    await invokeEvent(c, name, pyJson(payload));
    await c.runUntilIdle(RETRIES_MS);
    live.receive_message_result = await receive(c, { QueueUrl: url, WaitTimeSeconds: 2, MessageAttributeNames: ['All'] });
    return live;
  };

/** The lines of the function's log group with `text` in them (FilterLogEvents, as the tests count attempts). */
export async function logLines(c: ReplayContext, name: string, text: string): Promise<string[]> {
  const { events = [] } = await c.client(CloudWatchLogsClient).send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}` }));
  return events.map((e) => String(e.message)).filter((message) => message.includes(text));
}

/** `get_msg_from_q` of test_maxeventage: the one message, deleted once read. */
async function takeMessage(c: ReplayContext, QueueUrl: string): Promise<Answer> {
  const received = await c
    .client(SQSClient)
    .send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'], VisibilityTimeout: 3, MaxNumberOfMessages: 1 }));
  const messages: Message[] = received.Messages ?? [];
  expectThat(messages.length === 1, `one message in the queue, not ${messages.length}`);
  await c.client(SQSClient).send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: messages[0]?.ReceiptHandle }));
  return parsedAsSnapshot(messages[0], { nested: true }) as Answer;
}

/** The failing function of test_retries and test_maxeventage, its OnFailure destination a queue. */
async function echofail(c: ReplayContext, config: { MaximumRetryAttempts: number; MaximumEventAgeInSeconds?: number }) {
  const { url, arn } = await queue(c);
  const { name } = await integrationFunction(c, ECHOFAIL_PY);
  await c.lambda.send(
    new PutFunctionEventInvokeConfigCommand({ FunctionName: name, ...config, DestinationConfig: { OnFailure: { Destination: arn } } }),
  );
  await c.updated(name);
  return { name, url };
}

/** test_invoke_lambda_eventbridge's stack: a bus, the input function's destinations on it, a rule invoking the triggered function. */
async function eventBridgeStack(c: ReplayContext) {
  const events = c.client(EventBridgeClient);
  const bus = await events.send(new CreateEventBusCommand({ Name: c.name('CustomEventBus') }));
  const input = c.name('InputLambda');
  const triggered = c.name('TriggeredLambda');
  for (const [name, code] of [
    [input, INPUT_PY],
    [triggered, TRIGGERED_PY],
  ] as const) {
    await c.create(name, { Runtime: 'python3.12', Handler: 'index.handler', Code: { ZipFile: c.archive('index.py', code) } });
  }
  const destination = { Destination: String(bus.EventBusArn) };
  await c.lambda.send(
    new PutFunctionEventInvokeConfigCommand({
      FunctionName: input,
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnSuccess: destination, OnFailure: destination },
    }),
  );
  const busName = String(bus.EventBusArn).split('/').at(-1);
  const rule = await events.send(new PutRuleCommand({ Name: 'CustomRule', EventBusName: busName, EventPattern: '{"version":["0"]}' }));
  const triggeredArn = `arn:aws:lambda:${region}:${c.accountId}:function:${triggered}`;
  await events.send(new PutTargetsCommand({ Rule: 'CustomRule', EventBusName: busName, Targets: [{ Id: 'Target0', Arn: triggeredArn }] }));
  await c.lambda.send(
    new AddPermissionCommand({
      FunctionName: triggered,
      StatementId: 'events',
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: rule.RuleArn,
    }),
  );
  return { input, triggered };
}

/**
 * The event the triggered function printed whose text has `match` in it (`_get_event_payload`),
 * looked for as the test does, 10 times: the bus's delivery to its target is its own call.
 */
async function forwarded(c: ReplayContext, triggered: string, match: string): Promise<unknown> {
  for (let tries = 1; ; tries++) {
    await c.runUntilIdle(RETRIES_MS);
    const lines = await logLines(c, triggered, 'detail-type').then(
      (found) => found.filter((line) => line.includes(match)),
      (error: Error) => {
        if (error.name !== 'ResourceNotFoundException') throw error;
        return [];
      },
    );
    if (lines.length > 0) return JSON.parse(String(lines[0]));
    expectThat(tries < 10, `the triggered function got the ${match} event`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** test_lambda_destinations.py's tests, by snapshot key. */
export const DESTINATION_CASES: Record<string, Replay> = {
  // No retries: a record to the queue on success and on failure.
  'TestLambdaDestinationSqs::test_assess_lambda_destination_invocation[payload0]': destinationRecord({}, { MaximumRetryAttempts: 0 }),
  'TestLambdaDestinationSqs::test_assess_lambda_destination_invocation[payload1]': destinationRecord(
    { raise_error: 1 },
    { MaximumRetryAttempts: 0 },
  ),
  'TestLambdaDestinationSqs::test_lambda_destination_default_retries': destinationRecord({ raise_error: 1 }, {}),
  'TestLambdaDestinationSqs::test_retries': async (c) => {
    const { name, url } = await echofail(c, { MaximumRetryAttempts: 2 });
    const messageId = c.name('retry-msg');
    const invoked = await invokeEvent(c, name, pyJson({ message: messageId }));
    expectThat(invoked.StatusCode === 202, 'the event is accepted');
    await c.runUntilIdle(RETRIES_MS);
    const first = await c
      .client(SQSClient)
      .send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['All'], VisibilityTimeout: 0 }));
    expectThat(first.Messages?.length === 1, 'the record is in the queue');
    const live: Answer = {
      queue_destination_payload: await receive(c, { QueueUrl: url, MessageSystemAttributeNames: ['All'], VisibilityTimeout: 1 }),
    };
    const attempts = await logLines(c, name, messageId);
    expectThat(attempts.length === 3, `the function ran 3 times, not ${attempts.length}`);
    const requestIds = new Set(attempts.map((line) => (JSON.parse(line) as { aws_request_id: string }).aws_request_id));
    expectThat(requestIds.size === 1, 'every attempt has the same request id');
    return live;
  },
  'TestLambdaDestinationSqs::test_maxeventage': async (c) => {
    const { name, url } = await echofail(c, { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 });
    const messageId = c.name('retry-msg');
    await invokeEvent(c, name, pyJson({ message: messageId }));
    await c.runUntilIdle(RETRIES_MS);
    const live: Answer = { no_retry_failure_message: await takeMessage(c, url) };
    const once = (await logLines(c, name, messageId)).length;
    expectThat(once === 1, `1 attempt in all, not ${once}`);
    await c.lambda.send(
      new UpdateFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumEventAgeInSeconds: 90, MaximumRetryAttempts: 2 }),
    );
    await c.updated(name);
    await c.client(CloudWatchLogsClient).send(new DeleteLogGroupCommand({ logGroupName: `/aws/lambda/${name}` }));
    await invokeEvent(c, name, pyJson({ message: messageId }));
    await c.runUntilIdle(RETRIES_MS);
    live.single_retry_failure_message = await takeMessage(c, url);
    const twice = (await logLines(c, name, messageId)).length;
    expectThat(twice === 2, `2 attempts in all, not ${twice}`);
    return live;
  },
  'TestLambdaDLQ::test_dead_letter_queue': async (c) => {
    const { url, arn } = await queue(c);
    const { name, created } = await integrationFunction(c, INTEGRATION_PY, { DeadLetterConfig: { TargetArn: arn } });
    const live: Answer = { create_lambda_with_dlq: created };
    const payload = pyJson({ raise_error: 1 });
    await invokeEvent(c, name, payload);
    await c.runUntilIdle(RETRIES_MS);
    live.receive_result = await receive(c, { QueueUrl: url, MessageAttributeNames: ['All'] });
    live.delete_dlq = await c.call(new UpdateFunctionConfigurationCommand({ FunctionName: name, DeadLetterConfig: {} }));
    await c.updated(name);
    const invoked = await c.call(new InvokeCommand({ FunctionName: name, Payload: payload, LogType: 'Tail' }));
    live.invoke_result = invoked;
    const lines = Buffer.from(String(invoked.LogResult), 'base64').toString('utf8').split(/\r?\n/);
    // Python's splitlines: no empty line after the last end of line.
    if (lines.at(-1) === '') lines.pop();
    live.log_result = { result: lines.filter((line) => !line.startsWith('REPORT')) };
    return live;
  },
  'TestLambdaDestinationEventbridge::test_invoke_lambda_eventbridge': async (c) => {
    const { input, triggered } = await eventBridgeStack(c);
    await invokeEvent(c, input, '{"mode": "success"}');
    const live: Answer = { lambda_destination_event_bus_success: await forwarded(c, triggered, 'success') };
    await invokeEvent(c, input, '{"mode": "failure"}');
    live.lambda_destination_event_bus_failure = await forwarded(c, triggered, 'failure');
    return live;
  },
};
