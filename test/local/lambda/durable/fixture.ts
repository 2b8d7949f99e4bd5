import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { tempAssemblyDir, writeAssembly } from '../../assembly.js';
import { assetFunction } from '../../template-resources.js';

/**
 * A hand-written app with one durable function whose handler uses the real SDK
 * (`@aws/durable-execution-sdk-js` from the project's node_modules, as the managed runtime
 * provides it): it steps, retries a failing step, waits, waits for a callback and steps
 * again. Each step's side effect is a line appended to `effects` (a file), so a test can
 * count how often each ran; the callback's id goes there too, for the test to send it.
 */
export const ORDER_FLOW = `
import { appendFileSync, readFileSync } from 'node:fs';
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

const file = process.env.EFFECTS_FILE;
const effect = (line) => appendFileSync(file, line + '\\n');
const count = (line) => readFileSync(file, 'utf8').split('\\n').filter((l) => l === line).length;

export const handler = withDurableExecution(async (event, context) => {
  const reserved = await context.step('reserve', async () => {
    effect('reserve ' + event.orderId);
    return { orderId: event.orderId, reserved: true };
  });
  const charged = await context.step(
    'charge',
    async () => {
      effect('charge-attempt ' + event.orderId);
      if (count('charge-attempt ' + event.orderId) < 2) throw new Error('card declined');
      effect('charge ' + event.orderId);
      return 'charged';
    },
    { retryStrategy: (error, attempt) => ({ shouldRetry: attempt < 3, delay: { seconds: 1 } }) },
  );
  await context.wait('cool-off', { seconds: 1 });
  const approval = await context.waitForCallback(
    'approval',
    async (callbackId) => {
      effect('callback ' + event.orderId + ' ' + callbackId);
    },
    { timeout: { minutes: 10 } },
  );
  const shipped = await context.step('ship', async () => {
    effect('ship ' + event.orderId);
    return 'shipped';
  });
  return { ...reserved, charged, approval: JSON.parse(approval), shipped };
});
`;

/** A handler that is not durable-aware enough: it suspends on a callback with no timeout, so only a callback or a stop ends it. */
export const CALLBACK_ONLY = `
import { withDurableExecution } from '@aws/durable-execution-sdk-js';
export const handler = withDurableExecution(async (event, context) => {
  const [promise, callbackId] = await context.createCallback('answer', { timeout: { seconds: event.timeoutSeconds ?? 600 } });
  await context.step('announce', async () => { process.stdout.write('CALLBACK ' + callbackId + '\\n'); return callbackId; });
  return await promise;
});
`;

/** A handler whose step returns more than a checkpoint may carry (256 KB). */
export const OVERSIZED_STEP = `
import { withDurableExecution } from '@aws/durable-execution-sdk-js';
export const handler = withDurableExecution(async (event, context) => {
  return await context.step('big', async () => 'x'.repeat(300 * 1024));
});
`;

/** A handler with a slow step (3 s) and a wait (3 s) between two steps: a kill can land inside either. */
export const SLOW_STEP_AND_WAIT = `
import { appendFileSync } from 'node:fs';
import { withDurableExecution } from '@aws/durable-execution-sdk-js';
const effect = (line) => appendFileSync(process.env.EFFECTS_FILE, line + '\\n');
export const handler = withDurableExecution(async (event, context) => {
  await context.step('slow', async () => {
    effect('slow-start ' + event.id);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    effect('slow-end ' + event.id);
  });
  await context.wait('pause', { seconds: 3 });
  return await context.step('after', async () => {
    effect('after ' + event.id);
    return 'done ' + event.id;
  });
});
`;

/**
 * A handler speaking the checkpoint protocol by hand, as the SDK does when an answer is
 * lost: it sends one checkpoint, sends it again with the same ClientToken (the spent token),
 * then the same updates with another ClientToken, and returns what each got.
 */
export const RESENT_CHECKPOINT = `
import { CheckpointDurableExecutionCommand, LambdaClient } from '@aws-sdk/client-lambda';
const lambda = new LambdaClient({ maxAttempts: 1 });
export const handler = async (event) => {
  const { DurableExecutionArn, CheckpointToken } = event;
  const start = [{ Id: 'once', Type: 'STEP', Action: 'START', Name: 'once' }];
  const send = (ClientToken, Updates, token = CheckpointToken) =>
    lambda.send(new CheckpointDurableExecutionCommand({ DurableExecutionArn, CheckpointToken: token, ClientToken, Updates }));
  const outcome = (sent) => sent.then(() => 'answered', (error) => error.name + ': ' + error.message);
  const first = await send('retry-1', start);
  const again = await send('retry-1', start);
  const otherToken = await outcome(send('retry-2', start));
  const otherUpdates = await outcome(send('retry-1', [{ ...start[0], Name: 'other' }]));
  const done = await send('retry-3', [{ Id: 'once', Type: 'STEP', Action: 'SUCCEED', Payload: '1' }], first.CheckpointToken);
  const body = ({ CheckpointToken, NewExecutionState }) => JSON.stringify({ CheckpointToken, NewExecutionState });
  const result = { sameAnswer: body(first) === body(again), otherToken, otherUpdates, next: typeof done.CheckpointToken };
  return { Status: 'SUCCEEDED', Result: JSON.stringify(result) };
};
`;

