import {
  CreateAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetAliasCommand,
  GetFunctionCommand,
  InvokeCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { INTEGRATION_PY } from './recorded-cases-destinations.js';
import { type Answer, type Replay, type ReplayContext, zipFunction } from './recorded-replay.js';

/**
 * The Python functions of LocalStack's tests/aws/services/lambda_/functions/ these cases run
 * (`lambda_version.py` with its `%s` filled by the test, `lambda_timeout.py`, `lambda_echo.py`,
 * `lambda_none.py`, `lambda_multiple_handlers.py`, `lambda_handler_error.py`, `lambda_runtime_error.py`).
 */
const VERSION_PY = (version: string) =>
  `def handler(event, context):\n    result = {\n        "version_id": "${version}",\n        "invoked_arn": context.invoked_function_arn,\n        "version_from_ctx": context.function_version,\n    }\n    print(result)\n    return result\n`;
const TIMEOUT_PY =
  'import logging\nimport time\n\n\ndef handler(event, context):\n    try:\n        print("starting wait")\n        time.sleep(event["wait"])\n        print("done waiting")\n    except Exception as e:\n        print("exception while waiting")\n        logging.error(e)\n';
/** `lambda_echo.py`, which prints the event as JSON before answering it. */
const ECHO_PY =
  'import json\n\n\ndef handler(event, context):\n    # Just print the event that was passed to the Lambda\n    print(json.dumps(event))\n    return event\n';
const NONE_PY = 'import json\n\n\ndef handler(event, context):\n    print(json.dumps(event))\n    return\n';
const MULTIPLE_HANDLERS_PY =
  'def handler(event, context):\n    result = {\n        "handler": "handler",\n    }\n    print(result)\n    return result\n\n\ndef handler_two(event, context):\n    result = {\n        "handler": "handler_two",\n    }\n    print(result)\n    return result\n';
const HANDLER_ERROR_PY = 'def handler(event, context):\n    raise Exception("Handler fails")\n';
const RUNTIME_ERROR_PY = 'raise Exception("Runtime startup fails")\n';
/** `lambda_runtime_exit.py` and `lambda_handler_exit.py`: the runtime ends (status 0) at import, and in the handler. */
const RUNTIME_EXIT_PY = 'import sys\n\nsys.exit(0)\n';
const HANDLER_EXIT_PY = 'import sys\n\n\ndef handler(event, context):\n    sys.exit(0)\n';

const invoke = (c: ReplayContext, FunctionName: string, Qualifier?: string) =>
  c.call(new InvokeCommand({ FunctionName, Qualifier, Payload: '{}' }));

/** A function of `lambda_version.py` (version1) as the version and alias cases make it. */
const versionFunction = (c: ReplayContext, name: string, extra: object = {}) =>
  c.createAws({
    FunctionName: name,
    Handler: 'handler.handler',
    Code: { ZipFile: c.archive('handler.py', VERSION_PY('version1')) },
    PackageType: 'Zip',
    Role: c.role,
    Runtime: 'python3.12',
    ...extra,
  });

const newCode = (c: ReplayContext, FunctionName: string, version: string, Publish?: boolean) =>
  c.call(new UpdateFunctionCodeCommand({ FunctionName, ZipFile: c.archive('handler.py', VERSION_PY(version)), Publish }));

/** `lambda_timeout.py` with the function's Timeout, invoked to wait `wait` seconds. */
const timeoutCase =
  (Timeout: number, wait: number): Replay =>
  async (c) => {
    const name = c.name('test_lambda');
    const live: Answer = {
      'create-result': await c.create(name, { Timeout, Code: { ZipFile: c.archive('handler.py', TIMEOUT_PY) } }),
    };
    live['invoke-result'] = await c.call(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ wait }) }));
    return live;
  };

