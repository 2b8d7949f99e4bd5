import {
  CheckpointDurableExecutionCommand,
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  LambdaClient,
  ListDurableExecutionsByFunctionCommand,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackHeartbeatCommand,
  SendDurableExecutionCallbackSuccessCommand,
  StopDurableExecutionCommand,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../../local/runtime.js';
import { credentials, disposableData, eventually, region } from '../../helpers.js';
import { restartableRuntime, sdkConfig } from '../../restartable-runtime.js';
import { durableApp } from './fixture.js';

const local = restartableRuntime({
  assembly: () => durableApp().cdkOut,
  options: { log: (line) => logs.push(line), logEvents: true },
  clients: ({ url }) => ({ lambda: new LambdaClient({ ...sdkConfig(url), maxAttempts: 1 }) }),
});
const logs: string[] = [];

const payload = (value: unknown) => Buffer.from(JSON.stringify(value));

/** Starts a `callback-only` execution asynchronously and waits for its callback id (the handler prints it). */
async function waitingExecution(name: string, timeoutSeconds = 600): Promise<{ arn: string; callbackId: string }> {
  const before = logs.join('\n').match(/CALLBACK \S+/g)?.length ?? 0;
  const { DurableExecutionArn = '' } = await local.lambda.send(
    new InvokeCommand({
      FunctionName: 'callback-only:$LATEST',
      InvocationType: 'Event',
      DurableExecutionName: name,
      Payload: payload({ timeoutSeconds }),
    }),
  );
  const callbackId = await eventually(async () =>
    logs
      .join('\n')
      .match(/CALLBACK (\S+)/g)
      ?.[before]?.slice('CALLBACK '.length),
  );
  return { arn: DurableExecutionArn, callbackId };
}

async function endOf(arn: string) {
  return eventually(async () => {
    const execution = await local.lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
    return execution.Status === 'RUNNING' ? undefined : execution;
  }, 30_000);
}

describe('Lambda durable functions execution timeout', () => {
  it('ends an execution past its DurableConfig ExecutionTimeout as TIMED_OUT', async () => {
    const app = durableApp({ executionTimeoutSeconds: 2 });
    const short = await LocalRuntime.start({ cdkOut: app.cdkOut, ...disposableData(), port: 0, log: () => {} });
    try {
      const client = new LambdaClient({ endpoint: short.url, region, credentials, maxAttempts: 1 });
      const { DurableExecutionArn: arn } = await client.send(
        new InvokeCommand({ FunctionName: 'callback-only:$LATEST', InvocationType: 'Event', Payload: payload({ timeoutSeconds: 600 }) }),
      );
      const ended = await eventually(async () => {
        const execution = await client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
        return execution.Status === 'RUNNING' ? undefined : execution;
      }, 15_000);
      expect(ended.Status).toBe('TIMED_OUT');
      const { Events = [] } = await client.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn }));
      expect(Events.at(-1)?.EventType).toBe('ExecutionTimedOut');
    } finally {
      await short.stop();
    }
  }, 30_000);
});

