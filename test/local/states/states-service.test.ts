import { afterEach, describe, expect, it } from 'vitest';
import { TASK_SUCCEEDED_HISTORY } from './engine/helpers.js';
import {
  callbackState,
  createMachine,
  createStates,
  errorCode,
  executionArn,
  finished,
  historyTypes,
  machineArn,
  ROLE,
  type TestStates,
  tokenSentTo,
} from './helpers.js';

const PASS = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
const WAIT_FOR_TOKEN = { StartAt: 'Ask', States: { Ask: callbackState() } };

let t: TestStates;
afterEach(async () => t?.close());

describe('StatesService state machines', () => {
  it('creates a state machine and describes it', async () => {
    t = await createStates();
    const { stateMachineArn, creationDate } = await t.states.CreateStateMachine({
      name: 'flow',
      definition: JSON.stringify(PASS),
      roleArn: ROLE,
    });
    expect(stateMachineArn).toBe(machineArn('flow'));
    expect(creationDate).toBe(t.clock.now() / 1000);
    expect(await t.states.DescribeStateMachine({ stateMachineArn })).toMatchObject({
      stateMachineArn,
      name: 'flow',
      status: 'ACTIVE',
      type: 'STANDARD',
      definition: JSON.stringify(PASS),
      roleArn: ROLE,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      encryptionConfiguration: { type: 'AWS_OWNED_KEY' },
    });
  });

  it('describes the variables each state reads, for the machine and for an execution of it', async () => {
    t = await createStates();
    const definition = {
      StartAt: 'Set',
      States: { Set: { Type: 'Pass', Assign: { x: 1 }, Next: 'Read' }, Read: { Type: 'Pass', OutputPath: '$x', End: true } },
    };
    const stateMachineArn = await createMachine(t.states, 'vars', definition);
    expect((await t.states.DescribeStateMachine({ stateMachineArn })).variableReferences).toEqual({ Read: ['x'] });
    const { executionArn } = await t.states.StartExecution({ stateMachineArn });
    await finished(t.states, executionArn);
    expect(await t.states.DescribeStateMachineForExecution({ executionArn })).toMatchObject({
      variableReferences: { Read: ['x'] },
      encryptionConfiguration: { type: 'AWS_OWNED_KEY' },
    });
  });

  it('answers the same machine when the same creation is repeated, and refuses a different one with the name', async () => {
    t = await createStates();
    const first = await createMachine(t.states, 'flow', PASS);
    expect(await createMachine(t.states, 'flow', PASS)).toBe(first);
    expect(await errorCode(createMachine(t.states, 'flow', { ...PASS, Comment: 'changed' }))).toBe('StateMachineAlreadyExists');
  });

  it('fails if the name or the definition is not valid', async () => {
    t = await createStates();
    expect(await errorCode(createMachine(t.states, 'has space', PASS))).toBe('InvalidName');
    expect(await errorCode(createMachine(t.states, 'x'.repeat(81), PASS))).toBe('InvalidName');
    expect(await errorCode(t.states.CreateStateMachine({ name: 'bad', definition: '{', roleArn: ROLE }))).toBe('InvalidDefinition');
    expect(await errorCode(createMachine(t.states, 'bad', { StartAt: 'Nowhere', States: {} }))).toBe('InvalidDefinition');
  });

  it('fails if an EXPRESS machine uses a callback or .sync integration, as AWS refuses them', async () => {
    t = await createStates();
    expect(await errorCode(createMachine(t.states, 'fast', WAIT_FOR_TOKEN, 'EXPRESS'))).toBe('InvalidDefinition');
    const { result, diagnostics } = await t.states.ValidateStateMachineDefinition({
      definition: JSON.stringify(WAIT_FOR_TOKEN),
      type: 'EXPRESS',
    });
    expect(result).toBe('FAIL');
    expect(diagnostics[0]).toMatchObject({ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', location: '/States/Ask/Resource' });
  });

  it('validates a definition without creating anything', async () => {
    t = await createStates();
    expect(await t.states.ValidateStateMachineDefinition({ definition: JSON.stringify(PASS) })).toEqual({
      result: 'OK',
      diagnostics: [],
      truncated: false,
    });
    expect((await t.states.ListStateMachines({})).stateMachines).toEqual([]);
  });

  it('updates a definition without changing the running executions', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', WAIT_FOR_TOKEN);
    const { executionArn } = await t.states.StartExecution({ stateMachineArn, name: 'before' });
    const token = await tokenSentTo(t.sqs);
    await t.states.UpdateStateMachine({ stateMachineArn, definition: JSON.stringify(PASS) });
    await t.states.SendTaskSuccess({ taskToken: token, output: '{"answer":1}' });
    expect((await finished(t.states, executionArn)).output).toBe('{"answer":1}');
    expect(await historyTypes(t.states, executionArn)).toContain('TaskSucceeded');
    expect((await t.states.DescribeStateMachine({ stateMachineArn })).definition).toBe(JSON.stringify(PASS));
  });

  it('lists state machines a page at a time, by name in code-unit order as AWS lists them', async () => {
    t = await createStates();
    for (const name of ['m_2_x', 'm_1_x', 'm_10_x']) await createMachine(t.states, name, PASS);
    const first = await t.states.ListStateMachines({ maxResults: 2 });
    expect(first.stateMachines.map((m) => m.name)).toEqual(['m_10_x', 'm_1_x']);
    const second = await t.states.ListStateMachines({ maxResults: 2, nextToken: first.nextToken });
    expect(second.stateMachines.map((m) => m.name)).toEqual(['m_2_x']);
    expect(second.nextToken).toBeUndefined();
  });

  it('deletes a state machine, after which it cannot start executions', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', PASS);
    await t.states.DeleteStateMachine({ stateMachineArn });
    expect(await errorCode(t.states.DescribeStateMachine({ stateMachineArn }))).toBe('StateMachineDoesNotExist');
    expect(await errorCode(t.states.StartExecution({ stateMachineArn }))).toBe('StateMachineDoesNotExist');
  });

  it('registers the template state machines', async () => {
    t = await createStates({
      stateMachines: [{ name: 'declared', arn: machineArn('declared'), type: 'EXPRESS', definition: JSON.stringify(PASS) }],
    });
    expect(await t.states.DescribeStateMachine({ stateMachineArn: machineArn('declared') })).toMatchObject({
      type: 'EXPRESS',
      name: 'declared',
    });
  });

  it('fails if an ARN is malformed', async () => {
    t = await createStates();
    expect(await errorCode(t.states.DescribeStateMachine({ stateMachineArn: 'flow' }))).toBe('InvalidArn');
    expect(await errorCode(t.states.DescribeExecution({ executionArn: machineArn('flow') }))).toBe('InvalidArn');
  });
});

