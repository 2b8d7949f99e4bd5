import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FunctionDefinition,
  FunctionRuntime,
  type InvokeOutcome,
  RUNTIME_ROOT,
} from '../../../local/lambda/runtime/function-runtime.js';
import { writeFiles } from '../../helpers/temp-folders.js';

const runtimes: FunctionRuntime[] = [];
const inProjectFolders: string[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  for (const folder of inProjectFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A function whose folder holds `files` (relative path -> content), written in a fresh temp folder. */
function fn(
  files: Record<string, string>,
  handler: string,
  overrides: Partial<FunctionDefinition> = {},
  logs: string[] = [],
  options: { insideProject?: boolean } = {},
): { runtime: FunctionRuntime; codePath: string } {
  // Inside the project, Node's own lookup would find the project's node_modules above the function folder.
  const codePath = mkdtempSync(path.join(options.insideProject ? RUNTIME_ROOT : tmpdir(), '.switchyard-handler-'));
  if (options.insideProject) inProjectFolders.push(codePath);
  writeFiles(codePath, files);
  const definition: FunctionDefinition = {
    name: 'resolution-fn',
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:resolution-fn',
    handler,
    runtime: 'nodejs24.x',
    architecture: 'arm64',
    codePath,
    timeoutSeconds: 10,
    memorySize: 128,
    environment: {},
    logGroupName: '/aws/lambda/resolution-fn',
    ...overrides,
  };
  const runtime = new FunctionRuntime(
    definition,
    (d) => ({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', ...d.environment }),
    (_name, line) => logs.push(line),
  );
  runtimes.push(runtime);
  return { runtime, codePath };
}

function payload(outcome: InvokeOutcome): unknown {
  if (!outcome.ok) throw new Error(`invocation failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
  return JSON.parse(outcome.payload);
}

/**
 * Invokes `files`' index.handler once with AWS_ENDPOINT_URL at a stand-in AWS endpoint on this
 * machine: each request, read to its end, is noted by `note` and answered `body` in AWS's JSON
 * protocol. Answers the invocation's payload and the endpoint's port; the endpoint is closed after.
 */
async function invokeAtEndpoint(
  note: (request: IncomingMessage) => void,
  body: string,
  files: Record<string, string>,
  overrides: Partial<FunctionDefinition> = {},
): Promise<{ answer: unknown; port: number }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      note(request);
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const { runtime } = fn(files, 'index.handler', { ...overrides, environment: { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` } });
    return { answer: payload(await runtime.invoke({})), port };
  } finally {
    server.close();
  }
}

describe('FunctionRuntime handler resolution', () => {
  it('runs a CommonJS index.js bundle, as CDK NodejsFunction builds by default', async () => {
    const { runtime } = fn(
      { 'index.js': `exports.handler = async (event) => ({ kind: typeof require, echo: event.x });` },
      'index.handler',
    );
    expect(payload(await runtime.invoke({ x: 1 }))).toEqual({ kind: 'function', echo: 1 });
  });

  it('runs index.js as an ES module when the nearest package.json says type module', async () => {
    const { runtime } = fn(
      { 'package.json': '{"type":"module"}', 'index.js': `export const handler = async () => typeof import.meta.url;` },
      'index.handler',
    );
    expect(payload(await runtime.invoke({}))).toBe('string');
  });

  it('runs .mjs and .cjs files when no .js file exists', async () => {
    const mjs = fn({ 'app.mjs': `export const handler = async () => 'mjs';` }, 'app.handler').runtime;
    const cjs = fn({ 'app.cjs': `module.exports.handler = async () => 'cjs';` }, 'app.handler').runtime;
    expect(payload(await mjs.invoke({}))).toBe('mjs');
    expect(payload(await cjs.invoke({}))).toBe('cjs');
  });

  it('prefers .js over .mjs over .cjs, as the runtime interface client looks them up', async () => {
    const { runtime } = fn(
      {
        'app.js': `exports.handler = async () => 'js';`,
        'app.mjs': `export const handler = async () => 'mjs';`,
        'app.cjs': `exports.handler = async () => 'cjs';`,
      },
      'app.handler',
    );
    expect(payload(await runtime.invoke({}))).toBe('js');
  });

  it('finds a handler in nested folders and a nested export', async () => {
    const nested = fn({ 'src/handlers/app.js': `exports.handler = async () => 'nested';` }, 'src/handlers/app.handler').runtime;
    const member = fn({ 'index.js': `exports.api = { v1: { get: async () => 'member' } };` }, 'index.api.v1.get').runtime;
    expect(payload(await nested.invoke({}))).toBe('nested');
    expect(payload(await member.invoke({}))).toBe('member');
  });

  it('fails with Runtime.ImportModuleError when the handler file does not exist, logging the init error', async () => {
    const logs: string[] = [];
    const { runtime } = fn({ 'other.js': '' }, 'index.handler', {}, logs);
    const outcome = await runtime.invoke({});
    expect(outcome).toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringContaining("Error: Cannot find module 'index'") },
    });
    expect(logs.some((l) => l.includes('\tERROR\tUncaught Exception') && l.includes('Runtime.ImportModuleError'))).toBe(true);
    expect(logs.some((l) => l.startsWith('INIT_REPORT Init Duration:') && l.endsWith('Error Type: Runtime.ImportModuleError'))).toBe(true);
  });

  it('fails with Runtime.HandlerNotFound when the export is missing or not a function', async () => {
    const missing = fn({ 'index.js': `exports.other = async () => 1;` }, 'index.handler').runtime;
    const notFunction = fn({ 'index.js': `exports.handler = 42;` }, 'index.handler').runtime;
    await expect(missing.invoke({})).resolves.toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.handler is undefined or not exported' },
    });
    await expect(notFunction.invoke({})).resolves.toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.handler is not a function' },
    });
  });

  it('fails with Runtime.UserCodeSyntaxError when the module does not parse', async () => {
    const { runtime } = fn({ 'index.js': `exports.handler = async () => {;` }, 'index.handler');
    await expect(runtime.invoke({})).resolves.toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.UserCodeSyntaxError', errorMessage: expect.stringMatching(/^SyntaxError: /) },
    });
  });

  it('fails with Runtime.MalformedHandlerName for a handler without a dot or with ..', async () => {
    const noDot = fn({ 'index.js': '' }, 'index').runtime;
    const parent = fn({ 'index.js': '' }, '../index.handler').runtime;
    await expect(noDot.invoke({})).resolves.toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.MalformedHandlerName', errorMessage: 'Bad handler' },
    });
    await expect(parent.invoke({})).resolves.toMatchObject({ ok: false, error: { errorType: 'Runtime.MalformedHandlerName' } });
  });

  it('fails a callback-style handler on nodejs24.x with Runtime.CallbackHandlerDeprecated', async () => {
    const { runtime } = fn({ 'index.js': `exports.handler = (event, context, callback) => callback(null, 1);` }, 'index.handler');
    await expect(runtime.invoke({})).resolves.toMatchObject({ ok: false, error: { errorType: 'Runtime.CallbackHandlerDeprecated' } });
  });

  it('runs callback-style handlers and context.succeed/fail on older Node.js runtimes', async () => {
    const callback = fn(
      { 'index.js': `exports.handler = (event, context, callback) => setTimeout(() => callback(null, { n: event.n + 1 }), 5);` },
      'index.handler',
      { runtime: 'nodejs20.x' },
    ).runtime;
    const fail = fn({ 'index.js': `exports.handler = (event, context) => { context.fail(new Error('nope')); };` }, 'index.handler', {
      runtime: 'nodejs18.x',
    }).runtime;
    expect(payload(await callback.invoke({ n: 1 }))).toEqual({ n: 2 });
    await expect(fail.invoke({})).resolves.toMatchObject({ ok: false, error: { errorType: 'Error', errorMessage: 'nope' } });
  });

  it('answers a nodejs12.x handler that returns nothing once its event loop is empty, with null, as that runtime does', async () => {
    const logs: string[] = [];
    const { runtime } = fn(
      { 'index.js': `exports.handler = (event, context) => { setTimeout(() => console.log('written'), 50); };` },
      'index.handler',
      { runtime: 'nodejs12.x' },
      logs,
    );
    await expect(runtime.invoke({})).resolves.toMatchObject({ ok: true, payload: 'null' });
    expect(logs.some((line) => line.includes('written'))).toBe(true);
  });

  it("waits for the event loop to empty before answering a callback's result, unless callbackWaitsForEmptyEventLoop is false", async () => {
    const logs: string[] = [];
    const waits = fn(
      {
        'index.js': `exports.handler = (event, context, callback) => { setTimeout(() => console.log('after'), 50); callback(null, 'early'); };`,
      },
      'index.handler',
      { runtime: 'nodejs20.x' },
      logs,
    ).runtime;
    await expect(waits.invoke({})).resolves.toMatchObject({ ok: true, payload: '"early"' });
    expect(logs.some((line) => line.includes('after'))).toBe(true);

    const quick: string[] = [];
    const doesNotWait = fn(
      {
        'index.js': `exports.handler = (event, context, callback) => {
          context.callbackWaitsForEmptyEventLoop = false;
          setTimeout(() => console.log('later'), 300);
          callback(null, 'now');
        };`,
      },
      'index.handler',
      { runtime: 'nodejs20.x' },
      quick,
    ).runtime;
    await expect(doesNotWait.invoke({})).resolves.toMatchObject({ ok: true, payload: '"now"' });
    expect(quick.some((line) => line.includes('later'))).toBe(false);
  });

  it('answers context.succeed and a returned promise at once, and ignores what a handler that is not async returns', async () => {
    const logs: string[] = [];
    const succeed = fn(
      { 'index.js': `exports.handler = (event, context) => { setTimeout(() => console.log('later'), 300); context.succeed('done'); };` },
      'index.handler',
      { runtime: 'nodejs16.x' },
      logs,
    ).runtime;
    await expect(succeed.invoke({})).resolves.toMatchObject({ ok: true, payload: '"done"' });
    expect(logs.some((line) => line.includes('later'))).toBe(false);

    const returns = fn({ 'index.js': `exports.handler = (event) => 'ignored';` }, 'index.handler', { runtime: 'nodejs20.x' }).runtime;
    await expect(returns.invoke({})).resolves.toMatchObject({ ok: true, payload: 'null' });
  });

  it('runs a response-streaming handler (awslambda.streamifyResponse), answering with what it wrote', async () => {
    const { runtime } = fn(
      {
        'index.mjs': `export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
          responseStream.write('hello ');
          await new Promise((r) => setTimeout(r, 5));
          responseStream.write(event.name);
          responseStream.end();
        });`,
      },
      'index.handler',
    );
    await expect(runtime.invoke({ name: 'Ada' })).resolves.toMatchObject({ ok: true, payload: 'hello Ada' });
  });

  it('fails with an explanation when code on nodejs18.x or later requires aws-sdk (v2), which only nodejs16.x and older provided', async () => {
    const { runtime } = fn({ 'index.js': `const AWS = require('aws-sdk'); exports.handler = async () => 1;` }, 'index.handler', {
      runtime: 'nodejs20.x',
    });
    const outcome = await runtime.invoke({});
    expect(outcome).toMatchObject({ ok: false, error: { errorType: 'Runtime.ImportModuleError' } });
    expect(outcome.ok ? '' : outcome.error.errorMessage).toContain(
      'SDK for JavaScript v2 came with the nodejs16.x and older runtimes only',
    );
  });

  it("reaches the local endpoint for operations AWS serves on a prefixed host (Step Functions' sync- for StartSyncExecution)", async () => {
    const hosts: string[] = [];
    const answer = '{"executionArn":"arn:aws:states:us-east-1:000000000000:express:m:e:1","startDate":0,"stopDate":0,"status":"SUCCEEDED"}';
    const { answer: status, port } = await invokeAtEndpoint((request) => hosts.push(`${request.headers.host}`), answer, {
      'index.js': `const { SFNClient, StartSyncExecutionCommand } = require('@aws-sdk/client-sfn');
            exports.handler = async () => (await new SFNClient({}).send(new StartSyncExecutionCommand({
              stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:m' }))).status;`,
    });
    expect(status).toBe('SUCCEEDED');
    expect(hosts).toEqual([`sync-127.0.0.1:${port}`]);
  });

  it('gives code on nodejs16.x and older the AWS SDK v2 those runtimes shipped, pointed at the local endpoint', async () => {
    const requests: string[] = [];
    // The v2 SDK's SQS client speaks SQS's JSON protocol, as v3 does.
    const listed = await invokeAtEndpoint(
      (request) => requests.push(`${request.headers['x-amz-target']}`),
      '{"QueueUrls":[]}',
      {
        // A client module alone (no require('aws-sdk') first) must see the local endpoint too.
        'index.js': `const SQS = require('aws-sdk/clients/sqs');
            exports.handler = async () => { await new SQS({ region: 'us-east-1' }).listQueues({}).promise(); return 'listed'; };`,
      },
      { runtime: 'nodejs16.x' },
    );
    expect(listed.answer).toBe('listed');
    expect(requests).toEqual(['AmazonSQS.ListQueues']);
  });

  it('lets unbundled code load the AWS SDK v3 the managed runtime provides, pointed at the local endpoint', async () => {
    const requests: string[] = [];
    const loaded = await invokeAtEndpoint((request) => requests.push(`${request.headers['x-amz-target']}`), '{"QueueUrls":[]}', {
      'index.js': `const { SQSClient, ListQueuesCommand } = require('@aws-sdk/client-sqs');
            const { marshall } = require('@aws-sdk/util-dynamodb');
            exports.handler = async () => {
              const listed = await new SQSClient({}).send(new ListQueuesCommand({}));
              return { item: marshall({ a: 1 }), queues: listed.QueueUrls };
            };`,
    });
    expect(loaded.answer).toEqual({ item: { a: { N: '1' } }, queues: [] });
    expect(requests).toEqual(['AmazonSQS.ListQueues']);
    const esm = fn(
      {
        'index.mjs': `import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
          export const handler = async () => typeof DynamoDBDocumentClient.from;`,
      },
      'index.handler',
    ).runtime;
    expect(payload(await esm.invoke({}))).toBe('function');
  });

  it('runs a CommonJS bundle that sits under a project whose package.json says type module (cdk.out inside the project)', async () => {
    const { runtime } = fn({ 'index.js': `exports.handler = async () => typeof module.exports;` }, 'index.handler', {}, [], {
      insideProject: true,
    });
    expect(payload(await runtime.invoke({}))).toBe('object');
  });

  it('prefers the copy a function bundles over the runtime SDK', async () => {
    const { runtime } = fn(
      {
        'node_modules/@aws-sdk/client-sqs/package.json': '{"name":"@aws-sdk/client-sqs","main":"index.js"}',
        'node_modules/@aws-sdk/client-sqs/index.js': `exports.bundled = true;`,
        'index.js': `exports.handler = async () => require('@aws-sdk/client-sqs').bundled === true;`,
      },
      'index.handler',
    );
    expect(payload(await runtime.invoke({}))).toBe(true);
  });

  it('fails with Runtime.ImportModuleError when CommonJS code requires a package it did not bundle', async () => {
    // jsonata is installed in this project's node_modules, above the function folder, as for a cdk.out inside a project.
    const { runtime } = fn(
      { 'index.js': `const jsonata = require('jsonata'); exports.handler = async () => 1;` },
      'index.handler',
      {},
      [],
      { insideProject: true },
    );
    await expect(runtime.invoke({})).resolves.toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringContaining("Cannot find module 'jsonata'") },
    });
  });

  it('fails when an ES module imports a package it did not bundle, with the error Node gives (as Lambda reports it)', async () => {
    const { runtime } = fn({ 'index.mjs': `import 'jsonata'; export const handler = async () => 1;` }, 'index.handler', {}, [], {
      insideProject: true,
    });
    await expect(runtime.invoke({})).resolves.toMatchObject({
      ok: false,
      error: { errorType: 'Error', errorMessage: expect.stringContaining("Cannot find package 'jsonata'") },
    });
  });

  it("fails with Runtime.ImportModuleError and Node's message when the runtime's SDK has no such package, as Lambda's does", async () => {
    const { runtime } = fn({ 'index.js': `require('@aws-sdk/client-nonexistent'); exports.handler = async () => 1;` }, 'index.handler');
    const outcome = await runtime.invoke({});
    expect(outcome).toMatchObject({ ok: false, error: { errorType: 'Runtime.ImportModuleError' } });
    expect(outcome.ok ? '' : outcome.error.errorMessage).toMatch(
      /^Error: Cannot find module '@aws-sdk\/client-nonexistent'\nRequire stack:\n- \S+index\.js$/,
    );
    expect(outcome.ok ? [] : outcome.error.trace?.[0]).toBe(
      `Runtime.ImportModuleError: ${outcome.ok ? '' : outcome.error.errorMessage.split('\n')[0]}`,
    );
  });

  it('resolves packages from a layer folder (nodejs/node_modules), after the function folder', async () => {
    const layer = mkdtempSync(path.join(tmpdir(), 'switchyard-layer-'));
    mkdirSync(path.join(layer, 'nodejs', 'node_modules', 'shared-lib'), { recursive: true });
    writeFileSync(path.join(layer, 'nodejs', 'node_modules', 'shared-lib', 'index.js'), `exports.hello = () => 'from layer';`);
    const { runtime } = fn({ 'index.js': `exports.handler = async () => require('shared-lib').hello();` }, 'index.handler', {
      layers: [layer],
    });
    expect(payload(await runtime.invoke({}))).toBe('from layer');
  });

  it("lets CommonJS code with a layer require what the layer lacks: the runtime's SDK, and Node's Cannot find module for the rest", async () => {
    // Powertools' example app: a bundle that leaves @aws-lambda-powertools/* to the layer and requires @aws-sdk/util-dynamodb.
    const layer = mkdtempSync(path.join(tmpdir(), 'switchyard-layer-'));
    mkdirSync(path.join(layer, 'nodejs', 'node_modules', 'shared-lib'), { recursive: true });
    writeFileSync(path.join(layer, 'nodejs', 'node_modules', 'shared-lib', 'index.js'), `exports.hello = () => 'from layer';`);
    const { runtime } = fn(
      {
        'index.js': `const { marshall } = require('@aws-sdk/util-dynamodb');
          exports.handler = async () => {
            let missing;
            try { require('not-in-any-layer'); } catch (error) { missing = error.code; }
            return { layer: require('shared-lib').hello(), item: marshall({ a: 1 }), missing };
          };`,
      },
      'index.handler',
      { layers: [layer] },
    );
    expect(payload(await runtime.invoke({}))).toEqual({ layer: 'from layer', item: { a: { N: '1' } }, missing: 'MODULE_NOT_FOUND' });
  });

  it('reports the Init Duration on the first REPORT of an execution environment only', async () => {
    const logs: string[] = [];
    const { runtime } = fn({ 'index.js': `exports.handler = async () => 1;` }, 'index.handler', {}, logs);
    await runtime.invoke({});
    await runtime.invoke({});
    const reports = logs.filter((l) => l.startsWith('REPORT RequestId:'));
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatch(/\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms\t$/);
    expect(reports[1]).not.toContain('Init Duration');
  });

  it('reports a slow module load as Init Duration, not as the Duration of the first invocation', async () => {
    const logs: string[] = [];
    const { runtime } = fn(
      { 'index.mjs': `await new Promise((r) => setTimeout(r, 300)); export const handler = async () => 1;` },
      'index.handler',
      {},
      logs,
    );
    await runtime.invoke({});
    const [report] = logs.filter((l) => l.startsWith('REPORT RequestId:'));
    expect(Number(/\tDuration: ([\d.]+) ms/.exec(report ?? '')?.[1])).toBeLessThan(250);
    expect(Number(/\tInit Duration: ([\d.]+) ms/.exec(report ?? '')?.[1])).toBeGreaterThanOrEqual(290);
  });

  it('fails if the function declares a runtime other than Node.js or Python, with InvalidRuntimeException', async () => {
    const { runtime } = fn({ 'index.rb': 'def handler(event:, context:) 1 end' }, 'index.handler', { runtime: 'ruby3.3' });
    await expect(runtime.invoke({})).rejects.toMatchObject({ code: 'InvalidRuntimeException', status: 502 });
  });
});
