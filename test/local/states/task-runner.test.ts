import { afterEach, describe, expect, it, vi } from 'vitest';
import { realSleep } from '../../../local/states/engine/index.js';
import { parseResource } from '../../../local/states/task-runner.js';
import {
  ACCOUNT,
  callbackState,
  createMachine,
  createStates,
  errorCode,
  executionArn,
  finished,
  historyTypes,
  machineArn,
  REGION,
  type TestStates,
  tokenSentTo,
} from './helpers.js';

let t: TestStates;
afterEach(async () => t?.close());

/** Runs a one-Task machine with this state and input; answers the execution's description. */
async function runTask(state: Record<string, unknown>, input: unknown = {}, name = 'run') {
  const stateMachineArn = await createMachine(t.states, `m-${name}`, {
    StartAt: 'Task',
    States: { Task: { Type: 'Task', End: true, ...state } },
  });
  const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name, input: JSON.stringify(input) });
  const described = await finished(t.states, arn);
  return {
    ...described,
    arn,
    result: described.output === undefined ? undefined : (JSON.parse(described.output) as Record<string, unknown>),
  };
}

async function taskEvent(arn: string, type: string): Promise<Record<string, unknown>> {
  const { events } = await t.states.GetExecutionHistory({ executionArn: arn, maxResults: 1000 });
  const event = events.find((e) => e.type === type);
  const key = Object.keys(event ?? {}).find((k) => k.endsWith('EventDetails')) ?? '';
  return (event?.[key] ?? {}) as Record<string, unknown>;
}

