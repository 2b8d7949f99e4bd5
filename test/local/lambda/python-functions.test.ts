import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { localPython } from '../../../local/lambda/runtime/hosts/python-interpreter.js';
import { zip } from '../../helpers/zip-archive.js';
import { synthesizedIn } from '../assembly.js';
import { eventually, processAlive, region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

const python = localPython();
if (!python) console.warn('Python functions: skipped, no python3 on PATH (nor SWITCHYARD_PYTHON) to run them on');

/** Writes `files` (relative path -> content) under a fresh folder and returns it. */
function folder(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'switchyard-py-src-'));
  writeFiles(root, files);
  return root;
}

const ORDERS = `import json, logging, os
import boto3
from greeting import greet

logger = logging.getLogger()
logger.setLevel(logging.INFO)
sqs = boto3.client("sqs")

def handler(event, context):
    print("handling", json.dumps(event))
    logger.info("order %s", event.get("orderId"))
    if event.get("fail"):
        raise ValueError("no stock for " + event["orderId"])
    if event.get("sleep"):
        import time
        time.sleep(event["sleep"])
    if event.get("queueUrl"):
        sent = sqs.send_message(QueueUrl=event["queueUrl"], MessageBody=greet(event["orderId"]))
        return {"messageId": sent["MessageId"]}
    if event.get("set"):
        return {1, 2}
    return {
        "greeting": greet(event.get("orderId")),
        "pid": os.getpid(),
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "identity": context.identity.cognito_identity_id,
        "client_context": None if context.client_context is None else context.client_context.custom,
        "env": {k: os.environ.get(k) for k in ("_HANDLER", "AWS_EXECUTION_ENV", "LAMBDA_TASK_ROOT", "STAGE", "AWS_REGION")},
    }
`;

import { writeFiles } from '../../helpers/temp-folders.js';

/**
 * An app as CDK users write one with Python functions: a Code.fromAsset folder of .py files with
 * its handler in a package, a layer of Python modules, a queue the function may send to, one it
 * may not; and a function whose handler module does not exist.
 */
function synthApp(outdir: string): void {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Py', { env: { account: '000000000000', region } });
  const granted = new sqs.Queue(stack, 'Granted', { queueName: 'py-granted' });
  new sqs.Queue(stack, 'Refused', { queueName: 'py-refused' });
  const layer = new lambda.LayerVersion(stack, 'Greeting', {
    code: lambda.Code.fromAsset(folder({ 'python/greeting.py': 'def greet(name):\n    return "hello " + str(name)\n' })),
  });
  const orders = new lambda.Function(stack, 'Orders', {
    functionName: 'py-orders',
    runtime: lambda.Runtime.PYTHON_3_12,
    handler: 'handlers.orders.handler',
    code: lambda.Code.fromAsset(folder({ 'handlers/__init__.py': '', 'handlers/orders.py': ORDERS })),
    layers: [layer],
    timeout: Duration.seconds(2),
    environment: { STAGE: 'local' },
  });
  granted.grantSendMessages(orders);
  new lambda.Function(stack, 'Broken', {
    functionName: 'py-broken',
    runtime: lambda.Runtime.PYTHON_3_12,
    handler: 'missing.handler',
    code: lambda.Code.fromAsset(folder({ 'app.py': 'def handler(event, context):\n    return 1\n' })),
  });
  app.synth();
}

const payloadOf = (output: InvokeCommandOutput) => JSON.parse(Buffer.from(output.Payload ?? new Uint8Array()).toString('utf8'));

