import { afterEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import { ACCOUNT, catchInto, caught, createStates, FakeLambda, REGION, runCaughtTask, runTaskState, type TestStates } from './helpers.js';

let t: TestStates;
afterEach(async () => t?.close());

const FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:notify`;

/** Lambda with an asynchronous queue: Event invocations are accepted into it, never run in the caller. */
class QueueingLambda extends FakeLambda {
  readonly accepted: { name: string; event: unknown }[] = [];

  async invokeAsync(name: string, event: unknown): Promise<{ requestId: string }> {
    if (name.endsWith(':missing')) throw new AwsError('ResourceNotFoundException', `Function not found: ${name}`, 404);
    this.accepted.push({ name, event });
    return { requestId: `req-${this.accepted.length}` };
  }
}

async function withQueueingLambda(): Promise<QueueingLambda> {
  const lambda = new QueueingLambda();
  t = await createStates({ neighbours: { lambda } });
  return lambda;
}

describe('Event invocations from Step Functions', () => {
  it('lambda:invoke hands an Event invocation to Lambda’s asynchronous queue and answers 202 with its request id', async () => {
    const lambda = await withQueueingLambda();
    const { status, result } = await runTaskState(
      t.states,
      { Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: FUNCTION, InvocationType: 'Event', 'Payload.$': '$' } },
      { order: 1 },
    );
    expect(status).toBe('SUCCEEDED');
    expect(lambda.accepted).toEqual([{ name: FUNCTION, event: { order: 1 } }]);
    expect(lambda.calls).toEqual([]);
    expect(result).toMatchObject({
      Payload: '',
      StatusCode: 202,
      SdkHttpMetadata: { HttpStatusCode: 202, HttpHeaders: { 'x-amzn-RequestId': 'req-1' } },
      SdkResponseMetadata: { RequestId: 'req-1' },
    });
  });

  it('fails lambda:invoke with Lambda.ResourceNotFoundException when Lambda does not accept the event', async () => {
    await withQueueingLambda();
    const { result } = await runCaughtTask(t.states, {
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:missing`, InvocationType: 'Event' },
      ...catchInto('Lambda.ResourceNotFoundException'),
    });
    expect(caught(result).Error).toBe('Lambda.ResourceNotFoundException');
    expect(caught(result).Cause).toMatch(/\(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; /);
  });

  it('aws-sdk:lambda:invoke hands an Event invocation to the asynchronous queue too', async () => {
    const lambda = await withQueueingLambda();
    const { status, result } = await runTaskState(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:lambda:invoke',
      Parameters: { FunctionName: FUNCTION, InvocationType: 'Event', Payload: '{"a":1}' },
    });
    expect(status).toBe('SUCCEEDED');
    expect(result).toEqual({ Payload: '', StatusCode: 202 });
    expect(lambda.accepted).toEqual([{ name: FUNCTION, event: { a: 1 } }]);
    expect(lambda.calls).toEqual([]);

    const missing = await runCaughtTask(
      t.states,
      {
        Resource: 'arn:aws:states:::aws-sdk:lambda:invoke',
        Parameters: { FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:missing`, InvocationType: 'Event' },
        ...catchInto('Lambda.ResourceNotFoundException'),
      },
      {},
      'missing',
    );
    expect(caught(missing.result).Error).toBe('Lambda.ResourceNotFoundException');
  });
});