describe('LocalTaskRunner lambda:invoke', () => {
  it('invokes the function with the Payload and answers the optimized integration shape', async () => {
    t = await createStates();
    t.lambda.handler = (_name, event) => ({ echoed: event });
    const { status, result } = await runTask(
      {
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo`, 'Payload.$': '$' },
      },
      { hello: 'world' },
    );
    expect(status).toBe('SUCCEEDED');
    expect(t.lambda.calls).toEqual([{ name: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo`, event: { hello: 'world' } }]);
    expect(Object.keys(result ?? {})).toEqual(['ExecutedVersion', 'Payload', 'SdkHttpMetadata', 'SdkResponseMetadata', 'StatusCode']);
    expect(result).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { echoed: { hello: 'world' } },
      SdkHttpMetadata: { HttpStatusCode: 200, HttpHeaders: { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' } },
      StatusCode: 200,
    });
    const metadata = result as { SdkResponseMetadata: { RequestId: string }; SdkHttpMetadata: { HttpHeaders: Record<string, string> } };
    expect(metadata.SdkResponseMetadata.RequestId).toBe(metadata.SdkHttpMetadata.HttpHeaders['x-amzn-RequestId']);
    // The headers AWS's recorded lambda:invoke answer has (LocalStack's test_lambda_task_service snapshot).
    expect(Object.keys(metadata.SdkHttpMetadata.HttpHeaders).sort()).toEqual(
      [
        'Connection',
        'Content-Length',
        'Content-Type',
        'Date',
        'X-Amz-Executed-Version',
        'X-Amzn-Trace-Id',
        'x-amzn-Remapped-Content-Length',
        'x-amzn-RequestId',
      ].sort(),
    );
    expect(metadata.SdkHttpMetadata.HttpHeaders['X-Amzn-Trace-Id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16}/);
  });

  it("answers LogType Tail with the end of the invocation's log as LogResult and X-Amz-Log-Result, as Invoke does", async () => {
    t = await createStates();
    const { result } = await runTask({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'f', LogType: 'Tail' },
    });
    const tail = Buffer.from('START RequestId: r Version: $LATEST\nEND RequestId: r\n').toString('base64');
    expect(t.lambda.options[0]?.captureLog).toBe(true);
    expect(result).toMatchObject({ LogResult: tail, SdkHttpMetadata: { HttpHeaders: { 'X-Amz-Log-Result': tail } } });
  });

  it("fails a Task naming the function with its error payload as the runtime wrote it, and lambda:invoke's with compact JSON", async () => {
    t = await createStates();
    const written = '{"errorMessage": "out", "errorType": "ValueError"}';
    t.lambda.handler = () => {
      throw Object.assign(new Error('out'), { name: 'ValueError', payload: written });
    };
    const byArn = await runTask({ Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:py` }, {}, 'by-arn');
    expect(byArn.cause).toBe(written);
    const integration = await runTask({ Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'py' } }, {}, 'invoke');
    expect(integration.cause).toBe(JSON.stringify({ errorType: 'ValueError', errorMessage: 'out', trace: ['ValueError: out'] }));
  });

  it('passes a JSON string Payload through and answers a non-JSON response as text', async () => {
    t = await createStates();
    t.lambda.handler = () => 'plain text';
    const { result } = await runTask({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'f', Payload: '{"as":"json"}' },
    });
    expect(t.lambda.calls[0]?.event).toEqual({ as: 'json' });
    expect(result?.Payload).toBe('plain text');
  });

  it('fails the task with the function error type, and the error payload as the cause', async () => {
    t = await createStates();
    t.lambda.handler = () => {
      throw Object.assign(new Error('model offline'), { name: 'ModelUnavailable' });
    };
    const { status, error, cause, arn } = await runTask({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'classify' },
    });
    expect(status).toBe('FAILED');
    expect(error).toBe('ModelUnavailable');
    expect(JSON.parse(String(cause))).toEqual({
      errorType: 'ModelUnavailable',
      errorMessage: 'model offline',
      trace: ['ModelUnavailable: model offline'],
    });
    expect(await taskEvent(arn, 'TaskFailed')).toMatchObject({ resourceType: 'lambda', resource: 'invoke', error: 'ModelUnavailable' });
  });

  it('lets Retry and Catch see the function error by name', async () => {
    t = await createStates();
    let calls = 0;
    t.lambda.handler = () => {
      if (++calls < 3) throw Object.assign(new Error('busy'), { name: 'ModelThrottled' });
      return { fine: true };
    };
    const { status, result } = await runTask({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'classify' },
      Retry: [{ ErrorEquals: ['ModelThrottled'], MaxAttempts: 3, IntervalSeconds: 1 }],
      OutputPath: '$.Payload',
    });
    expect(status).toBe('SUCCEEDED');
    expect(result).toEqual({ fine: true });
    expect(calls).toBe(3);
  });

  it('fails with Lambda.ResourceNotFoundException when the function does not exist', async () => {
    t = await createStates();
    const { error, cause } = await runTask({ Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'missing' } });
    expect(error).toBe('Lambda.ResourceNotFoundException');
    expect(cause).toMatch(
      /^Function not found: missing \(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: [0-9a-f-]+; Proxy: null\)$/,
    );
  });

  it('answers at once with status 202 for an Event invocation', async () => {
    t = await createStates();
    const { result } = await runTask({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'f', InvocationType: 'Event' },
    });
    expect(result).toMatchObject({ Payload: '', StatusCode: 202 });
  });

  it('answers the function result itself when the Resource is a function ARN', async () => {
    t = await createStates();
    t.lambda.handler = (_name, event) => ({ got: event });
    const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:legacy`;
    const { result, arn } = await runTask({ Resource: functionArn }, { a: 1 });
    expect(result).toEqual({ got: { a: 1 } });
    expect(await historyTypes(t.states, arn)).toContain('LambdaFunctionSucceeded');
  });

  it('fails a function-ARN task with the function error type', async () => {
    t = await createStates();
    t.lambda.handler = () => {
      throw new TypeError('bad input');
    };
    const { error, cause } = await runTask({ Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:legacy` });
    expect(error).toBe('TypeError');
    expect(JSON.parse(String(cause))).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad input' });
  });
});

describe('LocalTaskRunner sqs:sendMessage', () => {
  it('sends the message, serializing a JSON MessageBody, and answers the SQS response shape', async () => {
    t = await createStates();
    const { result } = await runTask(
      {
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: {
          QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/tickets`,
          MessageBody: { 'ticket.$': '$.id' },
          DelaySeconds: 5,
        },
      },
      { id: 'T-1' },
    );
    expect(t.sqs.sent).toEqual([
      { QueueUrl: `http://127.0.0.1:4566/${ACCOUNT}/tickets`, MessageBody: '{"ticket":"T-1"}', DelaySeconds: 5 },
    ]);
    expect(result).toMatchObject({ MD5OfMessageBody: 'md5', MessageId: 'm-1', SdkHttpMetadata: { HttpStatusCode: 200 } });
  });

  it('fails with SQS.QueueDoesNotExistException when the queue does not exist', async () => {
    t = await createStates();
    const { error, cause } = await runTask({
      Resource: 'arn:aws:states:::sqs:sendMessage',
      Parameters: { QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/nowhere`, MessageBody: 'x' },
    });
    expect(error).toBe('SQS.QueueDoesNotExistException');
    expect(cause).toMatch(
      /^The specified queue does not exist\. \(Service: AmazonSQS; Status Code: 400; Error Code: AWS\.SimpleQueueService\.NonExistentQueue;/,
    );
  });

  it("fails with SQS's MissingParameter when the MessageBody is null, sending nothing", async () => {
    t = await createStates();
    const { error, cause } = await runTask({
      Resource: 'arn:aws:states:::sqs:sendMessage',
      Parameters: { QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/tickets`, MessageBody: null },
    });
    expect([error, cause]).toEqual([
      'SQS.AmazonSQSException',
      expect.stringMatching(
        /^The request must contain the parameter MessageBody\. \(Service: AmazonSQS; Status Code: 400; Error Code: MissingParameter;/,
      ),
    ]);
    expect(t.sqs.sent).toEqual([]);
  });

  it('fails with SQS.SdkClientException when the QueueUrl names a host that does not resolve, sending nothing', async () => {
    t = await createStates();
    const { error, cause } = await runTask({
      Resource: 'arn:aws:states:::sqs:sendMessage',
      // .invalid never resolves (RFC 6761).
      Parameters: { QueueUrl: `http://no-such-queue.invalid/${ACCOUNT}/tickets`, MessageBody: 'x' },
    });
    expect([error, cause]).toEqual([
      'SQS.SdkClientException',
      'Unable to execute HTTP request: no-such-queue.invalid: Name or service not known',
    ]);
    expect(t.sqs.sent).toEqual([]);
  });

  it("fails with SQS's and SNS's own AccessDenied codes in the cause when the execution's role may not send or publish", async () => {
    const refusal = 'User: arn:aws:sts::1:assumed-role/r/run is not authorized to perform: the action';
    // No SNS call is made: the refusal comes first (the neighbour only has to be there).
    t = await createStates({ authorizeTask: async () => refusal, neighbours: { sns: {} as never } });
    const sent = await runTask(
      {
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: { QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/q`, MessageBody: 'x' },
      },
      {},
      'send',
    );
    expect([sent.error, sent.cause]).toEqual([
      'SQS.AmazonSQSException',
      expect.stringMatching(/ \(Service: AmazonSQS; Status Code: 403; Error Code: AccessDenied; Request ID: [0-9a-f-]{36}; Proxy: null\)$/),
    ]);
    const published = await runTask(
      { Resource: 'arn:aws:states:::sns:publish', Parameters: { TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:t`, Message: 'x' } },
      {},
      'publish',
    );
    expect([published.error, published.cause]).toEqual([
      'SNS.AuthorizationErrorException',
      expect.stringMatching(/ \(Service: AmazonSNS; Status Code: 403; Error Code: AuthorizationError; Request ID: /),
    ]);
    expect(t.sqs.sent).toEqual([]);
  });

  it("fails an AWS SDK integration the execution's role may not call with the service's own AccessDenied, as its module declares it", async () => {
    const refusal = 'User: arn:aws:sts::1:assumed-role/r/run is not authorized to perform: the action';
    const published: unknown[] = [];
    const sns = { Publish: async (input: unknown) => published.push(input) };
    t = await createStates({ authorizeTask: async () => refusal, neighbours: { sns } });
    const outcome = async (Resource: string, Parameters: object, name: string) => {
      const { error, cause } = await runTask({ Resource, Parameters }, {}, name);
      return [error, cause];
    };
    // SQS answers 403 AccessDenied, which its API model does not declare: its base exception.
    expect(await outcome('arn:aws:states:::aws-sdk:sqs:sendMessage', { QueueUrl: 'q', MessageBody: 'x' }, 'sqs')).toEqual([
      'Sqs.SqsException',
      expect.stringMatching(/^User: .* \(Service: Sqs, Status Code: 403, Request ID: [0-9a-f-]{36}\) \(SDK Attempt Count: 1\)$/),
    ]);
    // SNS answers 403 AuthorizationError, whose exception its model names.
    expect(await outcome('arn:aws:states:::aws-sdk:sns:publish', { TopicArn: 't', Message: 'x' }, 'sns')).toEqual([
      'Sns.AuthorizationErrorException',
      expect.stringMatching(/ \(Service: Sns, Status Code: 403, Request ID: /),
    ]);
    // DynamoDB answers 400 AccessDeniedException.
    expect(await outcome('arn:aws:states:::aws-sdk:dynamodb:getItem', { TableName: 't', Key: {} }, 'dynamodb')).toEqual([
      'DynamoDb.DynamoDbException',
      expect.stringMatching(/ \(Service: DynamoDb, Status Code: 400, Request ID: /),
    ]);
    expect([t.sqs.sent, published, t.dynamodb.calls]).toEqual([[], [], []]);
  });
});

describe('LocalTaskRunner events:putEvents', () => {
  it('puts the entries with a serialized Detail and the machine and execution appended to Resources', async () => {
    t = await createStates();
    const { result, arn } = await runTask(
      {
        Resource: 'arn:aws:states:::events:putEvents',
        Parameters: {
          Entries: [
            {
              Source: 'app.tickets',
              DetailType: 'TicketRouted',
              Detail: { 'id.$': '$.id' },
              EventBusName: 'hub',
              Resources: ['urn:ticket'],
            },
            { Source: 'app.tickets', DetailType: 'Raw', Detail: '{"already":"text"}' },
          ],
        },
      },
      { id: 'T-2' },
    );
    expect(result).toEqual({ Entries: [{ EventId: 'ev-1' }, { EventId: 'ev-2' }], FailedEntryCount: 0 });
    const machine = machineArn('m-run');
    expect(t.events.put).toEqual([
      {
        Source: 'app.tickets',
        DetailType: 'TicketRouted',
        Detail: '{"id":"T-2"}',
        EventBusName: 'hub',
        Resources: ['urn:ticket', machine, arn],
      },
      { Source: 'app.tickets', DetailType: 'Raw', Detail: '{"already":"text"}', Resources: [machine, arn] },
    ]);
  });

  it('fails with EventBridge.FailedEntry and the response as the cause when an entry fails', async () => {
    t = await createStates();
    t.events.failSources.add('bad.source');
    const { error, cause } = await runTask({
      Resource: 'arn:aws:states:::events:putEvents',
      Parameters: {
        Entries: [
          { Source: 'good.source', DetailType: 'd', Detail: {} },
          { Source: 'bad.source', DetailType: 'd', Detail: {} },
        ],
      },
    });
    expect(error).toBe('EventBridge.FailedEntry');
    expect(JSON.parse(String(cause))).toEqual({
      Entries: [{ EventId: 'ev-1' }, { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid.' }],
      FailedEntryCount: 1,
    });
  });
});

describe('LocalTaskRunner dynamodb', () => {
  it('puts and gets items with the DynamoDB request and response shapes', async () => {
    t = await createStates();
    const put = await runTask(
      {
        Resource: 'arn:aws:states:::dynamodb:putItem',
        Parameters: { TableName: 'tickets', Item: { id: { 'S.$': '$.id' }, n: { N: '1' } } },
      },
      { id: 'T-3' },
      'put',
    );
    expect(put.status).toBe('SUCCEEDED');
    expect(t.dynamodb.calls[0]).toEqual({
      operation: 'PutItem',
      input: { TableName: 'tickets', Item: { id: { S: 'T-3' }, n: { N: '1' } } },
    });
    const got = await runTask(
      { Resource: 'arn:aws:states:::dynamodb:getItem', Parameters: { TableName: 'tickets', Key: { id: { S: 'T-3' } } } },
      {},
      'get',
    );
    expect(got.result).toMatchObject({
      Item: { id: { S: 'T-3' }, n: { N: '1' } },
      SdkHttpMetadata: { HttpStatusCode: 200, HttpHeaders: { 'Content-Type': 'application/x-amz-json-1.0' } },
      SdkResponseMetadata: {},
    });
  });

  it('fails with DynamoDB.ConditionalCheckFailedException when the condition fails', async () => {
    t = await createStates();
    t.dynamodb.items.set('tickets/{"id":{"S":"T-4"}}', { id: { S: 'T-4' } });
    const { error, cause } = await runTask({
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Parameters: { TableName: 'tickets', Item: { id: { S: 'T-4' } }, ConditionExpression: 'attribute_not_exists(id)' },
    });
    expect(error).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(cause).toMatch(
      /^The conditional request failed \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException;/,
    );
  });
});

describe('LocalTaskRunner states:startExecution', () => {
  const child = { StartAt: 'Work', States: { Work: { Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' }, End: true } } };

  it('starts the child and answers its ARN and start date in epoch milliseconds', async () => {
    t = await createStates();
    const childArn = await createMachine(t.states, 'child', child);
    const { result } = await runTask({
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: { StateMachineArn: childArn, Name: 'kid', Input: { n: 2 } },
    });
    expect(result).toMatchObject({
      ExecutionArn: executionArn('child', 'kid'),
      StartDate: t.clock.now(),
      SdkHttpMetadata: { HttpStatusCode: 200 },
    });
    expect(await finished(t.states, executionArn('child', 'kid'))).toMatchObject({ input: '{"n":2}', output: '{"doubled":4}' });
  });

  it('fails with StepFunctions.ExecutionAlreadyExistsException, which a Catch can name', async () => {
    t = await createStates();
    const childArn = await createMachine(t.states, 'child', child);
    await finished(t.states, (await t.states.StartExecution({ stateMachineArn: childArn, name: 'kid', input: '{"n":1}' })).executionArn);
    const stateMachineArn = await createMachine(t.states, 'parent', {
      StartAt: 'Start',
      States: {
        Start: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution',
          Parameters: { StateMachineArn: childArn, Name: 'kid', Input: { n: 1 } },
          Catch: [{ ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'], Next: 'Already' }],
          End: true,
        },
        Already: { Type: 'Succeed' },
      },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'p' });
    expect(await finished(t.states, arn)).toMatchObject({ status: 'SUCCEEDED' });
    const failed = await taskEvent(arn, 'TaskFailed');
    expect(failed).toMatchObject({ resourceType: 'states', error: 'StepFunctions.ExecutionAlreadyExistsException' });
    expect(String(failed.cause)).toMatch(/\(Service: AWSStepFunctions; Status Code: 400; Error Code: ExecutionAlreadyExists;/);
  });

  it('waits for the child with .sync and answers DescribeExecution with Input and Output as text', async () => {
    t = await createStates();
    const childArn = await createMachine(t.states, 'child', child);
    const { result } = await runTask({
      Resource: 'arn:aws:states:::states:startExecution.sync',
      Parameters: { StateMachineArn: childArn, Name: 'kid', Input: { n: 3 } },
    });
    expect(result).toEqual({
      ExecutionArn: executionArn('child', 'kid'),
      Input: '{"n":3}',
      InputDetails: { Included: true },
      Name: 'kid',
      Output: '{"doubled":6}',
      OutputDetails: { Included: true },
      RedriveCount: 0,
      RedriveStatus: 'NOT_REDRIVABLE',
      RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
      StartDate: t.clock.now(),
      StateMachineArn: childArn,
      Status: 'SUCCEEDED',
      StopDate: t.clock.now(),
    });
  });

  it('answers Input and Output as JSON with .sync:2', async () => {
    t = await createStates();
    const childArn = await createMachine(t.states, 'child', child);
    const { result, arn } = await runTask({
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: childArn, Input: { n: 4 } },
    });
    expect(result).toMatchObject({ Input: { n: 4 }, Output: { doubled: 8 }, Status: 'SUCCEEDED' });
    // The child's start is the task's submission: AWS records StartExecution's answer in TaskSubmitted.
    expect((await historyTypes(t.states, arn)).slice(2, 6)).toEqual(['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded']);
    expect(JSON.parse(String((await taskEvent(arn, 'TaskSubmitted')).output))).toHaveProperty('ExecutionArn');
  });

  it('fails with States.TaskFailed and the child description as the cause when the child fails', async () => {
    t = await createStates();
    const childArn = await createMachine(t.states, 'child', {
      StartAt: 'F',
      States: { F: { Type: 'Fail', Error: 'ChildBroke', Cause: 'why' } },
    });
    const { error, cause } = await runTask({
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: childArn, Name: 'kid' },
    });
    expect(error).toBe('States.TaskFailed');
    expect(JSON.parse(String(cause))).toMatchObject({
      Status: 'FAILED',
      Error: 'ChildBroke',
      Cause: 'why',
      Input: {},
      RedriveStatus: 'REDRIVABLE',
    });
  });

  it('stops the child when the parent of a .sync task is stopped', async () => {
    t = await createStates();
    const childArn = await createMachine(t.states, 'child', { StartAt: 'Ask', States: { Ask: callbackState() } });
    const stateMachineArn = await createMachine(t.states, 'parent', {
      StartAt: 'Run',
      States: {
        Run: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: { StateMachineArn: childArn, Name: 'kid' },
          End: true,
        },
      },
    });
    const { executionArn: parent } = await t.states.StartExecution({ stateMachineArn, name: 'p' });
    await tokenSentTo(t.sqs);
    await t.states.StopExecution({ executionArn: parent });
    expect(await finished(t.states, executionArn('child', 'kid'))).toMatchObject({
      status: 'ABORTED',
      cause: `The Task state in AWS Step Functions execution [${parent}] which was managing this resource was aborted`,
    });
  });
});

describe('LocalTaskRunner waitForTaskToken', () => {
  it('sends the token and resumes with the output of SendTaskSuccess', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', {
      StartAt: 'Ask',
      States: { Ask: callbackState('Done'), Done: { Type: 'Pass', End: true } },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'cb', input: '{"q":1}' });
    const token = await tokenSentTo(t.sqs);
    expect(t.sqs.lastBody()).toEqual({ token, input: { q: 1 } });
    expect((await t.states.DescribeExecution({ executionArn: arn })).status).toBe('RUNNING');
    await t.states.SendTaskHeartbeat({ taskToken: token });
    await t.states.SendTaskSuccess({ taskToken: token, output: '{"decision":"approve"}' });
    expect(await finished(t.states, arn)).toMatchObject({ status: 'SUCCEEDED', output: '{"decision":"approve"}' });
    expect(await taskEvent(arn, 'TaskSucceeded')).toMatchObject({
      resourceType: 'sqs',
      resource: 'sendMessage.waitForTaskToken',
      output: '{"decision":"approve"}',
    });
  });

  it('fails the task with the error and cause of SendTaskFailure', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', { StartAt: 'Ask', States: { Ask: callbackState() } });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'cb' });
    const token = await tokenSentTo(t.sqs);
    await t.states.SendTaskFailure({ taskToken: token, error: 'Rejected', cause: 'by a person' });
    expect(await finished(t.states, arn)).toMatchObject({ status: 'FAILED', error: 'Rejected', cause: 'by a person' });
  });

  it('fails if the output is not JSON, the token is not one, or the task is already done', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', { StartAt: 'Ask', States: { Ask: callbackState() } });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'cb' });
    const token = await tokenSentTo(t.sqs);
    expect(await errorCode(t.states.SendTaskSuccess({ taskToken: token, output: 'not json' }))).toBe('InvalidOutput');
    expect(await errorCode(t.states.SendTaskSuccess({ taskToken: 'garbage', output: '{}' }))).toBe('InvalidToken');
    const otherToken = Buffer.from(JSON.stringify({ e: arn, s: 99, a: 0 })).toString('base64url');
    expect(await errorCode(t.states.SendTaskSuccess({ taskToken: otherToken, output: '{}' }))).toBe('TaskDoesNotExist');
    await t.states.SendTaskSuccess({ taskToken: token, output: '{}' });
    await finished(t.states, arn);
    expect(await errorCode(t.states.SendTaskSuccess({ taskToken: token, output: '{}' }))).toBe('TaskTimedOut');
    expect(await errorCode(t.states.SendTaskHeartbeat({ taskToken: token }))).toBe('TaskTimedOut');
  });

  it('times out the task as States.Timeout when HeartbeatSeconds pass without a heartbeat, after its TaskSubmitted, as AWS records it', async () => {
    // Heartbeat deadlines pass 20 ms after they are set.
    t = await createStates({ timer: (_ms, signal) => realSleep(20, signal) });
    const stateMachineArn = await createMachine(t.states, 'flow', {
      StartAt: 'Ask',
      States: { Ask: { ...callbackState(), HeartbeatSeconds: 5 } },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'cb' });
    const described = await finished(t.states, arn);
    expect(described).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(described.cause).toBeUndefined();
    const types = await historyTypes(t.states, arn);
    expect(types.slice(2)).toEqual(['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskTimedOut', 'ExecutionFailed']);
    expect(await taskEvent(arn, 'TaskTimedOut')).toEqual({
      resourceType: 'sqs',
      resource: 'sendMessage.waitForTaskToken',
      error: 'States.Timeout',
    });
    const submitted = await taskEvent(arn, 'TaskSubmitted');
    expect(submitted).toMatchObject({ resourceType: 'sqs', resource: 'sendMessage.waitForTaskToken', outputDetails: { truncated: false } });
    expect(JSON.parse(String(submitted.output))).toHaveProperty('MessageId');
    const token = String(t.sqs.lastBody().token);
    expect(await errorCode(t.states.SendTaskSuccess({ taskToken: token, output: '{}' }))).toBe('TaskTimedOut');
  });

  it('lets only a retrier or catcher naming States.HeartbeatTimeout tell a missed heartbeat from States.Timeout', async () => {
    t = await createStates({ timer: (_ms, signal) => realSleep(20, signal) });
    const stateMachineArn = await createMachine(t.states, 'flow', {
      StartAt: 'Ask',
      States: {
        Ask: {
          ...callbackState(),
          HeartbeatSeconds: 5,
          Catch: [
            { ErrorEquals: ['States.TaskFailed'], Next: 'Wrong' },
            { ErrorEquals: ['States.HeartbeatTimeout'], Next: 'Missed' },
          ],
        },
        Wrong: { Type: 'Fail', Error: 'Wrong' },
        Missed: { Type: 'Pass', End: true },
      },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'cb' });
    const described = await finished(t.states, arn);
    expect(described.status).toBe('SUCCEEDED');
    expect(await historyTypes(t.states, arn)).toContain('PassStateEntered');
  });

  it('puts the token into JSONata Arguments and publishes it with events:putEvents', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', {
      QueryLanguage: 'JSONata',
      StartAt: 'Await',
      States: {
        Await: {
          Type: 'Task',
          Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
          Arguments: {
            Entries: [
              {
                Source: 'app',
                DetailType: 'Escalated',
                Detail: { taskToken: '{% $states.context.Task.Token %}', id: '{% $states.input.id %}' },
              },
            ],
          },
          Output: '{% $states.result %}',
          End: true,
        },
      },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'jsonata', input: '{"id":"T-9"}' });
    await vi.waitFor(() => expect(t.events.put).toHaveLength(1));
    const detail = JSON.parse(t.events.put[0]?.Detail ?? '{}') as { taskToken: string; id: string };
    expect(detail.id).toBe('T-9');
    await t.states.SendTaskSuccess({ taskToken: detail.taskToken, output: '{"decision":"reject"}' });
    expect(await finished(t.states, arn)).toMatchObject({ status: 'SUCCEEDED', output: '{"decision":"reject"}' });
  });

  it('fails the task when the request carrying the token fails', async () => {
    t = await createStates();
    t.lambda.handler = () => {
      throw new Error('crashed');
    };
    const { status, error } = await runTask({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } },
    });
    expect(status).toBe('FAILED');
    expect(error).toBe('Error');
  });
});