describe.skipIf(!python)('Python functions', () => {
  const logs: string[] = [];
  const local = restartableRuntime({
    assembly: () => synthesizedIn(synthApp),
    ownsAssembly: true,
    options: { iam: 'enforce', logEvents: true, log: (line) => logs.push(line) },
    clients: ({ url }) => ({ client: new LambdaClient({ ...sdkConfig(url), maxAttempts: 1 }) }),
  });

  const invoke = (FunctionName: string, event: unknown, extra: Partial<ConstructorParameters<typeof InvokeCommand>[0]> = {}) =>
    local.client.send(new InvokeCommand({ FunctionName, Payload: JSON.stringify(event), ...extra }));

  it('answers an invocation with the context fields and environment a Python function has in Lambda, its layer on its path', async () => {
    const clientContext = Buffer.from(JSON.stringify({ custom: { tenant: 'a' } })).toString('base64');
    const output = await invoke('py-orders', { orderId: 'o-1' }, { ClientContext: clientContext });
    expect(output.FunctionError).toBeUndefined();
    const payload = payloadOf(output);
    expect(payload).toMatchObject({
      greeting: 'hello o-1',
      aws_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      function_name: 'py-orders',
      function_version: '$LATEST',
      invoked_function_arn: `arn:aws:lambda:${region}:000000000000:function:py-orders`,
      memory_limit_in_mb: '128',
      log_group_name: '/aws/lambda/py-orders',
      log_stream_name: expect.stringMatching(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/),
      identity: null,
      client_context: { tenant: 'a' },
      env: { _HANDLER: 'handlers.orders.handler', AWS_EXECUTION_ENV: 'AWS_Lambda_python3.12', STAGE: 'local', AWS_REGION: region },
    });
    expect(payload.remaining).toBeGreaterThan(1000);
    expect(payload.remaining).toBeLessThanOrEqual(2000);
  });

  it("answers a raised exception with Lambda's Python error payload and the Unhandled function error", async () => {
    const output = await invoke('py-orders', { orderId: 'o-2', fail: true });
    expect(output.FunctionError).toBe('Unhandled');
    const payload = payloadOf(output);
    expect(Object.keys(payload)).toEqual(['errorMessage', 'errorType', 'requestId', 'stackTrace']);
    expect(payload).toMatchObject({ errorMessage: 'no stock for o-2', errorType: 'ValueError', requestId: output.$metadata.requestId });
    expect(payload.stackTrace).toEqual([
      expect.stringMatching(
        /^ {2}File ".*handlers\/orders\.py", line \d+, in handler\n {4}raise ValueError\("no stock for " \+ event\["orderId"\]\)\n$/,
      ),
    ]);
    // The text as the runtime interface client writes it, with its JSON encoder's separators.
    expect(new TextDecoder().decode(output.Payload)).toMatch(
      /^\{"errorMessage": "no stock for o-2", "errorType": "ValueError", "requestId": "/,
    );
  });

  it('fails if the result is not JSON-serializable, with Runtime.MarshalError', async () => {
    const output = await invoke('py-orders', { orderId: 'o-3', set: true });
    expect(payloadOf(output)).toMatchObject({
      errorType: 'Runtime.MarshalError',
      errorMessage: 'Unable to marshal response: Object of type set is not JSON serializable',
    });
  });

  it('fails if the handler module cannot be imported, with Runtime.ImportModuleError at init', async () => {
    const output = await invoke('py-broken', {});
    expect(output.FunctionError).toBe('Unhandled');
    expect(new TextDecoder().decode(output.Payload)).toBe(
      '{"errorMessage": "Unable to import module \'missing\': No module named \'missing\'", "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}',
    );
    expect(logs).toContainEqual(
      "[py-broken] [ERROR] Runtime.ImportModuleError: Unable to import module 'missing': No module named 'missing'\nTraceback (most recent call last):",
    );
    expect(logs).toContainEqual(expect.stringMatching(/^\[py-broken\] INIT_REPORT .*\tError Type: Runtime\.ImportModuleError$/));
  });

  it('fails if the function runs past its timeout, its process killed, and the next invocation gets a new environment', async () => {
    const { pid } = payloadOf(await invoke('py-orders', { orderId: 'o-4' }));
    const output = await invoke('py-orders', { orderId: 'o-4', sleep: 5 });
    expect(payloadOf(output)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${output.$metadata.requestId} Error: Task timed out after 2.00 seconds`,
    });
    await eventually(async () => !processAlive(pid) || undefined, 5_000, `the timed-out environment's process ${pid} to end`);
    const next = await invoke('py-orders', { orderId: 'o-5' }, { LogType: 'Tail' });
    expect(payloadOf(next)).toMatchObject({ greeting: 'hello o-5' });
    expect(payloadOf(next).pid).not.toBe(pid);
    expect(Buffer.from(next.LogResult ?? '', 'base64').toString('utf8')).toMatch(/\tInit Duration: [\d.]+ ms/);
  });

  it("writes print() lines and the root logger's lines in Lambda's format to the function's log", async () => {
    const output = await invoke('py-orders', { orderId: 'o-6' }, { LogType: 'Tail' });
    const tail = Buffer.from(output.LogResult ?? '', 'base64').toString('utf8');
    expect(tail).toContain('handling {"orderId": "o-6"}\n');
    expect(tail).toMatch(
      new RegExp(`\\n\\[INFO\\]\\t\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${output.$metadata.requestId}\\torder o-6\\n`),
    );
  });

  it("calls the local runtime with boto3 as the function's role, which may send to one queue and not the other", async () => {
    const sent = payloadOf(await invoke('py-orders', { orderId: 'o-7', queueUrl: `${local.runtime.url}/000000000000/py-granted` }));
    expect(sent).toEqual({ messageId: expect.any(String) });
    const sqsClient = new SQSClient(sdkConfig(local.runtime.url));
    const body = await eventually(async () => {
      const { Messages = [] } = await sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: `${local.runtime.url}/000000000000/py-granted`, WaitTimeSeconds: 1 }),
      );
      return Messages[0]?.Body;
    }, 10_000);
    sqsClient.destroy();
    expect(body).toBe('hello o-7');
    const refused = payloadOf(await invoke('py-orders', { orderId: 'o-8', queueUrl: `${local.runtime.url}/000000000000/py-refused` }));
    expect(refused).toMatchObject({ errorType: 'ClientError', errorMessage: expect.stringContaining('AccessDenied') });
  });

  it('answers a DryRun with 204 and runs an Event invocation after answering 202', async () => {
    expect((await invoke('py-orders', {}, { InvocationType: 'DryRun' })).StatusCode).toBe(204);
    const queueUrl = `${local.runtime.url}/000000000000/py-granted`;
    expect((await invoke('py-orders', { orderId: 'o-9', queueUrl }, { InvocationType: 'Event' })).StatusCode).toBe(202);
    const sqsClient = new SQSClient(sdkConfig(local.runtime.url));
    const body = await eventually(async () => {
      const { Messages = [] } = await sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
      );
      return Messages.find((message) => message.Body === 'hello o-9')?.Body;
    }, 10_000);
    sqsClient.destroy();
    expect(body).toBe('hello o-9');
  });

  it('runs a function CreateFunction made from a zip of a .py file', async () => {
    await local.client.send(
      new CreateFunctionCommand({
        FunctionName: 'py-created',
        Runtime: 'python3.12',
        Handler: 'lambda_function.lambda_handler',
        Role: 'arn:aws:iam::000000000000:role/py-created',
        Code: { ZipFile: zip([{ path: 'lambda_function.py', body: 'def lambda_handler(event, context):\n    return {"echo": event}\n' }]) },
      }),
    );
    await eventually(
      async () =>
        (await local.client.send(new GetFunctionCommand({ FunctionName: 'py-created' }))).Configuration?.State === 'Active' || undefined,
      10_000,
    );
    expect(payloadOf(await invoke('py-created', { n: 1 }))).toEqual({ echo: { n: 1 } });
  });

  /** A function of 2 s whose process can be held up before its handler runs, or once its answer is ready (`holdAfter`). */
  const HELD = `import os, resource, signal

def lambda_handler(event, context):
    if event.get("holdAfter"):
        # The bootstrap asks for the memory used once the answer is ready, before sending it: held up there, as a slow socket would hold the answer.
        getrusage = resource.getrusage
        def held(who):
            resource.getrusage = getrusage
            os.kill(os.getpid(), signal.SIGSTOP)
            return getrusage(who)
        resource.getrusage = held
    return {"pid": os.getpid(), "remaining": context.get_remaining_time_in_millis(), "group": os.getpgid(0)}
`;
  /** Whether the process is stopped (SIGSTOP), from its state in /proc. */
  const stopped = (pid: number) => /^\d+ \(.*\) T /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  const holdUp = async (pid: number) => {
    await eventually(async () => stopped(pid) || undefined, 10_000, `process ${pid} to stop`);
    // Longer than the function's timeout.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    process.kill(pid, 'SIGCONT');
  };

  it("counts the timeout from the handler's start to its answer, not the event's way in or the answer's way out", async () => {
    await local.client.send(
      new CreateFunctionCommand({
        FunctionName: 'py-held',
        Runtime: 'python3.12',
        Handler: 'lambda_function.lambda_handler',
        Role: 'arn:aws:iam::000000000000:role/py-held',
        Timeout: 2,
        Code: { ZipFile: zip([{ path: 'lambda_function.py', body: HELD }]) },
      }),
    );
    await eventually(
      async () =>
        (await local.client.send(new GetFunctionCommand({ FunctionName: 'py-held' }))).Configuration?.State === 'Active' || undefined,
      10_000,
    );
    const { pid } = payloadOf(await invoke('py-held', {}));
    // Stopped, the process takes the event only once it goes on, as a loaded machine's slow transfer would hold it.
    process.kill(pid, 'SIGSTOP');
    const before = invoke('py-held', {});
    await holdUp(pid);
    const answeredBefore = await before;
    expect(answeredBefore.FunctionError).toBeUndefined();
    expect(payloadOf(answeredBefore)).toMatchObject({ pid, remaining: expect.any(Number) });
    expect(payloadOf(answeredBefore).remaining).toBeGreaterThan(0);
    const after = invoke('py-held', { holdAfter: true });
    await holdUp(pid);
    const answeredAfter = await after;
    expect(answeredAfter.FunctionError).toBeUndefined();
    expect(payloadOf(answeredAfter)).toMatchObject({ pid, remaining: expect.any(Number) });
  });

  it("runs each environment's process in a process group of its own: Ctrl-C in a terminal stops the runtime, which ends it, and is not a KeyboardInterrupt in it", async () => {
    const { pid, group } = payloadOf(await invoke('py-held', {}));
    expect(group).toBe(pid);
  });

  it('names the Python the functions run on in the start-up report, and that a python3.12 function runs on it', async () => {
    const lines = (await local.runtime.serviceReports()).flatMap((report) => report.lines ?? []);
    expect(lines).toContainEqual(expect.stringContaining(`Python functions run on Python ${python?.version} (${python?.executable})`));
    if (python?.version !== '3.12') {
      expect(local.runtime.warnings).toContainEqual(
        expect.stringMatching(/^functions py-orders \(python3\.12\), py-broken \(python3\.12\) declare another Python runtime/),
      );
    }
  });
});