describe('StatesService executions', () => {
  it('runs an execution and describes it with epoch-second dates', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', {
      StartAt: 'P',
      States: { P: { Type: 'Pass', Result: { done: true }, End: true } },
    });
    const started = await t.states.StartExecution({ stateMachineArn, name: 'one', input: '{"a":1}' });
    expect(started).toEqual({ executionArn: executionArn('flow', 'one'), startDate: t.clock.now() / 1000 });
    expect(await finished(t.states, started.executionArn)).toMatchObject({
      executionArn: started.executionArn,
      stateMachineArn,
      name: 'one',
      status: 'SUCCEEDED',
      input: '{"a":1}',
      inputDetails: { included: true },
      output: '{"done":true}',
      outputDetails: { included: true },
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    });
  });

  it('names an execution with a UUID when no name is given', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', PASS);
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn });
    expect(arn).toMatch(/:execution:flow:[0-9a-f-]{36}$/);
  });

  it('returns the running execution when it is started again with the same name and input', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', WAIT_FOR_TOKEN);
    const first = await t.states.StartExecution({ stateMachineArn, name: 'once', input: '{"a":1}' });
    t.clock.advance(1000);
    expect(await t.states.StartExecution({ stateMachineArn, name: 'once', input: '{"a":1}' })).toEqual(first);
    expect(await errorCode(t.states.StartExecution({ stateMachineArn, name: 'once', input: '{"a":2}' }))).toBe('ExecutionAlreadyExists');
  });

  it('fails if the name belongs to an execution that has ended, even with the same input', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', PASS);
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'once' });
    await finished(t.states, arn);
    expect(await errorCode(t.states.StartExecution({ stateMachineArn, name: 'once' }))).toBe('ExecutionAlreadyExists');
  });

  it('fails if the execution name or input is not valid', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', PASS);
    expect(await errorCode(t.states.StartExecution({ stateMachineArn, name: 'a/b' }))).toBe('InvalidName');
    expect(await errorCode(t.states.StartExecution({ stateMachineArn, input: '{oops' }))).toBe('InvalidExecutionInput');
    expect(await errorCode(t.states.StartExecution({ stateMachineArn: machineArn('nope') }))).toBe('StateMachineDoesNotExist');
    expect(await errorCode(t.states.DescribeExecution({ executionArn: executionArn('flow', 'nope') }))).toBe('ExecutionDoesNotExist');
  });

  it('does not deduplicate EXPRESS executions by name', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'fast', PASS, 'EXPRESS');
    const a = await t.states.StartExecution({ stateMachineArn, name: 'same' });
    const b = await t.states.StartExecution({ stateMachineArn, name: 'same' });
    expect(a.executionArn).not.toBe(b.executionArn);
    expect(a.executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:express:fast:same:[0-9a-f-]{36}$/);
    expect((await finished(t.states, b.executionArn)).status).toBe('SUCCEEDED');
  });

  it('lists executions newest first, a page at a time, filtered by status', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', {
      StartAt: 'Route',
      States: {
        Route: { Type: 'Choice', Choices: [{ Variable: '$.fail', BooleanEquals: true, Next: 'Boom' }], Default: 'Done' },
        Boom: { Type: 'Fail', Error: 'Boom' },
        Done: { Type: 'Pass', End: true },
      },
    });
    for (let i = 0; i < 5; i++) {
      const { executionArn: arn } = await t.states.StartExecution({
        stateMachineArn,
        name: `e${i}`,
        input: JSON.stringify({ fail: i % 2 === 1 }),
      });
      await finished(t.states, arn);
      t.clock.advance(1000);
    }
    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await t.states.ListExecutions({ stateMachineArn, maxResults: 2, nextToken });
      pages.push(page.executions.map((e) => e.name));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(pages).toEqual([['e4', 'e3'], ['e2', 'e1'], ['e0']]);
    const failed = await t.states.ListExecutions({ stateMachineArn, statusFilter: 'FAILED' });
    expect(failed.executions.map((e) => [e.name, e.status])).toEqual([
      ['e3', 'FAILED'],
      ['e1', 'FAILED'],
    ]);
    expect(await errorCode(t.states.ListExecutions({ stateMachineArn, nextToken: 'garbage' }))).toBe('InvalidToken');
    // maxResults over 1000 is the model's refusal, at the endpoint (recorded-cases-sfn-api.ts).
  });

  it('fails if executions of an EXPRESS machine are listed', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'fast', PASS, 'EXPRESS');
    expect(await errorCode(t.states.ListExecutions({ stateMachineArn }))).toBe('StateMachineTypeNotSupported');
  });

  it('returns the history in AWS event shapes, in either order and a page at a time', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', {
      StartAt: 'A',
      States: { A: { Type: 'Pass', Result: 1, Next: 'B' }, B: { Type: 'Pass', End: true } },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'h', input: '{"in":true}' });
    await finished(t.states, arn);
    const { events } = await t.states.GetExecutionHistory({ executionArn: arn });
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[0]).toEqual({
      id: 1,
      previousEventId: 0,
      timestamp: t.clock.now() / 1000,
      type: 'ExecutionStarted',
      executionStartedEventDetails: { input: '{"in":true}', inputDetails: { truncated: false }, roleArn: ROLE },
    });
    expect(events[2]).toMatchObject({ stateExitedEventDetails: { name: 'A', output: '1' } });

    const reversed = await t.states.GetExecutionHistory({ executionArn: arn, reverseOrder: true, maxResults: 4 });
    expect(reversed.events.map((e) => e.id)).toEqual([6, 5, 4, 3]);
    const rest = await t.states.GetExecutionHistory({
      executionArn: arn,
      reverseOrder: true,
      maxResults: 4,
      nextToken: reversed.nextToken,
    });
    expect(rest.events.map((e) => e.id)).toEqual([2, 1]);
    expect(rest.nextToken).toBeUndefined();
    expect(await errorCode(t.states.GetExecutionHistory({ executionArn: arn, nextToken: reversed.nextToken }))).toBe('InvalidToken');

    const dataless = await t.states.GetExecutionHistory({ executionArn: arn, includeExecutionData: false });
    expect(dataless.events[0]).toMatchObject({ executionStartedEventDetails: { inputDetails: { truncated: false } } });
    expect(dataless.events[0]?.executionStartedEventDetails).not.toHaveProperty('input');
  });

  it('stops a running execution, which ends ABORTED with the error and cause given', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', WAIT_FOR_TOKEN);
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'stop-me' });
    const token = await tokenSentTo(t.sqs);
    t.clock.advance(500);
    const { stopDate } = await t.states.StopExecution({ executionArn: arn, error: 'Operator', cause: 'not needed' });
    expect(stopDate).toBe(t.clock.now() / 1000);
    expect(await t.states.DescribeExecution({ executionArn: arn })).toMatchObject({
      status: 'ABORTED',
      error: 'Operator',
      cause: 'not needed',
    });
    expect((await historyTypes(t.states, arn)).at(-1)).toBe('ExecutionAborted');
    expect(await errorCode(t.states.SendTaskSuccess({ taskToken: token, output: '{}' }))).toBe('TaskTimedOut');
    // Stopping an execution that has ended answers its stop date again.
    expect(await t.states.StopExecution({ executionArn: arn })).toEqual({ stopDate });
  });

  it('runs an EXPRESS execution synchronously and answers its outcome', async () => {
    t = await createStates();
    t.lambda.handler = (_name, event) => ({ doubled: (event as { n: number }).n * 2 });
    const stateMachineArn = await createMachine(
      t.states,
      'fast',
      {
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'double', 'Payload.$': '$' },
            OutputPath: '$.Payload',
            End: true,
          },
        },
      },
      'EXPRESS',
    );
    const result = await t.states.StartSyncExecution({ stateMachineArn, name: 'sync', input: '{"n":21}' });
    expect(result).toMatchObject({
      stateMachineArn,
      name: 'sync',
      status: 'SUCCEEDED',
      input: '{"n":21}',
      inputDetails: { included: true },
      output: '{"doubled":42}',
      outputDetails: { included: true },
      billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: 100 },
    });
    expect(result.executionArn).toMatch(/:express:fast:sync:/);
    // As AWS: DescribeExecution does not serve Express executions.
    expect(await errorCode(t.states.DescribeExecution({ executionArn: result.executionArn }))).toBe('InvalidArn');
  });

  it('answers a failed synchronous EXPRESS execution with its error rather than failing the call', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(
      t.states,
      'fast',
      { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Nope', Cause: 'because' } } },
      'EXPRESS',
    );
    const result = await t.states.StartSyncExecution({ stateMachineArn });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Nope', cause: 'because' });
    // AWS answers outputDetails without an output too (its recorded answers).
    expect(result.outputDetails).toEqual({ included: true });
    expect(result.output).toBeUndefined();
  });

  it("gives a synchronous EXPRESS execution's context object no RedriveCount, and an asynchronous one's 0, as AWS does", async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(
      t.states,
      'fast',
      { StartAt: 'Look', States: { Look: { Type: 'Pass', Parameters: { 'execution.$': '$$.Execution' }, End: true } } },
      'EXPRESS',
    );
    const synced = await t.states.StartSyncExecution({ stateMachineArn });
    expect(JSON.parse(synced.output ?? 'null').execution).not.toHaveProperty('RedriveCount');
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn });
    expect(JSON.parse((await finished(t.states, arn)).output ?? 'null').execution).toMatchObject({ RedriveCount: 0 });
  });

  it('takes a StartSyncExecution name of any characters within 80, as its API reference limits only the length, and fails if it is longer', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'sync-names', PASS, 'EXPRESS');
    expect(await t.states.StartSyncExecution({ stateMachineArn, name: 'My First Execution' })).toMatchObject({
      name: 'My First Execution',
      status: 'SUCCEEDED',
    });
    expect(await errorCode(t.states.StartSyncExecution({ stateMachineArn, name: 'x'.repeat(81) }))).toBe('InvalidName');
    expect(await errorCode(t.states.StartExecution({ stateMachineArn, name: 'My First Execution' }))).toBe('InvalidName');
  });

  it('fails if StartSyncExecution is called on a STANDARD machine', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', PASS);
    expect(await errorCode(t.states.StartSyncExecution({ stateMachineArn }))).toBe('StateMachineTypeNotSupported');
  });

  it('fails if the history of an EXPRESS execution is asked for, as AWS keeps none', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'fast', PASS, 'EXPRESS');
    const { executionArn: arn } = await t.states.StartSyncExecution({ stateMachineArn });
    expect(await errorCode(t.states.GetExecutionHistory({ executionArn: arn }))).toBe('InvalidArn');
  });

  it('redrives a failed execution from the state that failed, keeping what succeeded before it', async () => {
    t = await createStates();
    let attempts = 0;
    t.lambda.handler = (name) => {
      if (name === 'flaky' && attempts++ === 0) throw Object.assign(new Error('down'), { name: 'Unavailable' });
      return { from: name };
    };
    const task = (fn: string) => ({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fn },
      OutputPath: '$.Payload',
    });
    const stateMachineArn = await createMachine(t.states, 'flow', {
      StartAt: 'First',
      States: { First: { ...task('steady'), Next: 'Second' }, Second: { ...task('flaky'), End: true } },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'redrive-me' });
    expect(await finished(t.states, arn)).toMatchObject({ status: 'FAILED', error: 'Unavailable', redriveStatus: 'REDRIVABLE' });

    t.clock.advance(1000);
    expect(await t.states.RedriveExecution({ executionArn: arn })).toEqual({ redriveDate: t.clock.now() / 1000 });
    expect(await finished(t.states, arn)).toMatchObject({ status: 'SUCCEEDED', output: '{"from":"flaky"}', redriveCount: 1 });
    expect(t.lambda.calls.map((c) => c.name)).toEqual(['steady', 'flaky', 'flaky']);
    const types = await historyTypes(t.states, arn);
    expect(types.slice(types.indexOf('ExecutionFailed'))).toEqual([
      'ExecutionFailed',
      'ExecutionRedriven',
      ...TASK_SUCCEEDED_HISTORY,
      'ExecutionSucceeded',
    ]);
    expect(t.events.statuses(arn)).toEqual(['RUNNING', 'FAILED', 'RUNNING', 'SUCCEEDED']);
    expect(await errorCode(t.states.RedriveExecution({ executionArn: arn }))).toBe('ExecutionNotRedrivable');
    expect((await t.states.ListExecutions({ stateMachineArn, redriveFilter: 'REDRIVEN' })).executions.map((e) => e.redriveCount)).toEqual([
      1,
    ]);
    expect((await t.states.ListExecutions({ stateMachineArn, redriveFilter: 'NOT_REDRIVEN' })).executions).toEqual([]);
  });
});