/**
 * A handler that chains invokes, as AWS's order-processing sample does: a plain function,
 * then a durable one that waits for a callback (its execution is found through the parent's
 * history, ChainedInvokeStartedDetails.DurableExecutionArn).
 */
export const CHAINED = `
import { withDurableExecution } from '@aws/durable-execution-sdk-js';
export const handler = withDurableExecution(async (event, context) => {
  const plain = await context.invoke('plain-call', 'plain', { from: 'chained' });
  const approval = await context.invoke('process-payment', 'callback-only:$LATEST', { timeoutSeconds: 600 });
  return { plain, approval };
});
`;

export interface DurableApp {
  readonly cdkOut: string;
  readonly effects: string;
}

/** Writes the app: `order-flow` (ORDER_FLOW), `callback-only` (CALLBACK_ONLY) and `oversized` (OVERSIZED_STEP), `slow-step-and-wait` (SLOW_STEP_AND_WAIT), `resent-checkpoint` (RESENT_CHECKPOINT), `chained` (CHAINED), durable, and `plain`, not durable. */
export function durableApp(options: { executionTimeoutSeconds?: number } = {}): DurableApp {
  const cdkOut = tempAssemblyDir();
  const effects = path.join(cdkOut, 'effects.log');
  writeFileSync(effects, '');
  for (const [asset, source] of [
    ['asset.order', ORDER_FLOW],
    ['asset.callback', CALLBACK_ONLY],
    ['asset.oversized', OVERSIZED_STEP],
    ['asset.slow', SLOW_STEP_AND_WAIT],
    ['asset.resent', RESENT_CHECKPOINT],
    ['asset.chained', CHAINED],
    ['asset.plain', 'export const handler = async (event) => ({ echoed: event });'],
  ] as const) {
    mkdirSync(path.join(cdkOut, asset));
    writeFileSync(path.join(cdkOut, asset, 'index.mjs'), source);
  }
  const durableConfig = { ExecutionTimeout: options.executionTimeoutSeconds ?? 600, RetentionPeriodInDays: 7 };
  const fn = (name: string, asset: string, durable: boolean) =>
    assetFunction(name, asset, {
      Timeout: 30,
      Environment: { Variables: { EFFECTS_FILE: effects } },
      ...(durable ? { DurableConfig: durableConfig } : {}),
    });
  writeAssembly(cdkOut, {
    Durable: {
      template: {
        Resources: {
          OrderFlow: fn('order-flow', 'asset.order', true),
          CallbackOnly: fn('callback-only', 'asset.callback', true),
          Oversized: fn('oversized', 'asset.oversized', true),
          SlowStepAndWait: fn('slow-step-and-wait', 'asset.slow', true),
          ResentCheckpoint: fn('resent-checkpoint', 'asset.resent', true),
          Chained: fn('chained', 'asset.chained', true),
          Plain: fn('plain', 'asset.plain', false),
        },
      },
    },
  });
  return { cdkOut, effects };
}

/** The side effects recorded so far, one line each. */
export function effectsOf(app: DurableApp): string[] {
  return readFileSync(app.effects, 'utf8').split('\n').filter(Boolean);
}

/** The callback id the flow of an order recorded, once it did. */
export function callbackIdOf(app: DurableApp, orderId: string): string | undefined {
  const line = effectsOf(app).find((l) => l.startsWith(`callback ${orderId} `));
  return line?.split(' ')[2];
}

/** That ORDER_FLOW's execution of `orderId` succeeded, every step done and the approval `approvedBy` gave in its result. */
export function expectOrderShipped(ended: { Status?: string; Result?: string }, orderId: string, approvedBy: string): void {
  expect(ended.Status).toBe('SUCCEEDED');
  expect(JSON.parse(ended.Result ?? '')).toEqual({
    orderId,
    reserved: true,
    charged: 'charged',
    approval: { approvedBy },
    shipped: 'shipped',
  });
}
