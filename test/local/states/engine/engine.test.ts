import { describe, expect, it } from 'vitest';
import { InvalidDefinition, parseDefinition, retryDelay, startExecution, TaskFailure } from '../../../../local/states/engine/index.js';
import { describeResource } from '../../../../local/states/engine/task-tokens.js';
import { ARNS, fakeTime, run, stubRunner, TASK_SUCCEEDED_HISTORY, types } from './helpers.js';

const task = (extra: Record<string, unknown> = {}) => ({
  StartAt: 'Call',
  States: { Call: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true, ...extra } },
});

describe('parseDefinition', () => {
  it('compiles a valid definition once and returns the same machine for the same text', () => {
    const text = JSON.stringify(task());
    expect(parseDefinition(text)).toBe(parseDefinition(text));
  });

  it('fails if a Next target is missing', () => {
    const text = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } });
    expect(() => parseDefinition(text)).toThrow(InvalidDefinition);
    expect(() => parseDefinition(text)).toThrow(/MISSING_TRANSITION_TARGET/);
  });

  it('fails if a Parameters field names an invalid intrinsic function', () => {
    const text = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Parameters: { 'x.$': 'States.Nope(1)' }, End: true } } });
    expect(() => parseDefinition(text)).toThrow(/Invalid State Machine Definition/);
  });

  it('fails if the text is not JSON, in the words and at the place of the parser AWS uses', () => {
    expect(() => parseDefinition('{')).toThrow(/INVALID_JSON_DESCRIPTION/);
    expect(() => parseDefinition('{\n  x')).toThrow(
      "INVALID_JSON_DESCRIPTION: Unexpected character ('x' (code 120)): was expecting double-quote to start field name\n at [Source: (String)\"{\n  x\"; line: 2, column: 4]'",
    );
  });

  it('fails if the definition is blank, or lacks States or StartAt, naming every field missing', () => {
    expect(() => parseDefinition(' ')).toThrow("'SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object'");
    expect(() => parseDefinition('{}')).toThrow("'SCHEMA_VALIDATION_FAILED: These fields are required: [States, StartAt] at /'");
  });

  it('fails if a JSONata machine has a JSONPath state at any depth, and runs one inside a JSONata Map of a JSONPath machine', () => {
    const map = (mapQl: string, innerQl: string) => ({
      Type: 'Map',
      QueryLanguage: mapQl,
      ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', QueryLanguage: innerQl, End: true } } },
      End: true,
    });
    expect(() =>
      parseDefinition(JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'M', States: { M: map('JSONata', 'JSONPath') } })),
    ).toThrow("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine at /States/M/ItemProcessor/States/P'");
    expect(() => parseDefinition(JSON.stringify({ StartAt: 'M', States: { M: map('JSONata', 'JSONPath') } }))).not.toThrow();
  });

  it('fails if a state s Type is not a state type, or a Parallel has no branches, in AWS s words (recorded)', () => {
    const machine = (state: object) => JSON.stringify({ StartAt: 'S', States: { S: state } });
    expect(() => parseDefinition(machine({ Type: 'TypeThatDoesNotExist', End: true }))).toThrow(
      "'SCHEMA_VALIDATION_FAILED: The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] at /States/S/Type'",
    );
    expect(() => parseDefinition(machine({ Type: 'Parallel', Branches: [], End: true }))).toThrow(
      "'SCHEMA_VALIDATION_FAILED: Value cannot be empty at /States/S/Branches'",
    );
  });

  it('fails if the Credentials of a Task name no role', () => {
    for (const Credentials of [{}, { RoleArnPath: '$.r' }])
      expect(() => parseDefinition(JSON.stringify(task({ Credentials })))).toThrow(
        "The field 'RoleArn' is required but was missing at /States/Call/Credentials'",
      );
    expect(() => parseDefinition(JSON.stringify(task({ Credentials: { 'RoleArn.$': '$.r' } })))).not.toThrow();
  });

  it('fails if a string literal of an intrinsic function escapes a character AWS does not escape', () => {
    const pass = (call: string) =>
      JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Parameters: { 'x.$': call }, End: true } } });
    expect(() => parseDefinition(pass("States.Format('say \\\"{}\\\"', 'hi')"))).toThrow(
      "'SCHEMA_VALIDATION_FAILED: The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call at /States/A/Parameters'",
    );
    expect(() => parseDefinition(pass("States.Format('it\\'s \\{\\} {}', 'ok')"))).not.toThrow();
  });
});