describe('StatesService status change events', () => {
  it('publishes RUNNING and the final status of STANDARD executions to the default bus', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', {
      StartAt: 'F',
      States: { F: { Type: 'Fail', Error: 'Bad', Cause: 'input' } },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'watched', input: '{"x":1}' });
    await finished(t.states, arn);
    expect(t.events.serviceEvents.map((e) => e.bus)).toEqual(['default', 'default']);
    const [running, failed] = t.events.serviceEvents.map((e) => e.event);
    expect(running).toMatchObject({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      resources: [arn],
      detail: {
        executionArn: arn,
        stateMachineArn,
        stateMachineVersionArn: null,
        stateMachineAliasArn: null,
        name: 'watched',
        status: 'RUNNING',
        startDate: t.clock.now(),
        stopDate: null,
        input: '{"x":1}',
        inputDetails: { included: true },
        output: null,
        outputDetails: null,
        error: null,
        cause: null,
      },
    });
    expect(failed?.detail).toMatchObject({ status: 'FAILED', stopDate: t.clock.now(), error: 'Bad', cause: 'input' });
  });

  it('publishes SUCCEEDED with the output, and ABORTED when stopped', async () => {
    t = await createStates();
    const done = await createMachine(t.states, 'done', PASS);
    const { executionArn: ok } = await t.states.StartExecution({ stateMachineArn: done, input: '{"v":2}' });
    await finished(t.states, ok);
    expect(t.events.serviceEvents.at(-1)?.event.detail).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"v":2}',
      outputDetails: { included: true },
    });

    const waiting = await createMachine(t.states, 'waiting', WAIT_FOR_TOKEN);
    const { executionArn: stopped } = await t.states.StartExecution({ stateMachineArn: waiting });
    await tokenSentTo(t.sqs);
    await t.states.StopExecution({ executionArn: stopped });
    expect(t.events.statuses(stopped)).toEqual(['RUNNING', 'ABORTED']);
  });

  it('publishes TIMED_OUT when the execution runs past its TimeoutSeconds', async () => {
    t = await createStates({ timer: async () => {} });
    const stateMachineArn = await createMachine(t.states, 'slow', { ...WAIT_FOR_TOKEN, TimeoutSeconds: 1 });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn });
    const described = await finished(t.states, arn);
    // As AWS answers DescribeExecution of a timed-out execution (its recorded answers): no error, no cause.
    expect(described.status).toBe('TIMED_OUT');
    expect(described.error).toBeUndefined();
    expect(described.cause).toBeUndefined();
    expect(t.events.statuses(arn)).toEqual(['RUNNING', 'TIMED_OUT']);
  });

  it('publishes nothing for EXPRESS executions, as AWS sends none', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'fast', PASS, 'EXPRESS');
    await t.states.StartSyncExecution({ stateMachineArn });
    expect(t.events.serviceEvents).toEqual([]);
  });
});

