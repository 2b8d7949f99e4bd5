import { copyFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { CloudDurableTestRunner, LocalDurableTestRunner, WaitingOperationStatus } from '@aws/durable-execution-sdk-js-testing';
import { InvocationType, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../../local/runtime.js';
import type { TemplateResource } from '../../../../local/template/cloud-assembly.js';
import { tempAssemblyDir, writeAssembly } from '../../assembly.js';
import { credentials, region, tempDataDir } from '../../helpers.js';

/**
 * The SDK's own test runners on the same handlers: `CloudDurableTestRunner` against the
 * local endpoint (it invokes the function and reads the execution back from its history,
 * as against AWS) and `LocalDurableTestRunner` in process (the SDK's in-memory backend).
 * Both must agree: status, result, error and the operations with their status.
 */
const HANDLERS = ['steps-and-child-context', 'retries', 'wait', 'map-and-parallel', 'failing', 'invoke', 'callback'] as const;
const folder = path.join(import.meta.dirname, 'conformance');

let runtime: LocalRuntime;
let lambda: LambdaClient;

beforeAll(async () => {
  const cdkOut = tempAssemblyDir();
  const resources: Record<string, TemplateResource> = {};
  for (const name of [...HANDLERS, 'doubler'] as const) {
    mkdirSync(path.join(cdkOut, `asset.${name}`));
    copyFileSync(path.join(folder, `${name}.mjs`), path.join(cdkOut, `asset.${name}`, 'index.mjs'));
    resources[name.replaceAll('-', '')] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: name,
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Timeout: 30,
        Code: { S3Bucket: 'b', S3Key: `${name}.zip` },
        ...(name === 'doubler' ? {} : { DurableConfig: { ExecutionTimeout: 300 } }),
      },
      Metadata: { 'aws:asset:path': `asset.${name}`, 'aws:asset:property': 'Code' },
    };
  }
  writeAssembly(cdkOut, { Conformance: { template: { Resources: resources } } });
  runtime = await LocalRuntime.start({ cdkOut, dataDir: tempDataDir(), port: 0, log: () => {} });
  lambda = new LambdaClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  // Without skipTime: it fakes the timers, the local runtime's too.
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
});
afterAll(async () => {
  await LocalDurableTestRunner.teardownTestEnvironment();
  await runtime?.stop();
});

type Execution = Awaited<ReturnType<CloudDurableTestRunner<unknown>['run']>>;

/** What both runners must agree on. */
function outcome(execution: Execution) {
  const error = execution.getStatus() === 'SUCCEEDED' ? undefined : execution.getError();
  return {
    status: execution.getStatus(),
    result: execution.getStatus() === 'SUCCEEDED' ? execution.getResult() : undefined,
    error: error && { errorType: error.errorType, errorMessage: error.errorMessage },
    operations: execution.getOperations().map((op) => [op.getName(), op.getType(), op.getStatus()]),
  };
}

/** Runs an execution; the `callback` handler's `approval` is approved once it has started. */
async function run(
  runner: CloudDurableTestRunner<unknown> | LocalDurableTestRunner<unknown>,
  payload: unknown,
  name: string,
): Promise<Execution> {
  const approval = name === 'callback' ? runner.getOperation('approval') : undefined;
  const running = runner.run({ payload });
  if (approval) {
    await approval.waitForData(WaitingOperationStatus.STARTED);
    await approval.sendCallbackSuccess('yes');
  }
  return running;
}

describe('Lambda durable functions conformance', () => {
  it.each(HANDLERS)(
    'gives the SDK’s CloudDurableTestRunner the same outcome for %s as its LocalDurableTestRunner',
    async (name) => {
      const payload = { name: 'ana' };
      const cloud = await run(
        new CloudDurableTestRunner({
          functionName: `${name}:$LATEST`,
          client: lambda,
          config: { pollInterval: 200, invocationType: name === 'callback' ? InvocationType.Event : InvocationType.RequestResponse },
        }),
        payload,
        name,
      );
      const { handler } = (await import(path.join(folder, `${name}.mjs`))) as { handler: never };
      const { handler: doubler } = (await import(path.join(folder, 'doubler.mjs'))) as { handler: never };
      const local = await run(new LocalDurableTestRunner({ handlerFunction: handler }).registerFunction('doubler', doubler), payload, name);
      expect(outcome(cloud)).toEqual(outcome(local));
      expect(cloud.getStatus()).toBe(name === 'failing' ? 'FAILED' : 'SUCCEEDED');
    },
    60_000,
  );
});
