import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { localPython } from '../../../local/lambda/runtime/hosts/python-interpreter.js';
import { writeFiles } from '../../helpers/temp-folders.js';
import { synthesizedIn } from '../assembly.js';
import { credentials, eventually, region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

/** Writes `files` (relative path -> content) under a fresh folder and returns it. */
function folder(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'switchyard-cdk-src-'));
  writeFiles(root, files);
  return root;
}

/**
 * An app written the way CDK users write them, not with this project's constructs: a
 * NodejsFunction with CDK's defaults (a CommonJS bundle, the AWS SDK left out of it) behind
 * an EventBridge rule; a Code.fromAsset function on an older Node.js runtime with a layer
 * and an on-failure destination; a Python function with an SQS event source.
 */
function synthApp(outdir: string): void {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Plain', { env: { account: '000000000000', region: 'us-east-1' } });
  const results = new sqs.Queue(stack, 'Results', { queueName: 'plain-results' });
  const failures = new sqs.Queue(stack, 'Failures', { queueName: 'plain-failures' });

  const sender = new nodejs.NodejsFunction(stack, 'Sender', {
    entry: path.join(import.meta.dirname, 'fixtures', 'sqs-sender.ts'),
    runtime: lambda.Runtime.NODEJS_24_X,
    environment: { RESULTS_URL: results.queueUrl },
  });
  results.grantSendMessages(sender);
  new events.Rule(stack, 'ToSender', { eventPattern: { source: ['plain.app'] }, targets: [new targets.LambdaFunction(sender)] });

  const layer = new lambda.LayerVersion(stack, 'Greeting', {
    code: lambda.Code.fromAsset(folder({ 'nodejs/node_modules/greeting/index.js': `exports.greet = (name) => 'hello ' + name;` })),
    compatibleRuntimes: [lambda.Runtime.NODEJS_22_X],
  });
  new lambda.Function(stack, 'Failing', {
    functionName: 'plain-failing',
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'src/handlers/app.handler',
    code: lambda.Code.fromAsset(
      folder({
        'src/handlers/app.js': `const { greet } = require('greeting');
          exports.handler = async (event) => { throw new Error(greet(event.name) + ', I cannot do this'); };`,
      }),
    ),
    layers: [layer],
    timeout: Duration.seconds(5),
    retryAttempts: 0,
    onFailure: new destinations.SqsDestination(failures),
  });

  const resultsBus = new events.EventBus(stack, 'ResultsBus', { eventBusName: 'plain-results-bus' });
  const successes = new sqs.Queue(stack, 'Successes', { queueName: 'plain-successes' });
  new events.Rule(stack, 'SuccessRecords', {
    eventBus: resultsBus,
    eventPattern: { source: ['lambda'], detailType: ['Lambda Function Invocation Result - Success'] },
    targets: [new targets.SqsQueue(successes)],
  });
  new lambda.Function(stack, 'Doubler', {
    functionName: 'plain-doubler',
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async (event) => ({ doubled: event.n * 2 });'),
    onSuccess: new destinations.EventBridgeDestination(resultsBus),
  });

  const echoes = new sqs.Queue(stack, 'Echoes', { queueName: 'plain-echoes' });
  const echo = new lambda.Function(stack, 'Echo', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline(`const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
      const client = new SQSClient({});
      exports.handler = async (event) => {
        for (const record of event.Records)
          await client.send(new SendMessageCommand({ QueueUrl: process.env.ECHOES_URL, MessageBody: 'echo ' + record.body }));
      };`),
    environment: { ECHOES_URL: echoes.queueUrl },
  });
  const live = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: echo.currentVersion });
  live.addEventSource(new SqsEventSource(new sqs.Queue(stack, 'Inbox', { queueName: 'plain-inbox' })));

  const python = new lambda.Function(stack, 'Python', {
    functionName: 'plain-python',
    runtime: lambda.Runtime.PYTHON_3_13,
    handler: 'app.handler',
    code: lambda.Code.fromAsset(folder({ 'app.py': 'def handler(event, context):\n    return 1\n' })),
  });
  python.addEventSource(new SqsEventSource(new sqs.Queue(stack, 'PythonInbox', { queueName: 'plain-python-inbox' })));
  app.synth();
}