describe('LocalTaskRunner resources', () => {
  it('fails the execution with States.Runtime naming a resource it cannot run, which States.ALL does not catch', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'glue', {
      StartAt: 'Task',
      States: {
        Task: {
          Type: 'Task',
          Resource: 'arn:aws:states:::glue:startJobRun.sync',
          Parameters: {},
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Succeed' },
      },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'glue' });
    const { status, error, cause } = await finished(t.states, arn);
    expect(status).toBe('FAILED');
    expect(error).toBe('States.Runtime');
    expect(cause).toContain("cannot run the resource 'arn:aws:states:::glue:startJobRun.sync' of the state 'Task'");
  });

  it('parses the integration pattern of a resource, including .sync:2', () => {
    expect(parseResource('arn:aws:states:::states:startExecution.sync:2')).toEqual({
      kind: 'integration',
      service: 'states',
      action: 'startExecution',
      pattern: 'sync:2',
    });
    expect(parseResource('arn:aws:states:::lambda:invoke')).toEqual({
      kind: 'integration',
      service: 'lambda',
      action: 'invoke',
      pattern: 'request-response',
    });
    expect(parseResource(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:f:live`)).toEqual({
      kind: 'lambda-function',
      functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f:live`,
    });
    expect(parseResource(`arn:aws:states:${REGION}:${ACCOUNT}:activity:a`)).toEqual({
      kind: 'activity',
      activityArn: `arn:aws:states:${REGION}:${ACCOUNT}:activity:a`,
    });
  });
});