describe('Task state', () => {
  it('passes the effective input to the TaskRunner and records the task events', async () => {
    const runner = stubRunner({ 'arn:aws:states:::lambda:invoke': (req) => ({ got: req.input }) });
    const { result, output, events } = await run(
      task({ Parameters: { 'v.$': '$.v' }, ResultPath: '$.r' }),
      { v: 1 },
      { taskRunner: runner },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(output).toEqual({ v: 1, r: { got: { v: 1 } } });
    expect(types(events)).toEqual(['ExecutionStarted', ...TASK_SUCCEEDED_HISTORY, 'ExecutionSucceeded']);
    expect(events[2]?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'us-east-1',
      parameters: '{"v":1}',
    });
    // The first state's entry follows no event (previousEventId 0), as in every history AWS answers.
    expect(events.map((e) => e.previousEventId)).toEqual([0, 0, 2, 3, 4, 5, 6]);
  });

  it('retries with the backoff AWS uses and then succeeds', async () => {
    let n = 0;
    const runner = stubRunner({
      'arn:aws:states:::lambda:invoke': () => {
        if (++n < 3) throw new TaskFailure('Flaky', 'try again');
        return 'ok';
      },
    });
    const { output, waits, events } = await run(
      task({ Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 2, BackoffRate: 3 }] }),
      {},
      { taskRunner: runner },
    );
    expect(output).toBe('ok');
    expect(waits).toEqual([2000, 6000]);
    expect(types(events).filter((t) => t === 'TaskFailed')).toHaveLength(2);
  });

  it('caps retry intervals at MaxDelaySeconds and spreads them with FULL jitter', () => {
    const retrier = {
      errorEquals: ['X'],
      intervalSeconds: 10,
      maxAttempts: 5,
      backoffRate: 2,
      maxDelaySeconds: 15,
      jitter: 'NONE' as const,
    };
    expect([0, 1, 2].map((c) => retryDelay(retrier, c))).toEqual([10_000, 15_000, 15_000]);
    expect(retryDelay({ ...retrier, jitter: 'FULL' }, 1, () => 0.5)).toBe(7_500);
  });

  it('exposes the retry count in the context object', async () => {
    const seen: unknown[] = [];
    let n = 0;
    const runner = stubRunner({
      'arn:aws:states:::lambda:invoke': (req) => {
        seen.push((req.context.State as { RetryCount: number }).RetryCount);
        if (++n < 2) throw new TaskFailure('Flaky');
        return null;
      },
    });
    await run(task({ Retry: [{ ErrorEquals: ['States.ALL'] }] }), {}, { taskRunner: runner });
    expect(seen).toEqual([0, 1]);
  });

  it('catches a failure into ResultPath and goes to the catcher', async () => {
    const runner = stubRunner({
      'arn:aws:states:::lambda:invoke': () => {
        throw new TaskFailure('Boom', 'it broke');
      },
    });
    const definition = {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.err', Next: 'Done' }],
          End: true,
        },
        Done: { Type: 'Pass', End: true },
      },
    };
    const { output } = await run(definition, { a: 1 }, { taskRunner: runner });
    expect(output).toEqual({ a: 1, err: { Error: 'Boom', Cause: 'it broke' } });
  });

  it('fails the execution with the task error when nothing catches it', async () => {
    const runner = stubRunner({
      'arn:aws:states:::lambda:invoke': () => {
        throw new TaskFailure('Boom', 'it broke');
      },
    });
    const { result } = await run(task(), {}, { taskRunner: runner });
    expect(result).toEqual({ status: 'FAILED', error: 'Boom', cause: 'it broke' });
  });

  it('fails with States.Timeout when the task outlives TimeoutSeconds', async () => {
    const runner = {
      run: (req: { signal: AbortSignal }) =>
        new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(new Error('aborted')))),
    };
    const timer = (_ms: number, signal: AbortSignal) => (signal.aborted ? Promise.reject(signal.reason) : Promise.resolve());
    const { result, events } = await run(task({ TimeoutSeconds: 5 }), {}, { taskRunner: runner, timer });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Timeout');
    expect(types(events)).toContain('TaskTimedOut');
  });

  it('hands out a task token for .waitForTaskToken resources', async () => {
    const runner = stubRunner({ 'arn:aws:states:::sqs:sendMessage.waitForTaskToken': (req) => ({ token: req.taskToken }) });
    const { output } = await run(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
            Parameters: { 'Token.$': '$$.Task.Token' },
            End: true,
          },
        },
      },
      {},
      { taskRunner: runner },
    );
    expect(typeof output.token).toBe('string');
    expect(runner.calls[0]?.input).toEqual({ Token: output.token });
  });

  it('passes JSONata Arguments and builds the output from $states.result', async () => {
    const runner = stubRunner({ 'arn:aws:states:::lambda:invoke': (req) => ({ doubled: (req.arguments as { n: number }).n * 2 }) });
    const { output } = await run(
      { QueryLanguage: 'JSONata', ...task({ Arguments: { n: '{% $states.input.n %}' }, Output: '{% $states.result.doubled + 1 %}' }) },
      { n: 4 },
      { taskRunner: runner },
    );
    expect(output).toBe(9);
  });
});