/** The `invocation_echo_lambda` fixture's Python function (python3.10), or `lambda_none.py`, invoked by its ARN. */
const invocationType =
  (InvocationType: 'RequestResponse' | 'Event' | 'DryRun', code: string, Runtime: 'python3.10' | 'python3.12'): Replay =>
  async (c) => {
    const name = c.name('echo-func');
    const created = (await c.create(name, { Runtime, Code: { ZipFile: c.archive('handler.py', code) } })) as {
      CreateFunctionResponse: { FunctionArn: string };
    };
    return {
      'invoke-result': await c.call(
        new InvokeCommand({ FunctionName: created.CreateFunctionResponse.FunctionArn, Payload: '{}', InvocationType }),
      ),
    };
  };

/** A function of one file `<module>.py` (its handler `<module>.handler`) that raises, invoked once. */
const failing =
  (module: string, code: string, Runtime: 'python3.12' | 'python3.13', Variables: Record<string, string> = {}): Replay =>
  async (c) => {
    const name = c.name('test-function');
    await c.create(name, {
      Runtime,
      Handler: `${module}.handler`,
      Code: { ZipFile: c.archive(`${module}.py`, code) },
      Environment: { Variables },
    });
    return { invocation_error: await c.call(new InvokeCommand({ FunctionName: name })) };
  };

/** test_lambda_invoke_payload_encoding_error: Invoke with a payload that is not UTF-8 JSON (what AWS CLI v2 sends without `raw-in-base64-out`). */
const undecodable =
  (label: string, payload: number[]): Replay =>
  async (c) => {
    const name = c.name('test-function');
    await c.create(name, { Handler: 'lambda_echo.handler', Code: { ZipFile: c.archive('lambda_echo.py', ECHO_PY) } });
    return {
      [`invoke_function_invalid_payload_${label}`]: await c.call(
        new InvokeCommand({ FunctionName: name, Payload: Uint8Array.from(payload) }),
      ),
    };
  };

/**
 * test_upload_lambda_from_s3 and test_invocation_with_qualifier: `lambda_integration.py` as
 * `handler.py`, its zip uploaded to a bucket and the function made from it (published, for the
 * latter), invoked with a payload of quotes; the answers of both.
 */
const fromS3 =
  (Publish: boolean): Replay =>
  async (c) => {
    const bucket = c.name('bucket').toLowerCase();
    await c.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'test_lambda.zip', Body: c.archive('handler.py', INTEGRATION_PY) }));
    const name = c.name('test_lambda');
    const live: Answer = {
      'creation-response': await c.createAws({
        FunctionName: name,
        Runtime: 'python3.12',
        Role: c.role,
        Handler: 'handler.handler',
        Code: { S3Bucket: bucket, S3Key: 'test_lambda.zip' },
        Timeout: 10,
        ...(Publish ? { Publish } : {}),
      }),
    };
    const Qualifier = Publish ? String((live['creation-response'] as Answer).Version) : undefined;
    const Payload = Buffer.from('{"foo": "bar with \'quotes\\""}');
    const invoked = await c.call(new InvokeCommand({ FunctionName: name, Payload, Qualifier, ...(Publish ? { LogType: 'Tail' } : {}) }));
    live['invocation-response'] = invoked;
    if (!Publish) return live;
    // As the test reads them: the tail decoded, split into lines, the REPORT line left out.
    const lines = Buffer.from(String(invoked.LogResult), 'base64').toString('utf8').split(/\r?\n/);
    if (lines.at(-1) === '') lines.pop();
    live.log_result = { log_result: lines.filter((line) => !line.startsWith('REPORT')) };
    return live;
  };

