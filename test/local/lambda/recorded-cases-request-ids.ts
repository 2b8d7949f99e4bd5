import { InvokeCommand, ListFunctionsCommand, PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { logLines } from './recorded-cases-destinations.js';
import { text, urlFunction } from './recorded-cases-urls.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/** LocalStack's `functions/lambda_request_id.py` and `lambda_context.py`. */
const REQUEST_ID_PY =
  'import logging\n\nlogging.basicConfig(level=logging.INFO)\nLOGGER = logging.getLogger(__name__)\nLOGGER.setLevel(logging.INFO)\n\n\n' +
  'def handler(event, context):\n    # Logger format: [<log_level>]\\tdate\\t<request_id>\\t<log_message>\n    LOGGER.info("RequestId log message")\n    return context.aws_request_id\n';
const CONTEXT_PY =
  'def handler(event, context):\n    print(event)\n    print(context.aws_request_id)\n\n    if event.get("fail"):\n        raise Exception("Intentional failure")\n\n    return context.aws_request_id\n';

/** Lambda's retry of an event waits a minute: the replay moves the clock past it. */
const RETRY_MS = 10 * 60 * 1000;

/** Fails the replay where the recorded test asserts, as its `assert` would. */
function expectThat(holds: boolean, what: string): void {
  if (!holds) throw new Error(`the recorded test asserts ${what}`);
}

/**
 * The function's log lines with `text` in them once its REPORT line is there (the tests'
 * `retry(fetch_logs)`), each without its trailing white space (`rstrip`).
 */
async function reportedLines(c: ReplayContext, name: string, text: string): Promise<string[]> {
  for (let tries = 1; ; tries++) {
    const lines = await logLines(c, name, text).catch((error: Error) => {
      if (error.name !== 'ResourceNotFoundException') throw error;
      return [];
    });
    if (lines.some((line) => line.includes('REPORT'))) return lines.map((line) => line.trimEnd());
    expectThat(tries < 10, `the function's log has its REPORT line`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** test_lambda.py's TestRequestIdHandling tests on the real clock, by snapshot key. */
export const REQUEST_ID_CASES: Record<string, Replay> = {
  'TestRequestIdHandling::test_request_id_format': async (c) => {
    await c.call(new ListFunctionsCommand({}));
    const requestId = String(c.lastRequestId());
    expectThat(/^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/.test(requestId), `a UUID request id, not ${requestId}`);
    return {};
  },
  'TestRequestIdHandling::test_request_id_invoke': async (c) => {
    const name = c.name('test_lambda');
    await c.create(name, { Code: { ZipFile: c.archive('handler.py', REQUEST_ID_PY) } });
    const live: Answer = { invoke_result: await c.call(new InvokeCommand({ FunctionName: name })) };
    const requestId = String(c.lastRequestId());
    expectThat((live.invoke_result as Answer).Payload === `"${requestId}"`, 'the function answers its request id');
    const lines = await reportedLines(c, name, 'RequestId');
    expectThat(
      lines.every((line) => line.includes(requestId)),
      'every line names the request id',
    );
    live.log_entries = { logs: lines };
    return live;
  },
  'TestRequestIdHandling::test_request_id_invoke_url': async (c) => {
    const { name, live, result } = await urlFunction(c, "'hi'");
    live.lambda_url_invocation = {
      statuscode: result.status,
      headers: { 'x-amzn-RequestId': result.headers['x-amzn-requestid'] },
      content: text(result),
    };
    live.end_log_entries = (await reportedLines(c, name, 'RequestId')).filter((line) => line.startsWith('END'));
    return live;
  },
};

/** TestRequestIdHandling's test that waits out a retry, replayed on a clock the replay moves. */
export const TIMED_REQUEST_ID_CASES: Record<string, Replay> = {
  'TestRequestIdHandling::test_request_id_async_invoke_with_retry': async (c) => {
    const name = c.name('test_lambda');
    await c.create(name, { Code: { ZipFile: c.archive('handler.py', CONTEXT_PY) } });
    await c.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 1 }));
    await c.updated(name);
    const live: Answer = {
      invoke_result: await c.call(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: '{"fail": 1}' })),
    };
    const requestId = String(c.lastRequestId());
    await c.runUntilIdle(RETRY_MS);
    const reports = await logLines(c, name, 'REPORT');
    expectThat(reports.length === 2, `2 attempts, not ${reports.length}`);
    expectThat(
      reports.every((line) => line.includes(requestId)),
      "each attempt has the invocation's request id",
    );
    live.end_messages = (await logLines(c, name, 'END')).map((line) => line.trimEnd());
    return live;
  },
};
