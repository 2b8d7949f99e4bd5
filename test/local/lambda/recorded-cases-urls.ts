import {
  AddPermissionCommand,
  type AddPermissionCommandInput,
  CreateAliasCommand,
  CreateFunctionUrlConfigCommand,
  type CreateFunctionUrlConfigCommandInput,
  DeleteAliasCommand,
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  PublishVersionCommand,
  UpdateFunctionUrlConfigCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { parsedAsSnapshot } from '../../helpers/recorded-answers.js';
import { documents } from './recorded-cases-permissions.js';
import { type Answer, type HttpAnswer, type Replay, type ReplayContext, requestsCall, startReplay } from './recorded-replay.js';

/** A URL's answer as the tests snapshot it: JSON strings parsed, nested ones too (their `JsonStringTransformer`s). */
const asSnapshotted = (value: unknown) => parsedAsSnapshot(value, { nested: true });

/**
 * The functions of LocalStack's test_lambda.py these cases run: `URL_HANDLER_CODE` (its
 * `<<returnvalue>>` filled by the test), `functions/lambda_url.js`, `lambda_echo_json_body.py`,
 * `lambda_unhandled_error.py`, `lambda_response_streaming.js` and the `create_echo_http_server`
 * fixture's Python function (fixtures.py).
 */
const URL_HANDLER = (returnValue: string) => `\ndef handler(event, ctx):\n    return ${returnValue}\n`;
const LAMBDA_URL_JS =
  'exports.handler = async (event, context) => {\n    return {\n        statusCode: 200,\n        body: JSON.stringify({event,context})\n    }\n}\n';
const ECHO_JSON_BODY_PY =
  'import json\n\n\ndef handler(event, context):\n    # Just print the event that was passed to the Lambda\n    print(json.dumps(event))\n    return json.loads(event["body"])\n';
const UNHANDLED_ERROR_PY =
  'class CustomException(Exception):\n    pass\n\n\ndef handler(event, context):\n    raise CustomException("some error occurred")\n';
const RESPONSE_STREAMING_JS = `exports.handler = awslambda.streamifyResponse(
    async (event, responseStream, context) => {
        const metadata = {
            status: 200,
            headers: {
                'Content-Type': 'text/html',
                'Cache-Control': 'no-cache',
            },
        }

        responseStream = awslambda.HttpResponseStream.from(responseStream, metadata)

        responseStream.write('Hello,');
        responseStream.write(' world!');
        responseStream.end();
    }
);
`;
const ECHO_HTTP_SERVER_PY = `
import json
import os


def make_response(body: dict, status_code: int = 200):
    return {
        "statusCode": status_code,
        "headers": {"Content-Type": "application/json"},
        "body": body,
    }


def trim_headers(headers):
    if not int(os.getenv("TRIM_X_HEADERS", 0)):
        return headers
    return {
        key: value for key, value in headers.items()
        if not (key.startswith("x-amzn") or key.startswith("x-forwarded-"))
    }


def handler(event, context):
    print(json.dumps(event))
    response = {
        "args": event.get("queryStringParameters", {}),
        "data": event.get("body", ""),
        "domain": event["requestContext"].get("domainName", ""),
        "headers": trim_headers(event.get("headers", {})),
        "method": event["requestContext"]["http"].get("method", ""),
        "origin": event["requestContext"]["http"].get("sourceIp", ""),
        "path": event["requestContext"]["http"].get("path", ""),
    }
    return make_response(response)`;

/** Fails the replay where the recorded test asserts, as its `assert` would. */
function expectThat(holds: boolean, what: string): void {
  if (!holds) throw new Error(`the recorded test asserts ${what}`);
}

const urlConfig = (c: ReplayContext, input: Omit<CreateFunctionUrlConfigCommandInput, 'AuthType'>) =>
  c.call(new CreateFunctionUrlConfigCommand({ AuthType: 'NONE', ...input }));

/** The public URL's permission every case adds (`urlPermission`, `lambda:InvokeFunctionUrl` for everyone). */
const publicPermission = async (c: ReplayContext, FunctionName: string, extra: Partial<AddPermissionCommandInput> = {}) =>
  documents(
    await c.call(
      new AddPermissionCommand({
        FunctionName,
        StatementId: 'urlPermission',
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        FunctionUrlAuthType: 'NONE',
        ...extra,
      }),
    ),
  );

/** A function of one file, `handler.py` by default, with the fixture's defaults. */
const fn = (c: ReplayContext, prefix: string, file: string, code: string, extra: object = {}) => {
  const name = c.name(prefix);
  return c.create(name, { Code: { ZipFile: c.archive(file, code) }, ...extra }).then(() => name);
};

const urlOf = (config: Answer) => String(config.FunctionUrl);
export const text = (answer: HttpAnswer) => answer.body.toString('utf8');
const json = (answer: HttpAnswer) => JSON.parse(text(answer)) as Record<string, unknown>;

/** A function answering `returnValue` at its public URL, posted `{'key':'value'}` to as the test does; the answers it records. */
export async function urlFunction(c: ReplayContext, returnValue: string, extra: object = {}) {
  const name = await fn(c, 'test-function', 'handler.py', URL_HANDLER(returnValue), extra);
  const live: Answer = { create_lambda_url_config: await urlConfig(c, { FunctionName: name }) };
  live.add_permission = await publicPermission(c, name);
  const result = await requestsCall(`${urlOf(live.create_lambda_url_config as Answer)}custom_path/extend?test_param=test_value`, {
    method: 'POST',
    body: "{'key':'value'}",
  });
  return { name, live, result };
}

/** `test_lambda_url_invocation[...]`: what the function's answer is at the URL. */
const invocation =
  (returnValue: string): Replay =>
  async (c) => {
    const { live, result } = await urlFunction(c, returnValue);
    live.lambda_url_invocation = asSnapshotted({
      statuscode: result.status,
      headers: { 'Content-Type': result.headers['content-type'], 'Content-Length': result.headers['content-length'] },
      content: text(result),
    });
    return live;
  };

/** `test_lambda_url_echo_invoke[...]`: `lambda_url.js` behind a URL of each invoke mode, posted text and nothing. */
const echoInvoke =
  (InvokeMode?: 'BUFFERED' | 'RESPONSE_STREAM'): Replay =>
  async (c) => {
    const name = await fn(c, 'test-fnurl-echo', 'lambda_url.js', LAMBDA_URL_JS, { Runtime: 'nodejs20.x', Handler: 'lambda_url.handler' });
    const live: Answer = { create_lambda_url_config: await urlConfig(c, { FunctionName: name, InvokeMode }) };
    live.add_permission = await publicPermission(c, name);
    const url = `${urlOf(live.create_lambda_url_config as Answer)}custom_path/extend?test_param=test_value`;
    const result = await requestsCall(url, { method: 'POST', body: 'text', headers: { 'Content-Type': 'text/plain' } });
    expectThat(result.status === 200, `the text's POST answers 200, not ${result.status}`);
    let event: Record<string, unknown>;
    if (InvokeMode !== 'RESPONSE_STREAM') {
      event = json(result).event as Record<string, unknown>;
      expectThat(
        event.body === 'text' && event.isBase64Encoded === false,
        `the event has the text as its body, not ${JSON.stringify(event)}`,
      );
      event = json(await requestsCall(url, { method: 'POST' })).event as Record<string, unknown>;
    } else {
      // A function that does not stream answers its whole result as the stream's content.
      event = JSON.parse(String(json(result).body)).event as Record<string, unknown>;
    }
    expectThat(!('Body' in event) && event.isBase64Encoded === false, `the event is not base64-encoded: ${JSON.stringify(event)}`);
    return live;
  };

/** The `create_echo_http_server` fixture: the echo function's public URL. */
async function echoHttpServer(c: ReplayContext, trimXHeaders: boolean): Promise<string> {
  const name = await fn(c, 'echo-http', 'handler.py', ECHO_HTTP_SERVER_PY, {
    Environment: { Variables: { TRIM_X_HEADERS: trimXHeaders ? '1' : '0' } },
  });
  const config = await urlConfig(c, { FunctionName: name });
  await publicPermission(c, name);
  return urlOf(config);
}

/** The echo server's answer to `requests.post(url, headers=..., json={"foo": "bar"})`, as its snapshot records it. */
async function echoed(c: ReplayContext, trimXHeaders: boolean, path: string): Promise<Answer> {
  const url = await echoHttpServer(c, trimXHeaders);
  const result = await requestsCall(`${url.replace(/\/$/, '')}${path}`, {
    method: 'POST',
    body: JSON.stringify({ foo: 'bar' }).replace(':', ': '),
    headers: { 'content-type': 'application/json', 'ExTrA-HeadErs': 'With WeiRd CapS', 'user-agent': 'test/echo' },
  });
  return { url_response: asSnapshotted(json(result)) };
}

/** The multipart body test_lambda_url_form_payload posts. */
const FORM_BODY = Buffer.from(
  '\r\n--4efd159eae0c4f4e125a5a509e073d85\r\nContent-Disposition: form-data; name="formfield"\r\n\r\nnot a file, just a field' +
    '\r\n--4efd159eae0c4f4e125a5a509e073d85\r\nContent-Disposition: form-data; name="foo"; filename="foo"\r\n' +
    'Content-Type: text/plain;\r\n\r\nbar\r\n\r\n--4efd159eae0c4f4e125a5a509e073d85--\r\n',
);

/** The URL's answer as `_invoke_function` of test_lambda_url_persists_after_alias_delete records it. */
async function aliasUrlAnswer(url: string): Promise<Answer> {
  const response = await requestsCall(url, { method: 'POST', body: 'text', headers: { 'Content-Type': 'text/plain' } });
  const errorType = response.headers['x-amzn-errortype'];
  if (!errorType) return { status_code: response.status };
  return asSnapshotted({ status_code: response.status, headers: { 'x-amzn-ErrorType': errorType }, content: text(response) }) as Answer;
}

/** test_lambda.py's TestLambdaURL and TestLambdaPermissions, by snapshot key. */
export const URL_CASES: Record<string, Replay> = {
  /**
   * A URL whose function's policy lets no one invoke it. The other cases' account had AWS's
   * exception for accounts with older URLs (`lambda:InvokeFunctionUrl` alone lets a caller in;
   * new URLs need `lambda:InvokeFunction` too since October 2025, which the local runtime asks
   * under `--iam enforce`), so they run with IAM off; this one on a runtime of its own that
   * enforces IAM, as AWS enforces a URL's policy whatever the account.
   */
  'TestLambdaPermissions::test_lambda_permission_url_invocation': async () => {
    const enforcing = await startReplay({ iam: 'enforce' });
    try {
      const c = enforcing.context;
      const name = await fn(c, 'test-function', 'lambda_url.js', LAMBDA_URL_JS, { Runtime: 'nodejs20.x', Handler: 'lambda_url.handler' });
      const config = await urlConfig(c, { FunctionName: name });
      const result = await requestsCall(urlOf(config), { method: 'POST', body: 'text', headers: { 'Content-Type': 'text/plain' } });
      expectThat(result.status === 403, `the URL refuses the caller, not ${result.status}`);
      return { lambda_url_invocation_missing_permission: asSnapshotted(text(result)) };
    } finally {
      enforcing.close();
      await enforcing.runtime.stop();
    }
  },
  'TestLambdaURL::test_lambda_url_invocation[dict]': invocation('{"hello": "world"}'),
  'TestLambdaURL::test_lambda_url_invocation[http-response]': invocation('{"statusCode": 200, "body": "body123"}'),
  'TestLambdaURL::test_lambda_url_invocation[http-response-json]': invocation('{"statusCode": 200, "body": "{\\"hello\\": \\"world\\"}"}'),
  'TestLambdaURL::test_lambda_url_invocation[list-mixed]': invocation('["hello", 3, True]'),
  'TestLambdaURL::test_lambda_url_invocation[string]': invocation('"hello"'),
  'TestLambdaURL::test_lambda_url_invocation[integer]': invocation('3'),
  'TestLambdaURL::test_lambda_url_invocation[float]': invocation('3.1'),
  'TestLambdaURL::test_lambda_url_invocation[boolean]': invocation('True'),
  'TestLambdaURL::test_function_url_with_response_streaming': async (c) => {
    const name = await fn(c, 'test_lambda', 'lambda_response_streaming.js', RESPONSE_STREAMING_JS, {
      Runtime: 'nodejs18.x',
      Handler: 'lambda_response_streaming.handler',
    });
    const config = await urlConfig(c, { FunctionName: name, InvokeMode: 'RESPONSE_STREAM' });
    await publicPermission(c, name, { StatementId: c.name('s') });
    const result = await requestsCall(urlOf(config), { method: 'POST', body: "{'key':'value'}" });
    return { response_status: result.status, response_data: text(result) };
  },
  // `_custom_id_` is LocalStack's own tag for the URL's id; on AWS a tag like any other.
  'TestLambdaURL::test_lambda_url_invocation_custom_id': async (c) => {
    const { result } = await urlFunction(c, '{"hello": "world"}', { Tags: { _custom_id_: 'my-custom-id' } });
    expectThat(result.status === 200, `the URL answers 200, not ${result.status}`);
    return {};
  },
  'TestLambdaURL::test_lambda_url_invocation_custom_id_aliased': async (c) => {
    const name = await fn(c, 'test-function', 'handler.py', URL_HANDLER('{"hello": "world"}'), { Tags: { _custom_id_: 'my-custom-id' } });
    await c.lambda.send(new CreateAliasCommand({ FunctionName: name, FunctionVersion: '$LATEST', Name: 'myalias' }));
    await waitUntilFunctionActiveV2(
      { client: c.lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 },
      { FunctionName: name, Qualifier: 'myalias' },
    );
    const config = await urlConfig(c, { FunctionName: name, Qualifier: 'myalias' });
    await publicPermission(c, name, { Qualifier: 'myalias' });
    const result = await requestsCall(`${urlOf(config)}custom_path/extend?test_param=test_value`, {
      method: 'POST',
      body: "{'key':'value'}",
    });
    expectThat(result.status === 200, `the alias's URL answers 200, not ${result.status}`);
    return {};
  },
  'TestLambdaURL::test_lambda_url_echo_invoke[None]': echoInvoke(),
  'TestLambdaURL::test_lambda_url_echo_invoke[BUFFERED]': echoInvoke('BUFFERED'),
  'TestLambdaURL::test_lambda_url_echo_invoke[RESPONSE_STREAM]': echoInvoke('RESPONSE_STREAM'),
  'TestLambdaURL::test_lambda_url_headers_and_status': async (c) => {
    const name = await fn(c, 'test-fnurl-echo', 'lambda_echo_json_body.py', ECHO_JSON_BODY_PY, {
      Handler: 'lambda_echo_json_body.handler',
    });
    const config = await urlConfig(c, { FunctionName: name });
    await publicPermission(c, name);
    const url = `${urlOf(config)}custom_path/extend?test_param=test_value`;
    const post = (event: object) =>
      requestsCall(url, { method: 'POST', body: JSON.stringify(event), headers: { 'Content-Type': 'application/json' } });
    const created = await post({
      statusCode: 201,
      headers: { 'Content-Type': 'application/json', 'My-Custom-Header': 'Custom Value' },
      body: JSON.stringify({ message: 'hello-world' }),
      isBase64Encoded: false,
    });
    expectThat(
      text(created) === '{"message":"hello-world"}' && created.status === 201,
      `201 and the body, not ${created.status} ${text(created)}`,
    );
    expectThat(created.headers['my-custom-header'] === 'Custom Value', 'the custom header is answered');
    const teapot = await post({ statusCode: '418', body: "i'm a teapot", isBase64Encoded: false });
    expectThat(text(teapot) === "i'm a teapot" && teapot.status === 418, `a string status code: 418, not ${teapot.status}`);
    return {};
  },
  'TestLambdaURL::test_lambda_update_function_url_config': async (c) => {
    const name = await fn(c, 'test-fnurl-echo', 'lambda_url.js', LAMBDA_URL_JS, { Runtime: 'nodejs20.x', Handler: 'lambda_url.handler' });
    const live: Answer = { create_lambda_url_config: await urlConfig(c, { FunctionName: name, InvokeMode: 'BUFFERED' }) };
    const get = () => c.call(new GetFunctionUrlConfigCommand({ FunctionName: name }));
    live.get_url_config = await get();
    live.modify_lambda_url_config = await c.call(new UpdateFunctionUrlConfigCommand({ FunctionName: name, InvokeMode: 'RESPONSE_STREAM' }));
    live.get_url_config_2 = await get();
    live.modify_lambda_url_config_none = await c.call(new UpdateFunctionUrlConfigCommand({ FunctionName: name }));
    live.get_url_config_3 = await get();
    return live;
  },
  'TestLambdaURL::test_lambda_url_invocation_exception': async (c) => {
    const name = await fn(c, 'test-function', 'handler.py', UNHANDLED_ERROR_PY);
    const live: Answer = { get_fn_result: await c.call(new GetFunctionCommand({ FunctionName: name })) };
    live.create_lambda_url_config = await urlConfig(c, { FunctionName: name });
    live.add_permission = await publicPermission(c, name);
    const result = await requestsCall(urlOf(live.create_lambda_url_config as Answer), {
      method: 'POST',
      body: '{}',
      headers: { 'User-Agent': 'python-requests/testing' },
    });
    expectThat(
      text(result) === 'Internal Server Error' && result.status === 502,
      `502 Internal Server Error, not ${result.status} ${text(result)}`,
    );
    return live;
  },
  'TestLambdaURL::test_lambda_url_persists_after_alias_delete': async (c) => {
    const name = await fn(c, 'test-fnurl-echo', 'handler.js', LAMBDA_URL_JS, { Runtime: 'nodejs20.x' });
    const alias = c.name('alias');
    const published = await c.lambda.send(new PublishVersionCommand({ FunctionName: name }));
    await c.lambda.send(new CreateAliasCommand({ FunctionName: name, FunctionVersion: published.Version, Name: alias }));
    const live: Answer = {
      create_lambda_url_config: await urlConfig(c, { FunctionName: name, InvokeMode: 'BUFFERED', Qualifier: alias }),
    };
    await publicPermission(c, name, { Qualifier: alias });
    const url = urlOf(live.create_lambda_url_config as Answer);
    await waitUntilFunctionActiveV2(
      { client: c.lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 },
      { FunctionName: name, Qualifier: alias },
    );
    live.invoke_aliased_url_response = await aliasUrlAnswer(url);
    live.delete_alias_resp = await c.call(new DeleteAliasCommand({ FunctionName: name, Name: alias }));
    const config = await c.call(new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: alias }));
    expectThat(
      (config.Error as { Code?: string } | undefined)?.Code === 'ResourceNotFoundException',
      "the alias's URL config is deleted with it",
    );
    live.invoke_deleted_alias_url_response_delayed = await aliasUrlAnswer(url);
    return live;
  },
  'TestLambdaURL::test_lambda_url_invalid_invoke_mode': async (c) => {
    const name = await fn(c, 'test-fn-echo', 'lambda_echo_json_body.py', ECHO_JSON_BODY_PY, { Handler: 'lambda_echo_json_body.handler' });
    return {
      invoke_function_invalid_invoke_type: await urlConfig(c, { FunctionName: name, InvokeMode: 'UNKNOWN' as 'BUFFERED' }),
    };
  },
  'TestLambdaURL::test_lambda_url_non_existing_url': async (c) => {
    const port = new URL(c.endpoint).port;
    const response = await requestsCall(`http://0123456789abcdefghijklmnopqrstuv.lambda-url.us-east-1.localhost:${port}`);
    expectThat(
      text(response) === '{"Message":null}' && response.status === 403,
      `403 {"Message":null}, not ${response.status} ${text(response)}`,
    );
    expectThat(response.headers['content-type'] === 'application/json', 'the content type is application/json');
    expectThat(response.headers['x-amzn-errortype'] === 'AccessDeniedException', 'the error type is AccessDeniedException');
    return {};
  },
  'TestLambdaURL::test_lambda_url_echo_http_fixture_default': (c) =>
    echoed(c, false, '/pa2%Fth/1?q=query&multiQuery=foo&multiQuery=%2Fbar'),
  'TestLambdaURL::test_lambda_url_echo_http_fixture_trim_x_headers': (c) => echoed(c, true, '/path/1?q=query'),
  'TestLambdaURL::test_lambda_url_form_payload': async (c) => {
    const url = await echoHttpServer(c, true);
    const result = await requestsCall(`${url.replace(/\/$/, '')}/test/value`, {
      method: 'POST',
      body: FORM_BODY,
      headers: { 'Content-Type': 'multipart/form-data; boundary=4efd159eae0c4f4e125a5a509e073d85', 'User-Agent': 'python/test-request' },
    });
    expectThat(result.status === 200, `the form's POST answers 200, not ${result.status}`);
    const answer = json(result);
    expectThat(Buffer.from(String(answer.data), 'base64').equals(FORM_BODY), 'the function gets the form as it was sent, base64-encoded');
    return { url_response: asSnapshotted(answer) };
  },
};
