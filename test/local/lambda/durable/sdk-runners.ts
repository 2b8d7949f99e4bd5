import { copyFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { CloudDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';
import { LocalDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LocalRuntime } from '../../../../local/runtime.js';
import type { TemplateResource } from '../../../../local/template/cloud-assembly.js';
import { tempAssemblyDir, writeAssembly } from '../../assembly.js';
import { credentials, disposableData, region } from '../../helpers.js';
import { assetFunction } from '../../template-resources.js';

/**
 * The fixture the SDK-runner conformance tests share: an app whose functions are single
 * `.mjs` handlers, each deployed as its own asset, started on the local runtime, with a
 * Lambda client for `CloudDurableTestRunner` and the SDK's in-process environment set up
 * for `LocalDurableTestRunner`. One runtime per test file.
 */
export interface HandlerFunction {
  /** The function's name, which is also its asset's name. */
  name: string;
  /** The `.mjs` file to deploy as `index.mjs`. */
  file: string;
  /** With `DurableConfig` (the default) or a plain function (an invoke target). */
  durable?: boolean;
}

export interface DurableApp {
  runtime: LocalRuntime;
  lambda: LambdaClient;
  stop(): Promise<void>;
}

export async function startDurableApp(functions: readonly HandlerFunction[]): Promise<DurableApp> {
  const cdkOut = tempAssemblyDir();
  const resources: Record<string, TemplateResource> = {};
  for (const { name, file, durable = true } of functions) {
    mkdirSync(path.join(cdkOut, `asset.${name}`));
    copyFileSync(file, path.join(cdkOut, `asset.${name}`, 'index.mjs'));
    resources[name.replaceAll('-', '')] = assetFunction(name, `asset.${name}`, {
      Timeout: 30,
      ...(durable ? { DurableConfig: { ExecutionTimeout: 300 } } : {}),
    });
  }
  writeAssembly(cdkOut, { Conformance: { template: { Resources: resources } } });
  const runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => {} });
  const lambda = new LambdaClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  // Without skipTime: it fakes the timers, the local runtime's too.
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
  return {
    runtime,
    lambda,
    async stop() {
      await LocalDurableTestRunner.teardownTestEnvironment();
      await runtime.stop();
    },
  };
}

export type Execution = Awaited<ReturnType<CloudDurableTestRunner<unknown>['run']>>;

/** What both runners must agree on: status, result, error and the operations with their status, in order. */
export function outcome(execution: Execution) {
  const error = execution.getStatus() === 'SUCCEEDED' ? undefined : execution.getError();
  return {
    status: execution.getStatus(),
    result: execution.getStatus() === 'SUCCEEDED' ? execution.getResult() : undefined,
    error: error && { errorType: error.errorType, errorMessage: error.errorMessage },
    operations: execution.getOperations().map((op) => [op.getName(), op.getType(), op.getStatus()]),
  };
}