/** test_invocation_with_logs: the `invocation_echo_lambda` fixture's function invoked with `LogType: Tail`; the answer and its log lines. */
export const invocationWithLogs =
  (Runtime: 'python3.10' | 'nodejs16.x', file: string, code: string): Replay =>
  async (c) => {
    const name = c.name('echo-func');
    const created = (await c.create(name, { Runtime, Code: { ZipFile: c.archive(file, code) } })) as {
      CreateFunctionResponse: { FunctionArn: string };
    };
    const invoke = await c.call(
      new InvokeCommand({ FunctionName: created.CreateFunctionResponse.FunctionArn, Payload: '{}', LogType: 'Tail' }),
    );
    // As the test reads them: the tail decoded, split into lines that keep their ends.
    const logs =
      Buffer.from(String(invoke.LogResult), 'base64')
        .toString('utf8')
        .match(/[^\n]*\n|[^\n]+$/g) ?? [];
    return { invoke, logs: { logs } };
  };

/** `lambda_s3_integration_function_version.py`: sleeps as asked, answers its variant, and writes it to the bucket named in its environment. */
const FUNCTION_VERSION_PY =
  'import json\nimport os\nimport time\n\nimport boto3\n\ns3 = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))\n' +
  'S3_BUCKET_NAME = os.environ.get("S3_BUCKET_NAME")\n# Configurable identifier to test function updates\nFUNCTION_VARIANT = os.environ.get("FUNCTION_VARIANT")\n\n\n' +
  'def handler(event, context):\n    sleep_duration = int(event.get("sleep_seconds", 0))\n    if sleep_duration > 0:\n' +
  '        print(f"Sleeping for {sleep_duration} seconds ...")\n        time.sleep(sleep_duration)\n        print("... done sleeping")\n\n' +
  '    request_prefix = event.get("request_prefix")\n    response = {\n        "function_version": context.function_version,\n' +
  '        "request_id": context.aws_request_id,\n        "request_prefix": request_prefix,\n        "function_variant": FUNCTION_VARIANT,\n    }\n\n' +
  '    # The side effect is required to test async invokes\n    if S3_BUCKET_NAME:\n        s3_key = f"{request_prefix}--{FUNCTION_VARIANT}"\n' +
  '        response["s3_key"] = s3_key\n        s3.put_object(Bucket=S3_BUCKET_NAME, Key=s3_key, Body=json.dumps(response))\n\n    return response\n';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const variant = (c: ReplayContext, name: string, Variables: Record<string, string>) =>
  c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables } }));

/** test_lambda.py's TestLambdaVersions tests of a function updated while an invocation runs (20 s) or events wait in its queue. */
const UPDATE_CASES: Record<string, Replay> = {
  'TestLambdaVersions::test_function_update_during_invoke': async (c) => {
    const name = c.name('test-function');
    const v1 = { FUNCTION_VARIANT: 'variant-1' };
    await c.create(name, { Code: { ZipFile: c.archive('handler.py', FUNCTION_VERSION_PY) }, Environment: { Variables: v1 } });
    const update = (async () => {
      await sleep(5_000);
      await variant(c, name, { FUNCTION_VARIANT: 'variant-2' });
      await c.updated(name);
      const after = await c.call(new InvokeCommand({ FunctionName: name, Payload: '{"request_prefix": "2-post-update"}' }));
      const payload = after.Payload as { function_variant?: string; function_version?: string };
      if (after.StatusCode !== 200 || payload.function_variant !== 'variant-2' || payload.function_version !== '$LATEST')
        throw new Error(`the recorded test asserts the invocation after the update runs variant-2: ${JSON.stringify(after)}`);
    })();
    const before = await c.call(new InvokeCommand({ FunctionName: name, Payload: '{"request_prefix": "1-sleep", "sleep_seconds": 20}' }));
    await update;
    return { invoke_response_before: before };
  },
  'TestLambdaVersions::test_async_invoke_queue_upon_function_update': async (c) => {
    const bucket = c.name('lambda-target-bucket').toLowerCase();
    await c.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const name = c.name('test-function');
    const v1 = { S3_BUCKET_NAME: bucket, FUNCTION_VARIANT: 'variant-1' };
    await c.create(name, { Code: { ZipFile: c.archive('handler.py', FUNCTION_VERSION_PY) }, Environment: { Variables: v1 } });
    await c.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 1 }));
    try {
      return await queuedThroughUpdate(c, name, bucket, v1);
    } finally {
      // As the fixture's teardown deletes the function: the account's unreserved concurrency is the other tests' again.
      await c.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name }));
    }
  },
};