describe('StatesService TestState', () => {
  it('runs a Pass state and answers its output', async () => {
    t = await createStates();
    const result = await t.states.TestState({
      definition: JSON.stringify({ Type: 'Pass', Parameters: { 'sum.$': 'States.MathAdd($.a, $.b)' }, Next: 'After' }),
      input: '{"a":1,"b":2}',
    });
    expect(result).toEqual({ status: 'SUCCEEDED', output: '{"sum":3}', nextState: 'After' });
  });

  it('answers the branch a Choice state takes', async () => {
    t = await createStates();
    const definition = JSON.stringify({
      Type: 'Choice',
      Choices: [{ Variable: '$.n', NumericGreaterThan: 10, Next: 'Big' }],
      Default: 'Small',
    });
    expect(await t.states.TestState({ definition, input: '{"n":11}' })).toMatchObject({ status: 'SUCCEEDED', nextState: 'Big' });
    expect(await t.states.TestState({ definition, input: '{"n":1}' })).toMatchObject({ status: 'SUCCEEDED', nextState: 'Small' });
  });

  it('tests one state of a whole machine, with variables, in JSONata', async () => {
    t = await createStates();
    const definition = JSON.stringify({
      QueryLanguage: 'JSONata',
      StartAt: 'Greet',
      States: { Greet: { Type: 'Pass', Output: '{% $greeting & " " & $states.input.who %}', Next: 'End' }, End: { Type: 'Succeed' } },
    });
    const result = await t.states.TestState({ definition, stateName: 'Greet', input: '{"who":"Ada"}', variables: '{"greeting":"hello"}' });
    expect(result).toEqual({ status: 'SUCCEEDED', output: '"hello Ada"', nextState: 'End' });
  });

  it('calls the service of a Task state and reports a caught error', async () => {
    t = await createStates();
    t.lambda.handler = () => {
      throw Object.assign(new Error('nope'), { name: 'Rejected' });
    };
    const definition = JSON.stringify({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'judge' },
      Catch: [{ ErrorEquals: ['Rejected'], Next: 'Appeal' }],
      End: true,
    });
    const result = await t.states.TestState({ definition, roleArn: ROLE, input: '{}', inspectionLevel: 'DEBUG' });
    expect(result).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'Appeal', error: 'Rejected' });
    expect(JSON.parse(String(result.output))).toMatchObject({ Error: 'Rejected' });
    expect(result.inspectionData).toMatchObject({ input: '{}', afterParameters: '{"FunctionName":"judge"}' });
  });

  it('reports RETRIABLE when a retrier matches the error, and uses a mock instead of the service', async () => {
    t = await createStates();
    const definition = JSON.stringify({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'judge' },
      Retry: [{ ErrorEquals: ['States.TaskFailed'] }],
      End: true,
    });
    const result = await t.states.TestState({ definition, mock: { errorOutput: { error: 'Throttled', cause: 'slow down' } } });
    expect(result).toEqual({ status: 'RETRIABLE', error: 'Throttled', cause: 'slow down' });
    expect(t.lambda.calls).toEqual([]);
    // Lambda's API model has Payload as a blob (text): a JSON object passes only without field validation.
    const mocked = await t.states.TestState({ definition, mock: { result: '{"Payload":{"ok":true}}', fieldValidationMode: 'NONE' } });
    expect(mocked).toEqual({ status: 'SUCCEEDED', output: '{"Payload":{"ok":true}}' });
  });

  it('matches retriers as an execution does: States.TaskFailed takes a States.* error but States.Timeout, and a retrier with MaxAttempts 0 none', async () => {
    t = await createStates();
    const test = async (error: string, retrier: Record<string, unknown>) => {
      const definition = JSON.stringify({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'judge' },
        Retry: [retrier],
        End: true,
      });
      return (await t.states.TestState({ definition, mock: { errorOutput: { error, cause: 'c' } } })).status;
    };
    expect(await test('States.Permissions', { ErrorEquals: ['States.TaskFailed'] })).toBe('RETRIABLE');
    expect(await test('States.Timeout', { ErrorEquals: ['States.TaskFailed'] })).toBe('FAILED');
    expect(await test('States.Runtime', { ErrorEquals: ['States.ALL'] })).toBe('FAILED');
    expect(await test('Throttled', { ErrorEquals: ['Throttled'], MaxAttempts: 0 })).toBe('FAILED');
  });

  it('fails if a callback task is tested without a mock', async () => {
    t = await createStates();
    expect(await errorCode(t.states.TestState({ definition: JSON.stringify(callbackState()) }))).toBe('ValidationException');
  });
  it('fails to redrive an execution that stopped more than 14 days ago, saying so in DescribeExecution too', async () => {
    t = await createStates();
    t.lambda.handler = () => {
      throw Object.assign(new Error('down'), { name: 'Unavailable' });
    };
    const stateMachineArn = await createMachine(t.states, 'late', {
      StartAt: 'Only',
      States: { Only: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, End: true } },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'too-late' });
    expect(await finished(t.states, arn)).toMatchObject({ status: 'FAILED', redriveStatus: 'REDRIVABLE' });
    t.clock.advance(14 * 24 * 60 * 60 * 1000 + 1000);
    expect(await t.states.DescribeExecution({ executionArn: arn })).toMatchObject({
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution redrivable period exceeded.',
    });
    await expect(t.states.RedriveExecution({ executionArn: arn })).rejects.toMatchObject({
      code: 'ExecutionNotRedrivable',
      message: 'Execution redrivable period exceeded.',
    });
  });
});