/** The machine's Python, which the Python function runs on (none: it is named at start-up and fails). */
const python = localPython();
const logs: string[] = [];
const local = restartableRuntime({
  assembly: () => synthesizedIn(synthApp),
  ownsAssembly: true,
  options: { logEvents: true, log: (line) => logs.push(line) },
  clients: ({ url }) => ({ sqsClient: new SQSClient(sdkConfig(url)), lambdaClient: new LambdaClient(sdkConfig(url)) }),
});

async function receive(queueName: string): Promise<string> {
  const queueUrl = `${local.runtime.url}/000000000000/${queueName}`;
  return eventually(
    async () => {
      const { Messages = [] } = await local.sqsClient.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
      return Messages[0]?.Body;
    },
    20_000,
    `a message in ${queueName}`,
  );
}

describe('LocalRuntime with a CDK app written with plain CDK constructs', () => {
  it('warns at start-up about the older Node.js runtime and the Python function on another Python, and nothing else', () => {
    const pythonWarnings =
      python === undefined
        ? [
            expect.stringMatching(
              /^function plain-python \(python3\.13\): Python functions run locally on the machine's python3, and none was found/,
            ),
          ]
        : python.version === '3.13'
          ? []
          : [
              expect.stringMatching(
                /^functions plain-python \(python3\.13\) declare another Python runtime than this machine's Python 3\.\d+/,
              ),
            ];
    expect(local.runtime.warnings).toEqual([
      expect.stringMatching(/^functions plain-failing \(nodejs22\.x\) declare another Node\.js runtime/),
      ...pythonWarnings,
    ]);
  });

  it('runs a default NodejsFunction bundle (CommonJS, SDK not bundled) from an EventBridge rule, asynchronously', async () => {
    const client = new EventBridgeClient({ endpoint: local.runtime.url, region, credentials });
    await client.send(new PutEventsCommand({ Entries: [{ Source: 'plain.app', DetailType: 'Ping', Detail: '{"n":7}' }] }));
    client.destroy();
    expect(JSON.parse(await receive('plain-results'))).toEqual({ n: 7 });
  });

  it('answers Invoke(Event) with 202 and sends the failure record, with the layer loaded, to the on-failure queue', async () => {
    const response = await local.lambdaClient.send(
      new InvokeCommand({ FunctionName: 'plain-failing', InvocationType: 'Event', Payload: JSON.stringify({ name: 'Ada' }) }),
    );
    expect(response.StatusCode).toBe(202);
    const record = JSON.parse(await receive('plain-failures'));
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        requestId: response.$metadata.requestId,
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:plain-failing:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 1,
      },
      requestPayload: { name: 'Ada' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'hello Ada, I cannot do this' },
    });
  });

  it('runs inline code and puts the success record on the destination bus, from source lambda', async () => {
    const response = await local.lambdaClient.send(
      new InvokeCommand({ FunctionName: 'plain-doubler', InvocationType: 'Event', Payload: JSON.stringify({ n: 21 }) }),
    );
    expect(response.StatusCode).toBe(202);
    expect(JSON.parse(await receive('plain-successes'))).toMatchObject({
      source: 'lambda',
      'detail-type': 'Lambda Function Invocation Result - Success',
      resources: [
        'arn:aws:events:us-east-1:000000000000:event-bus/plain-results-bus',
        'arn:aws:lambda:us-east-1:000000000000:function:plain-doubler:$LATEST',
      ],
      detail: {
        requestContext: { requestId: response.$metadata.requestId, condition: 'Success', approximateInvokeCount: 1 },
        requestPayload: { n: 21 },
        responseContext: { statusCode: 200, executedVersion: '$LATEST' },
        responsePayload: { doubled: 42 },
      },
    });
  });

  it('drains an SQS event source mapped to an alias into inline code that uses the runtime SDK', async () => {
    await local.sqsClient.send(new SendMessageCommand({ QueueUrl: `${local.runtime.url}/000000000000/plain-inbox`, MessageBody: 'hi' }));
    expect(await receive('plain-echoes')).toBe('echo hi');
  });

  it.skipIf(python === undefined)('runs a Python function of a Code.fromAsset folder, and its SQS event source mapping', async () => {
    const output = await local.lambdaClient.send(new InvokeCommand({ FunctionName: 'plain-python', Payload: '{}' }));
    expect(Buffer.from(output.Payload ?? new Uint8Array()).toString('utf8')).toBe('1');
    expect(logs).not.toContainEqual(expect.stringMatching(/^\[plain-python\] event source mapping \S+ is not run/));
  });
});
