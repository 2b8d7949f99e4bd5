import {
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListDurableExecutionsByFunctionCommand,
  SendDurableExecutionCallbackSuccessCommand,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { durableExecutionEnded } from '../../../helpers/durable-executions.js';
import { eventually } from '../../helpers.js';
import { restartableRuntime, sdkConfig } from '../../restartable-runtime.js';
import { callbackIdOf, type DurableApp, durableApp, effectsOf, expectOrderShipped } from './fixture.js';

const local = restartableRuntime({
  assembly: () => {
    app = durableApp();
    return app.cdkOut;
  },
  options: { log: (line) => logs.push(line), logEvents: true },
  clients: ({ url }) => ({ lambda: new LambdaClient({ ...sdkConfig(url), maxAttempts: 1 }) }),
});
let app: DurableApp;
const logs: string[] = [];

const payload = (value: unknown) => Buffer.from(JSON.stringify(value));
const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('Lambda durable functions', () => {
  it('runs steps, a retried step, a wait and a callback to SUCCEEDED, each side effect once, invoked asynchronously by name', async () => {
    const started = await local.lambda.send(
      new InvokeCommand({
        FunctionName: 'order-flow:$LATEST',
        InvocationType: 'Event',
        DurableExecutionName: 'order-1',
        Payload: payload({ orderId: 'o1' }),
      }),
    );
    expect(started.StatusCode).toBe(202);
    const arn = started.DurableExecutionArn ?? '';
    expect(arn).toMatch(/^arn:aws:lambda:us-east-1:\d{12}:function:order-flow:\$LATEST\/durable-execution\/order-1\/[0-9a-f-]{36}$/);

    const callbackId = await eventually(async () => callbackIdOf(app, 'o1'), 30_000, 'the callback id');
    const waiting = await local.lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
    expect(waiting.Status).toBe('RUNNING');

    await local.lambda.send(
      new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: payload({ approvedBy: 'ana' }) }),
    );
    const ended = await durableExecutionEnded(local.lambda, arn, 'the execution to end');

    expectOrderShipped(ended, 'o1', 'ana');
    expect(ended.DurableExecutionName).toBe('order-1');
    expect(ended.FunctionArn).toMatch(/:function:order-flow:\$LATEST$/);
    const effects = effectsOf(app).filter((l) => l.includes('o1'));
    expect(effects.filter((l) => !l.startsWith('callback'))).toEqual([
      'reserve o1',
      'charge-attempt o1',
      'charge-attempt o1',
      'charge o1',
      'ship o1',
    ]);

    const { Events = [] } = await local.lambda.send(
      new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, IncludeExecutionData: true }),
    );
    const types = Events.map((e) => e.EventType);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(types).toEqual(
      expect.arrayContaining(['StepFailed', 'WaitStarted', 'WaitSucceeded', 'CallbackStarted', 'CallbackSucceeded', 'InvocationCompleted']),
    );
    expect(Events.map((e) => e.EventId)).toEqual(Events.map((_, i) => i + 1));

    const { DurableExecutions = [] } = await local.lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'order-flow' }));
    expect(DurableExecutions.map((e) => [e.DurableExecutionName, e.Status])).toContainEqual(['order-1', 'SUCCEEDED']);
  }, 60_000);

  it('answers a synchronous invoke with the execution result, and a second invoke by the same name and input with the same execution', async () => {
    const invoke = () =>
      local.lambda.send(
        new InvokeCommand({
          FunctionName: 'callback-only:$LATEST',
          DurableExecutionName: 'same-name',
          Payload: payload({ timeoutSeconds: 600 }),
        }),
      );
    const first = invoke();
    const arn = await eventually(async () => {
      const { DurableExecutions = [] } = await local.lambda.send(
        new ListDurableExecutionsByFunctionCommand({ FunctionName: 'callback-only', DurableExecutionName: 'same-name' }),
      );
      return DurableExecutions[0]?.DurableExecutionArn;
    });
    const second = invoke();
    const callbackId = await eventually(async () => logs.join('\n').match(/CALLBACK (\S+)/)?.[1], 30_000, 'the callback id');
    await local.lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: Buffer.from('yes') }));
    const [a, b] = await Promise.all([first, second]);
    expect(a.DurableExecutionArn).toBe(arn);
    expect(b.DurableExecutionArn).toBe(arn);
    expect(text(a.Payload)).toBe('"yes"');
    expect(text(b.Payload)).toBe('"yes"');
    const { DurableExecutions = [] } = await local.lambda.send(
      new ListDurableExecutionsByFunctionCommand({ FunctionName: 'callback-only' }),
    );
    expect(DurableExecutions.filter((e) => e.DurableExecutionName === 'same-name')).toHaveLength(1);
  }, 60_000);

  it('names the execution an in-process invocation asks for, once, as Step Functions’ aws-sdk:lambda:invoke passes DurableExecutionName', async () => {
    const byName = { durableExecutionName: 'from-a-state-machine' };
    await local.runtime.lambda.invokeAsync('callback-only:$LATEST', { timeoutSeconds: 600 }, byName);
    await local.runtime.lambda.invokeAsync('callback-only:$LATEST', { timeoutSeconds: 600 }, byName);
    const { DurableExecutions = [] } = await local.lambda.send(
      new ListDurableExecutionsByFunctionCommand({ FunctionName: 'callback-only', DurableExecutionName: 'from-a-state-machine' }),
    );
    expect(DurableExecutions).toHaveLength(1);
  });

  it('starts an execution when an event source or EventBridge target invokes the function by a qualified ARN, and refuses an unqualified one', async () => {
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:callback-only';
    // EventBridge, SNS and S3 invoke asynchronously; event sources and Step Functions synchronously, in process.
    await local.runtime.lambda.invokeAsync(`${arn}:$LATEST`, { timeoutSeconds: 600, from: 'events' });
    await expect(local.runtime.lambda.invokeAsync(arn, { from: 'events' })).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
    });
    await expect(local.runtime.lambda.invoke('callback-only', { from: 'sqs' })).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
    });
    const started = await eventually(async () => {
      const { DurableExecutions = [] } = await local.lambda.send(
        new ListDurableExecutionsByFunctionCommand({ FunctionName: 'callback-only' }),
      );
      const execution = DurableExecutions.find((e) => e.Status === 'RUNNING');
      return execution && (await local.lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: execution.DurableExecutionArn })));
    });
    expect(JSON.parse(started.InputPayload ?? '')).toEqual({ timeoutSeconds: 600, from: 'events' });
  });

  it('names the execution a chained invoke started and the version it ran in the parent’s history, as AWS’s order-processing sample reads them', async () => {
    const started = await local.lambda.send(
      new InvokeCommand({
        FunctionName: 'chained:$LATEST',
        InvocationType: 'Event',
        DurableExecutionName: 'order-2',
        Payload: payload({}),
      }),
    );
    const parent = started.DurableExecutionArn ?? '';
    const history = async (arn: string) =>
      (await local.lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, IncludeExecutionData: true }))).Events ??
      [];
    const payment = await eventually(
      async () => (await history(parent)).find((e) => e.Name === 'process-payment')?.ChainedInvokeStartedDetails,
      30_000,
      'the chained invoke of the payment',
    );
    const plainCall = (await history(parent)).find((e) => e.Name === 'plain-call')?.ChainedInvokeStartedDetails;
    expect(plainCall).toEqual({ FunctionName: 'plain', Input: { Payload: '{"from":"chained"}' }, ExecutedVersion: '$LATEST' });
    expect(payment).toMatchObject({ FunctionName: 'callback-only:$LATEST', ExecutedVersion: '$LATEST' });
    const child = payment.DurableExecutionArn ?? '';
    expect(child).toMatch(
      /^arn:aws:lambda:us-east-1:\d{12}:function:callback-only:\$LATEST\/durable-execution\/[a-f0-9]{64}\/[0-9a-f-]{36}$/,
    );

    const callbackId = await eventually(
      async () => (await history(child)).find((e) => e.EventType === 'CallbackStarted')?.CallbackStartedDetails?.CallbackId,
      30_000,
      'the payment’s callback',
    );
    await local.lambda.send(
      new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: payload({ approved: true }) }),
    );
    const ended = await durableExecutionEnded(local.lambda, parent, 'the parent to end');
    expect(ended.Status).toBe('SUCCEEDED');
    expect(JSON.parse(ended.Result ?? '')).toEqual({ plain: { echoed: { from: 'chained' } }, approval: '{"approved":true}' });
    const { DurableExecutions = [] } = await local.lambda.send(
      new ListDurableExecutionsByFunctionCommand({ FunctionName: 'callback-only' }),
    );
    expect(DurableExecutions.filter((e) => e.DurableExecutionArn === child).map((e) => e.Status)).toEqual(['SUCCEEDED']);
  }, 60_000);

  it('reports DurableConfig in GetFunctionConfiguration, with the default retention when the template has none', async () => {
    const config = await local.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'order-flow' }));
    expect(config.DurableConfig).toEqual({ ExecutionTimeout: 600, RetentionPeriodInDays: 7 });
    const plain = await local.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'plain' }));
    expect(plain.DurableConfig).toBeUndefined();
  });
});