/** test_async_invoke_queue_upon_function_update's events: one that sleeps, 9 queued before the update, 5 after; the objects they wrote. */
async function queuedThroughUpdate(c: ReplayContext, name: string, bucket: string, v1: Record<string, string>): Promise<Answer> {
  const event = (payload: object) =>
    c.lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: JSON.stringify(payload) }));
  await event({ request_prefix: '01-sleep', sleep_seconds: 22 });
  await sleep(2_000);
  for (let index = 0; index < 9; index++) await event({ request_prefix: `${String(index + 2).padStart(2, '0')}-before` });
  await variant(c, name, { ...v1, FUNCTION_VARIANT: 'variant-2' });
  await c.updated(name);
  for (let index = 0; index < 5; index++) await event({ request_prefix: `${String(index + 11).padStart(2, '0')}-after` });
  // The test's retry: every event's object written, looked for up to 20 times 5 s apart (here 50 times 1 s).
  for (let tries = 1; ; tries++) {
    const { Contents = [] } = await c.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = Contents.map((o) => String(o.Key)).sort();
    // The recording's transformer read the first event's key, whichever variant ran it, as variant-1.
    if (keys.length >= 15) return { async_invoke_history_sorted: keys.map((k) => k.replace('01-sleep--variant-2', '01-sleep--variant-1')) };
    if (tries >= 50) throw new Error(`the recorded test asserts 15 objects written, not ${keys.length}`);
    await sleep(1_000);
  }
}