describe('Execution', () => {
  it('stamps ExecutionStarted with the execution start it is given, however later the engine runs it', async () => {
    const startedAt = Date.UTC(2026, 0, 1) - 1500;
    const { events } = await run({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }, {}, { startTime: startedAt });
    expect(events[0]).toMatchObject({ type: 'ExecutionStarted', timestamp: startedAt });
    expect(events[1]?.timestamp).toBe(Date.UTC(2026, 0, 1));
  });

  it('ends ABORTED with the given error and cause when stopped, the abort following no event of the execution', async () => {
    const time = fakeTime();
    const handle = startExecution({
      ...ARNS,
      definition: JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } }),
      clock: time.clock,
      sleep: (_ms, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    });
    await new Promise((r) => setTimeout(r, 5));
    handle.stop('Stopped', 'by test');
    expect(await handle.result).toEqual({ status: 'ABORTED', error: 'Stopped', cause: 'by test' });
    // AWS's recorded history: StopExecution, not the WaitStateEntered before it, caused the abort.
    expect(handle.events.at(-1)).toMatchObject({ type: 'ExecutionAborted', id: 3, previousEventId: 0 });
  });

  it('times out when the machine TimeoutSeconds passes', async () => {
    const { result, events } = await run(
      { TimeoutSeconds: 1, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } },
      {},
      {
        sleep: (_ms, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
        timer: (_ms, signal) => (signal.aborted ? Promise.reject(signal.reason) : Promise.resolve()),
      },
    );
    expect(result.status).toBe('TIMED_OUT');
    expect(types(events).at(-1)).toBe('ExecutionTimedOut');
  });

  it('waits the Seconds of a Wait state on the injected clock', async () => {
    const { waits, result } = await run({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 30, End: true } } });
    expect(result.status).toBe('SUCCEEDED');
    expect(waits).toEqual([30_000]);
  });

  it('keeps branch variables out of the outer scope and lets branches read outer ones', async () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { x: 1 }, Next: 'Fork' },
        Fork: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'B', States: { B: { Type: 'Pass', Assign: { inner: '{% $x + 1 %}' }, Output: '{% $x + 10 %}', End: true } } },
          ],
          Next: 'Read',
        },
        Read: { Type: 'Pass', Output: { branches: '{% $states.input %}', x: '{% $x %}', inner: '{% $exists($inner) %}' }, End: true },
      },
    };
    const { output } = await run(definition);
    expect(output).toEqual({ branches: [11], x: 1, inner: false });
  });

  it('fails a Map with States.Runtime if its ItemsPath selects no array, naming a context path from its root (AWS s words)', async () => {
    const map = (ItemsPath: string) => ({
      StartAt: 'M',
      States: { M: { Type: 'Map', ItemsPath, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true } },
    });
    const byInput = await run(map('$.v'), { v: 1 });
    expect(byInput.result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(byInput.result.cause).toMatch(/Reference path "\$\.v" must point to array\.$/);
    expect((await run(map('$$.Execution'), {})).result.cause).toMatch(/Reference path "\$\.Execution" must point to array\.$/);
  });

  it('runs Map iterations with at most MaxConcurrency at once', async () => {
    let active = 0;
    let peak = 0;
    const runner = {
      run: async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 1));
        active--;
        return 'done';
      },
    };
    const definition = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          MaxConcurrency: 2,
          ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } } },
          End: true,
        },
      },
    };
    const { output } = await run(definition, [1, 2, 3, 4, 5], { taskRunner: runner });
    expect(output).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(peak).toBe(2);
  });

  it('fails a Map with States.ExceedToleratedFailureThreshold past its tolerance', async () => {
    const definition = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ToleratedFailureCount: 1,
          MaxConcurrency: 1,
          ItemProcessor: {
            StartAt: 'C',
            States: {
              C: { Type: 'Choice', Choices: [{ Variable: '$', NumericGreaterThan: 1, Next: 'F' }], Default: 'P' },
              F: { Type: 'Fail', Error: 'Big' },
              P: { Type: 'Pass', End: true },
            },
          },
          End: true,
        },
      },
    };
    expect((await run(definition, [1, 2])).result.status).toBe('SUCCEEDED');
    expect((await run(definition, [1, 2, 3])).result.error).toBe('States.ExceedToleratedFailureThreshold');
  });
});

describe('describeResource', () => {
  it.each([
    ['arn:aws:states:::lambda:invoke', 'lambda', 'invoke'],
    ['arn:aws:states:::events:putEvents.waitForTaskToken', 'events', 'putEvents.waitForTaskToken'],
    ['arn:aws:states:::states:startExecution.sync:2', 'states', 'startExecution.sync:2'],
    ['arn:aws:states:::aws-sdk:dynamodb:getItem', 'aws-sdk:dynamodb', 'getItem'],
  ])('names %s as type %s and resource %s, as AWS history events do', (arn, type, name) => {
    expect(describeResource(arn)).toMatchObject({ type, name, family: 'task' });
  });
});