describe('Lambda durable functions', () => {
  it('fails if a durable function is invoked by an unqualified name or ARN', async () => {
    for (const FunctionName of ['order-flow', 'arn:aws:lambda:us-east-1:000000000000:function:order-flow']) {
      await expect(local.lambda.send(new InvokeCommand({ FunctionName, Payload: payload({}) }))).rejects.toMatchObject({
        name: 'InvalidParameterValueException',
        message: expect.stringContaining('You cannot invoke a durable function using an unqualified ARN'),
        $metadata: { httpStatusCode: 400 },
      });
    }
    const { DurableExecutions = [] } = await local.lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'order-flow' }));
    expect(DurableExecutions).toEqual([]);
  });

  it('fails if an execution name is reused with another input', async () => {
    const { arn, callbackId } = await waitingExecution('reused');
    await expect(
      local.lambda.send(
        new InvokeCommand({
          FunctionName: 'callback-only:$LATEST',
          InvocationType: 'Event',
          DurableExecutionName: 'reused',
          Payload: payload({ other: 1 }),
        }),
      ),
    ).rejects.toMatchObject({ name: 'DurableExecutionAlreadyStartedException', $metadata: { httpStatusCode: 409 } });
    await local.lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: Buffer.from('done') }));
    expect((await endOf(arn)).Status).toBe('SUCCEEDED');
  });

  it('fails if a durable execution ARN lacks its execution id, with the ValidationException quoting the pattern Lambda checks', async () => {
    const partial = 'arn:aws:lambda:us-east-1:000000000000:function:callback-only:$LATEST/durable-execution/my-run';
    for (const send of [
      () => local.lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: partial })),
      () => local.lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: partial })),
    ]) {
      await expect(send()).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining(
          `1 validation error detected: Value '${partial}' at 'durableExecutionArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:([a-zA-Z0-9-]+):lambda:`,
        ),
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it('fails if a callback id does not exist', async () => {
    await expect(
      local.lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: 'bm90LWEtY2FsbGJhY2s=', Result: Buffer.from('x') })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    // The id's pattern is the model's: refused as Lambda refuses a path label that breaks its constraints.
    await expect(local.lambda.send(new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: 'not valid!' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("at 'callbackId' failed to satisfy constraint"),
    });
  });

  it('fails if a callback is already closed, and with CallbackTimeoutException if it timed out', async () => {
    const { arn, callbackId } = await waitingExecution('closed');
    await local.lambda.send(
      new SendDurableExecutionCallbackFailureCommand({ CallbackId: callbackId, Error: { ErrorType: 'Rejected', ErrorMessage: 'no' } }),
    );
    const ended = await endOf(arn);
    expect(ended.Status).toBe('FAILED');
    expect(ended.Error).toMatchObject({ ErrorMessage: 'no' });
    await expect(
      local.lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: Buffer.from('late') })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('is closed'),
    });

    const timed = await waitingExecution('timed-out', 1);
    expect((await endOf(timed.arn)).Status).toBe('FAILED');
    await expect(
      local.lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: timed.callbackId, Result: Buffer.from('late') })),
    ).rejects.toMatchObject({
      name: 'CallbackTimeoutException',
    });
  }, 30_000);

  it('fails the execution whose step returns more than a checkpoint may carry, with the checkpoint’s error', async () => {
    const answer = await local.lambda.send(new InvokeCommand({ FunctionName: 'oversized:$LATEST', Payload: payload({}) }));
    expect(answer.FunctionError).toBe('Unhandled');
    const execution = await local.lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: answer.DurableExecutionArn }));
    expect(execution.Status).toBe('FAILED');
    expect(execution.Error?.ErrorMessage).toMatch(/Checkpoint failed: .*at most 262144 are allowed/);
  }, 30_000);

  it('answers a checkpoint sent again with its ClientToken with the first answer, applying it once', async () => {
    const answer = await local.lambda.send(new InvokeCommand({ FunctionName: 'resent-checkpoint:$LATEST', Payload: payload({}) }));
    expect(answer.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(answer.Payload ?? []).toString())).toEqual({
      sameAnswer: true,
      // The spent token is honoured only for the request it was spent on, under its ClientToken.
      otherToken: expect.stringMatching(/^InvalidParameterValueException: Invalid Checkpoint Token/),
      otherUpdates: expect.stringMatching(/^InvalidParameterValueException: Invalid Checkpoint Token/),
      next: 'string',
    });
    const { Events = [] } = await local.lambda.send(
      new GetDurableExecutionHistoryCommand({ DurableExecutionArn: answer.DurableExecutionArn }),
    );
    expect(Events.filter((e) => e.EventType === 'StepStarted')).toHaveLength(1);
  }, 30_000);

  it('fails a checkpoint with a spent token, and answers StopDurableExecution with the execution STOPPED', async () => {
    const { arn } = await waitingExecution('stopped');
    await expect(
      local.lambda.send(new CheckpointDurableExecutionCommand({ DurableExecutionArn: arn, CheckpointToken: 'c3BlbnQ=', Updates: [] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringMatching(/^Invalid Checkpoint Token/) });
    const stopped = await local.lambda.send(
      new StopDurableExecutionCommand({ DurableExecutionArn: arn, Error: { ErrorMessage: 'by hand' } }),
    );
    expect(stopped.StopTimestamp).toBeInstanceOf(Date);
    const execution = await local.lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
    expect(execution).toMatchObject({ Status: 'STOPPED', Error: { ErrorMessage: 'by hand' } });
    await expect(local.lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: `${arn}0` }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