/** test_lambda.py's and test_lambda_api.py's tests whose answers are of a Python function's invocation, by snapshot key. */
export const PYTHON_CASES: Record<string, Replay> = {
  'TestLambdaBehavior::test_lambda_invoke_with_timeout': timeoutCase(1, 2),
  'TestLambdaBehavior::test_lambda_invoke_no_timeout': timeoutCase(2, 1),
  'TestLambdaVersions::test_lambda_versions_with_code_changes': async (c) => {
    const name = c.name('fn');
    const live: Answer = { create_response: await versionFunction(c, name, { Description: 'No version :(' }) };
    live.first_publish_response = await c.call(
      new PublishVersionCommand({ FunctionName: name, Description: 'First version description :)' }),
    );
    const first = String((live.first_publish_response as { Version: string }).Version);
    live.update_lambda_response = await newCode(c, name, 'version2');
    await c.updated(name);
    live.invocation_result_latest = await invoke(c, name);
    live.invocation_result_v1 = await invoke(c, name, first);
    live.second_publish_response = await c.call(
      new PublishVersionCommand({ FunctionName: name, Description: 'Second version description :)' }),
    );
    const second = String((live.second_publish_response as { Version: string }).Version);
    await c.updated(`${name}:${second}`);
    live.invocation_result_v2 = await invoke(c, name, second);
    live.update_lambda_response_with_publish = await newCode(c, name, 'version3', true);
    const third = String((live.update_lambda_response_with_publish as { Version: string }).Version);
    await c.updated(`${name}:${third}`);
    live.invocation_result_v3 = await invoke(c, name, third);
    live.invocation_result_latest_end = await invoke(c, name);
    live.invocation_result_v2_end = await invoke(c, name, second);
    live.invocation_result_v1_end = await invoke(c, name, first);
    return live;
  },
  'TestLambdaAliases::test_lambda_alias_moving': async (c) => {
    const name = c.name('fn');
    const live: Answer = { create_response: await versionFunction(c, name, { Description: 'No version :(' }) };
    const first = await c.lambda.send(new PublishVersionCommand({ FunctionName: name, Description: 'First version description :)' }));
    await c.updated(`${name}:${first.Version}`);
    live.create_alias_response = await c.call(
      new CreateAliasCommand({ FunctionName: name, FunctionVersion: first.Version, Name: 'alias1' }),
    );
    const aliasArn = String((live.create_alias_response as { AliasArn: string }).AliasArn);
    live.invocation_result_qualifier_v1 = await invoke(c, name, 'alias1');
    live.invocation_result_qualifier_v1_arn = await invoke(c, aliasArn);
    live.update_lambda_response = await newCode(c, name, 'version2');
    await c.updated(name);
    live.invocation_result_qualifier_v1_after_update = await invoke(c, name, 'alias1');
    live.second_publish_response = await c.call(
      new PublishVersionCommand({ FunctionName: name, Description: 'Second version description :)' }),
    );
    const second = String((live.second_publish_response as { Version: string }).Version);
    await c.updated(`${name}:${second}`);
    live.invocation_result_qualifier_v1_after_publish = await invoke(c, name, 'alias1');
    live.update_alias_response = await c.call(new UpdateAliasCommand({ FunctionName: name, Name: 'alias1', FunctionVersion: second }));
    live.invocation_result_qualifier_v2 = await invoke(c, name, 'alias1');
    live.invocation_exc_not_existent = await invoke(c, name, 'non-existent-alias');
    return live;
  },
  'TestLambdaAliases::test_alias_routingconfig': async (c) => {
    const name = c.name('fn');
    const created = await versionFunction(c, name, { Description: 'First version :)', Publish: true });
    await c.updated(name);
    await newCode(c, name, 'version2');
    await c.updated(name);
    const second = await c.lambda.send(new PublishVersionCommand({ FunctionName: name, Description: 'Second version description :)' }));
    await c.updated(`${name}:${second.Version}`);
    const live: Answer = {
      create_alias_response: await c.call(
        new CreateAliasCommand({
          FunctionName: name,
          FunctionVersion: String(created.Version),
          Name: 'alias1',
          RoutingConfig: { AdditionalVersionWeights: { [String(second.Version)]: 0.5 } },
        }),
      ),
    };
    // As the test, which then asserts that 20 invocations through the alias ran both versions.
    const hit = new Set<string>();
    for (let tries = 0; hit.size < 2 && tries < 20; tries++) {
      const answer = (await invoke(c, name, 'alias1')) as { Payload: { version_from_ctx: string } };
      hit.add(answer.Payload.version_from_ctx);
    }
    if (hit.size !== 2) throw new Error(`20 invocations of alias1 ran only version ${[...hit].join(', ')}`);
    return live;
  },
  'TestLambdaAlias::test_alias_naming': async (c) => {
    const name = c.name('alias-fn');
    const live: Answer = { create_response: await zipFunction(c, name, { Environment: { Variables: { testenv: 'staging' } } }) };
    live.publish_v1 = await c.call(new PublishVersionCommand({ FunctionName: name }));
    const alias = (Name: string) =>
      c.call(new CreateAliasCommand({ FunctionName: name, Name, FunctionVersion: '1', Description: 'custom-alias' }));
    live.create_alias_date = await alias('2024-01-02');
    live.get_alias_date = await c.call(new GetAliasCommand({ FunctionName: name, Name: '2024-01-02' }));
    // Its handler (index.handler) is not in the archive (handler.py): the test only needs the call answered.
    const invoked = await c.call(new InvokeCommand({ FunctionName: `${name}:2024-01-02` }));
    if (invoked.StatusCode !== 200) throw new Error(`invoking the alias answered ${JSON.stringify(invoked)}`);
    live.create_alias_number_exception = await alias('2024');
    return live;
  },
  'TestLambdaFeatures::test_invocation_type_request_response[python3.10]': invocationType('RequestResponse', ECHO_PY, 'python3.10'),
  'TestLambdaFeatures::test_invocation_type_event[python3.10]': invocationType('Event', ECHO_PY, 'python3.10'),
  'TestLambdaFeatures::test_invocation_type_dry_run[python3.10]': invocationType('DryRun', ECHO_PY, 'python3.10'),
  'TestLambdaFeatures::test_invocation_type_no_return_payload[python-RequestResponse]': invocationType(
    'RequestResponse',
    NONE_PY,
    'python3.12',
  ),
  'TestLambdaFeatures::test_invocation_type_no_return_payload[python-Event]': invocationType('Event', NONE_PY, 'python3.12'),
  'TestLambdaFeatures::test_invocation_with_logs[python3.10]': invocationWithLogs('python3.10', 'handler.py', ECHO_PY),
  'TestLambdaVersions::test_lambda_handler_update': async (c) => {
    const name = c.name('test_lambda');
    await c.create(name, { Code: { ZipFile: c.archive('handler.py', MULTIPLE_HANDLERS_PY) } });
    const live: Answer = { invoke_result_handler_one: await c.call(new InvokeCommand({ FunctionName: name })) };
    live.update_function_configuration_result = await c.call(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Handler: 'handler.handler_two' }),
    );
    await c.updated(name);
    live.get_function_result = await c.call(new GetFunctionCommand({ FunctionName: name }));
    live.invoke_result_handler_two = await c.call(new InvokeCommand({ FunctionName: name }));
    const published = await c.lambda.send(new PublishVersionCommand({ FunctionName: name }));
    await c.updated(`${name}:${published.Version}`);
    live.invoke_result_handler_two_postpublish = await c.call(new InvokeCommand({ FunctionName: name }));
    return live;
  },
  'TestLambdaCleanup::test_recreate_function': async (c) => {
    const name = c.name('test-function');
    const echo = () => ({ Handler: 'lambda_echo.handler', Code: { ZipFile: c.archive('lambda_echo.py', ECHO_PY) } });
    const live: Answer = { create_function_response_one: await c.create(name, echo()) };
    await c.lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    live.create_function_response_two = await c.create(name, echo());
    const invoked = await c.call(new InvokeCommand({ FunctionName: name, InvocationType: 'Event' }));
    if (invoked.StatusCode !== 202) throw new Error(`the Event invocation answered ${JSON.stringify(invoked)}`);
    return live;
  },
  'TestLambdaErrors::test_lambda_handler_error': failing('lambda_handler_error', HANDLER_ERROR_PY, 'python3.12'),
  'TestLambdaErrors::test_lambda_runtime_error': failing('lambda_runtime_error', RUNTIME_ERROR_PY, 'python3.13'),
  'TestLambdaFeatures::test_upload_lambda_from_s3': fromS3(false),
  'TestLambdaFeatures::test_invocation_with_qualifier': fromS3(true),
  ...UPDATE_CASES,
  'TestLambdaErrors::test_lambda_runtime_exit': failing('lambda_runtime_exit', RUNTIME_EXIT_PY, 'python3.12'),
  'TestLambdaErrors::test_lambda_handler_exit': failing('lambda_handler_exit', HANDLER_EXIT_PY, 'python3.12'),
  'TestLambdaErrors::test_lambda_runtime_wrapper_not_found': failing('lambda_echo', ECHO_PY, 'python3.12', {
    AWS_LAMBDA_EXEC_WRAPPER: '/idontexist.sh',
  }),
  'TestLambdaErrors::test_lambda_invoke_payload_encoding_error[body-n\\x87r\\x9e\\xe9\\xb5\\xd7I\\xee\\x9bmt]': undecodable(
    'body',
    [0x6e, 0x87, 0x72, 0x9e, 0xe9, 0xb5, 0xd7, 0x49, 0xee, 0x9b, 0x6d, 0x74],
  ),
  'TestLambdaErrors::test_lambda_invoke_payload_encoding_error[message-\\x99\\xeb,j\\x07\\xa1zYh]': undecodable(
    'message',
    [0x99, 0xeb, 0x2c, 0x6a, 0x07, 0xa1, 0x7a, 0x59, 0x68],
  ),
};
