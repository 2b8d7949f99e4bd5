import * as path from 'node:path';
import { CloudDurableTestRunner, LocalDurableTestRunner, WaitingOperationStatus } from '@aws/durable-execution-sdk-js-testing';
import { InvocationType, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DurableApp, type Execution, outcome, startDurableApp } from './sdk-runners.js';

/**
 * The SDK's own test runners on the same handlers: `CloudDurableTestRunner` against the
 * local endpoint (it invokes the function and reads the execution back from its history,
 * as against AWS) and `LocalDurableTestRunner` in process (the SDK's in-memory backend).
 * Both must agree: status, result, error and the operations with their status.
 */
const HANDLERS = ['steps-and-child-context', 'retries', 'wait', 'map-and-parallel', 'failing', 'invoke', 'callback'] as const;
const folder = path.join(import.meta.dirname, 'conformance');

let app: DurableApp;
let lambda: LambdaClient;

beforeAll(async () => {
  app = await startDurableApp([
    ...HANDLERS.map((name) => ({ name, file: path.join(folder, `${name}.mjs`) })),
    { name: 'doubler', file: path.join(folder, 'doubler.mjs'), durable: false },
  ]);
  lambda = app.lambda;
});
afterAll(async () => {
  await app?.stop();
});

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
      const { handler } = (await import(path.join(folder, `${name}.mjs`))) as { handler: never };
      const { handler: doubler } = (await import(path.join(folder, 'doubler.mjs'))) as { handler: never };
      // Side by side: neither runner shares anything with the other, and each waits out the handler's retry delays and waits in real time.
      const [cloud, local] = await Promise.all([
        run(
          new CloudDurableTestRunner({
            functionName: `${name}:$LATEST`,
            client: lambda,
            config: { pollInterval: 200, invocationType: name === 'callback' ? InvocationType.Event : InvocationType.RequestResponse },
          }),
          payload,
          name,
        ),
        run(new LocalDurableTestRunner({ handlerFunction: handler }).registerFunction('doubler', doubler), payload, name),
      ]);
      expect(outcome(cloud)).toEqual(outcome(local));
      expect(cloud.getStatus()).toBe(name === 'failing' ? 'FAILED' : 'SUCCEEDED');
    },
    60_000,
  );
});
