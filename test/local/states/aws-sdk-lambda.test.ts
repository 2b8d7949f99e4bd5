import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACCOUNT, catchInto, caught, createStates, REGION, runCaughtTask, runTaskState, type TestStates } from './helpers.js';

let t: TestStates;
afterEach(async () => t?.close());

const FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:classify`;

describe('aws-sdk:lambda integrations', () => {
  it('invokes the function and answers Invoke: the Payload as text, no SDK metadata', async () => {
    t = await createStates();
    t.lambda.handler = (_name, event) => ({ queue: 'billing', saw: event });
    const { status, result } = await runTaskState(
      t.states,
      {
        Resource: 'arn:aws:states:::aws-sdk:lambda:invoke',
        Parameters: { FunctionName: FUNCTION, 'Payload.$': '$' },
        ResultSelector: {
          'StatusCode.$': '$.StatusCode',
          'ExecutedVersion.$': '$.ExecutedVersion',
          'Payload.$': 'States.StringToJson($.Payload)',
        },
      },
      { ticketId: 'T-1' },
    );
    expect(status).toBe('SUCCEEDED');
    expect(t.lambda.calls).toEqual([{ name: FUNCTION, event: { ticketId: 'T-1' } }]);
    expect(result).toEqual({ StatusCode: 200, ExecutedVersion: '$LATEST', Payload: { queue: 'billing', saw: { ticketId: 'T-1' } } });
  });

  it('passes DurableExecutionName on to Lambda, which runs a durable function’s execution of that name once', async () => {
    t = await createStates();
    const { status } = await runTaskState(
      t.states,
      {
        Resource: 'arn:aws:states:::aws-sdk:lambda:invoke',
        Parameters: { FunctionName: `${FUNCTION}:$LATEST`, 'DurableExecutionName.$': "States.Format('item-{}', $.id)", 'Payload.$': '$' },
      },
      { id: 7 },
    );
    expect(status).toBe('SUCCEEDED');
    expect(t.lambda.options[0]).toMatchObject({ durableExecutionName: 'item-7' });
  });

  it('answers a function error as FunctionError beside the error payload, as the API does, without failing the task', async () => {
    t = await createStates();
    t.lambda.handler = () => {
      throw Object.assign(new Error('model down'), { name: 'ModelUnavailable' });
    };
    const { status, result } = await runTaskState(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:lambda:invoke',
      Parameters: { FunctionName: FUNCTION, Payload: '{"a":1}' },
    });
    expect(status).toBe('SUCCEEDED');
    expect(result).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(JSON.parse(String(result?.Payload))).toMatchObject({ errorType: 'ModelUnavailable', errorMessage: 'model down' });
  });

  it('accepts an Event invocation with 202 and runs the function in the background', async () => {
    t = await createStates();
    let release: () => void = () => {};
    const ran = new Promise<void>((resolve) => {
      release = resolve;
    });
    t.lambda.handler = async () => {
      await ran;
      return 'done';
    };
    const { status, result } = await runTaskState(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:lambda:invoke',
      Parameters: { FunctionName: FUNCTION, InvocationType: 'Event', Payload: { a: 1 } },
    });
    expect(status).toBe('SUCCEEDED');
    expect(result).toEqual({ Payload: '', StatusCode: 202 });
    await vi.waitFor(() => expect(t.lambda.calls).toEqual([{ name: FUNCTION, event: { a: 1 } }]));
    release();
  });

  it('fails with Lambda.ResourceNotFoundException for a function that does not exist', async () => {
    t = await createStates();
    const { result } = await runCaughtTask(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:lambda:invoke',
      Parameters: { FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:missing` },
      ...catchInto('Lambda.ResourceNotFoundException'),
    });
    const error = caught(result);
    expect(error.Error).toBe('Lambda.ResourceNotFoundException');
    expect(error.Cause).toMatch(
      /^Function not found: \S+ \(Service: Lambda, Status Code: 404, Request ID: [0-9a-f-]{36}\) \(SDK Attempt Count: 1\)$/,
    );
  });

  it('does not run invokeAsync, which AWS does not offer as an SDK integration', async () => {
    t = await createStates();
    const { status, error, cause } = await runTaskState(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:lambda:invokeAsync',
      Parameters: { FunctionName: FUNCTION, InvokeArgs: '{}' },
    });
    expect(status).toBe('FAILED');
    expect(error).toBe('States.Runtime');
    expect(cause).toContain('AWS does not offer lambda:invokeAsync as an SDK integration');
    expect(t.lambda.calls).toEqual([]);
  });
});
