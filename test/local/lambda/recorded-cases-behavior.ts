import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { queueArn } from './recorded-cases-mappings.js';
import { functionSource } from './recorded-cases-runtimes.js';
import { type Answer, asBotoAnswer, asserted, type Replay, type ReplayContext } from './recorded-replay.js';

/**
 * test_lambda.py's tests of how the runtime runs a function (TestLambdaBaseFeatures,
 * TestLambdaBehavior) with LocalStack's functions (runtimes/fixtures/functions/), each made
 * by `create_lambda_function` (`c.create`: the file as `handler.py` or `handler.js`).
 */

/** `create_lambda_function(handler_file=..., runtime=...)`: the fixture file as the handler module; its answer. */
const fromFile = (c: ReplayContext, name: string, file: string, Runtime: string, input: object = {}) =>
  c.create(name, {
    Runtime: Runtime as never,
    Code: { ZipFile: c.archive(Runtime.startsWith('nodejs') ? 'handler.js' : 'handler.py', functionSource(file)) },
    ...input,
  });

const invoke = (c: ReplayContext, FunctionName: string, payload?: unknown) =>
  c.call(new InvokeCommand({ FunctionName, Payload: payload === undefined ? undefined : JSON.stringify(payload) }));

/** An invocation's payload as the test reads it (`json.load`), without the replay's parsing of objects only. */
const payloadValue = (answer: Answer): unknown => (typeof answer.Payload === 'string' ? JSON.parse(answer.Payload) : answer.Payload);

/** A response of `bytenum` bytes from `lambda_response_size.py`. */
const responseOf = async (c: ReplayContext, bytenum: number) => {
  const name = c.name('large_response');
  await fromFile(c, name, 'lambda_response_size.py', 'python3.12');
  return { name, answer: await invoke(c, name, { bytenum }) };
};

/** test_lambda_cache_local: a module's state kept between two invocations of one environment. */
const cacheLocal =
  (file: string, Runtime: string): Replay =>
  async (c) => {
    const name = c.name('test_lambda');
    await fromFile(c, name, file, Runtime);
    return { first_invoke_result: await invoke(c, name), second_invoke_result: await invoke(c, name) };
  };

/** test_lambda.py's tests of a function's environment and limits, by snapshot key. */
export const BEHAVIOR_CASES: Record<string, Replay> = {
  'TestLambdaBaseFeatures::test_large_payloads': async (c) => {
    const name = c.name('large_payload');
    await fromFile(c, name, 'lambda_echo.py', 'python3.12');
    const payload = { test: 'test123456'.repeat(100 * 1000 * 5) };
    const answer = await invoke(c, name, payload);
    return asserted({
      FunctionError: [undefined, answer.FunctionError],
      echoed: [true, JSON.stringify(answer.Payload) === JSON.stringify(payload)],
    });
  },
  'TestLambdaBaseFeatures::test_lambda_large_response': async (c) => {
    const size = 6 * 1024 * 1024;
    const { answer } = await responseOf(c, size);
    return asserted({ FunctionError: [undefined, answer.FunctionError], response: [true, payloadValue(answer) === 'a'.repeat(size)] });
  },
  'TestLambdaBaseFeatures::test_lambda_too_large_response': async (c) => {
    const { name, answer } = await responseOf(c, 7 * 1024 * 1024);
    return { invoke_result: answer, invoke_result_2: await invoke(c, name, { bytenum: 7 * 1024 * 1024 }) };
  },
  'TestLambdaBaseFeatures::test_function_state': async (c) => {
    const name = c.name('test-function');
    const live: Answer = {
      'create-fn-response': await c.createAws({
        FunctionName: name,
        Runtime: 'python3.12',
        Handler: 'handler.handler',
        Role: c.role,
        Code: { ZipFile: c.archive('handler.py', functionSource('lambda_echo.py')) },
      }),
    };
    live['get-fn-response'] = await c.call(new GetFunctionCommand({ FunctionName: name }));
    return live;
  },
  'TestLambdaBehavior::test_lambda_cache_local[nodejs]': cacheLocal('lambda_cache.js', 'nodejs20.x'),
  'TestLambdaBehavior::test_lambda_cache_local[python]': cacheLocal('lambda_cache.py', 'python3.12'),
  'TestLambdaConcurrency::test_lambda_concurrency_crud': async (c) => {
    const FunctionName = c.name('fn-concurrency');
    await fromFile(c, FunctionName, 'lambda_echo.py', 'python3.12');
    const live: Answer = { get_function_concurrency_default: await c.call(new GetFunctionConcurrencyCommand({ FunctionName })) };
    live.put_function_concurrency = await c.call(new PutFunctionConcurrencyCommand({ FunctionName, ReservedConcurrentExecutions: 0 }));
    live.get_function_concurrency_updated = await c.call(new GetFunctionConcurrencyCommand({ FunctionName }));
    await c.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName }));
    live.get_function_concurrency_deleted = await c.call(new GetFunctionConcurrencyCommand({ FunctionName }));
    return live;
  },
  'TestLambdaConcurrency::test_lambda_concurrency_update': async (c) => {
    const FunctionName = c.name('fn-concurrency');
    await fromFile(c, FunctionName, 'lambda_echo.py', 'python3.12');
    const live: Answer = {
      put_function_concurrency: await c.call(new PutFunctionConcurrencyCommand({ FunctionName, ReservedConcurrentExecutions: 3 })),
    };
    live.get_function_concurrency_updated = await c.call(new GetFunctionConcurrencyCommand({ FunctionName }));
    live.get_function_concurrency_info = await c.call(new GetFunctionCommand({ FunctionName }));
    await c.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName }));
    live.get_function_concurrency_deleted = await c.call(new GetFunctionConcurrencyCommand({ FunctionName }));
    return live;
  },
  'TestLambdaConcurrency::test_reserved_concurrency': async (c) => {
    const FunctionName = c.name('test_lambda');
    await fromFile(c, FunctionName, 'lambda_introspect.py', 'python3.12', { Timeout: 20 });
    const fn = await c.call(new GetFunctionConfigurationCommand({ FunctionName, Qualifier: '$LATEST' }));
    const live: Answer = { fn };
    const arn = String(fn.FunctionArn);
    live.put_reserved = await c.call(new PutFunctionConcurrencyCommand({ FunctionName, ReservedConcurrentExecutions: 0 }));
    live.exc_no_cap_requestresponse = await c.call(new InvokeCommand({ FunctionName: arn, InvocationType: 'RequestResponse' }));
    const destination = await queueArn(c);
    live.put_event_invoke_conf = await c.call(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName,
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: destination } },
      }),
    );
    live.invoke_result = await c.call(new InvokeCommand({ FunctionName: arn, InvocationType: 'Event' }));
    const sqs = c.client(SQSClient);
    const QueueUrl = `${c.endpoint}/${c.accountId}/${destination.split(':').at(-1)}`;
    for (let tries = 0; tries < 10 && live.msg === undefined; tries++) {
      const received = await asBotoAnswer(() =>
        sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 1 })),
      );
      const message = (received.Messages as Record<string, unknown>[] | undefined)?.[0];
      // As the recording's snapshot shows the body: the JSON it holds, parsed.
      if (message) live.msg = { ...message, Body: JSON.parse(String(message.Body)) };
    }
    return live;
  },
};
