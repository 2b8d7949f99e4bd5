import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../../../local/states/engine/index.js';
import { run, stubRunner, types } from './helpers.js';

/**
 * What AWS's recorded answers (LocalStack's AWS-validated snapshots) and the Step Functions
 * guide show where the engine answered otherwise.
 */
const waitUntil = (timestamp: unknown, queryLanguage = 'JSONPath') =>
  JSON.stringify({
    QueryLanguage: queryLanguage,
    StartAt: 'WaitUntil',
    States: { WaitUntil: { Type: 'Wait', Timestamp: timestamp, End: true } },
  });

describe('parseDefinition of a Wait Timestamp', () => {
  it('takes an RFC 3339 time with Z or an offset, to the nanosecond', () => {
    for (const ts of ['2016-03-14T01:59:00Z', '2016-03-05T21:29:29.243167252Z', '2016-03-14T01:59:00+01:00']) {
      expect(() => parseDefinition(waitUntil(ts))).not.toThrow();
    }
    expect(() => parseDefinition(waitUntil("{% '2016-03-14T01:59:00Z' %}", 'JSONata'))).not.toThrow();
  });

  it('fails if the time is not RFC 3339 (no Z nor offset, no T, no such date or time), with CreateStateMachine’s text', () => {
    for (const ts of [
      '2016-12-05T21:29:29',
      '2016-12-05 21:29:29Z',
      '2016-13-05T21:29:29Z',
      '2016-12-05T25:29:29Z',
      '05-12-2016T21:29:29Z',
      "{% '2016-03-14T01:59:00Z' %}",
    ]) {
      expect(() => parseDefinition(waitUntil(ts)), ts).toThrow(
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: String does not match RFC3339 timestamp at /States/WaitUntil/Timestamp'",
      );
    }
  });
});

describe('parseDefinition of a path with a bracket after a dot', () => {
  const parse = (parameters: Record<string, string>) =>
    parseDefinition(JSON.stringify({ StartAt: 'Parse', States: { Parse: { Type: 'Pass', Parameters: parameters, End: true } } }));

  it('takes it as Jayway reads it ($.[0].body is $[0].body), in a path and an intrinsic function, and runs it', async () => {
    // serverless-patterns' normalizer-pattern-cdk: an Express enrichment of a pipe reads the batch's first record.
    const parameters = { 'body.$': 'States.StringToJson($.[0].body)', 'first.$': '$.[0].id' };
    expect(() => parse(parameters)).not.toThrow();
    const { result } = await run({ StartAt: 'Parse', States: { Parse: { Type: 'Pass', Parameters: parameters, End: true } } }, [
      { id: 'm-1', body: '{"source":"systemA"}' },
    ]);
    expect(JSON.parse(result.output ?? 'null')).toEqual({ body: { source: 'systemA' }, first: 'm-1' });
  });

  it('fails if the path is still not one Jayway reads', () => {
    for (const path of ['$.[0', '$.a..', 'States.StringToJson($.[0)']) {
      expect(() => parse({ 'body.$': path }), path).toThrow(/^Invalid State Machine Definition: /);
    }
  });
});

describe('a JSONata Choice rule', () => {
  it('runs a literal "Condition": true', async () => {
    const { result } = await run({
      QueryLanguage: 'JSONata',
      StartAt: 'Pick',
      States: {
        Pick: { Type: 'Choice', Choices: [{ Condition: true, Next: 'Yes' }], Default: 'No' },
        Yes: { Type: 'Succeed' },
        No: { Type: 'Fail', Error: 'No' },
      },
    });
    expect(result.status).toBe('SUCCEEDED');
  });
});

describe('States.Runtime', () => {
  it('is neither retried nor caught, even by a Retrier and a Catcher naming it: it fails the execution', async () => {
    const runner = stubRunner({ work: () => ({ done: true }) });
    const { result, events } = await run(
      {
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: 'work',
            OutputPath: '$.missing',
            Retry: [{ ErrorEquals: ['States.Runtime'], MaxAttempts: 2, IntervalSeconds: 1 }],
            Catch: [{ ErrorEquals: ['States.Runtime'], Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Pass', End: true },
        },
      },
      {},
      { taskRunner: runner },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(runner.calls).toHaveLength(1);
    expect(types(events).at(-1)).toBe('ExecutionFailed');
  });
});

describe('a reference path that matches nothing', () => {
  const outputPath = async (path: string) =>
    (await run({ StartAt: 'P', States: { P: { Type: 'Pass', Result: { a: {} }, OutputPath: path, End: true } } })).result;

  it("fails with Jayway's words: a property missing before the last is `Missing property in path` up to it, as AWS records", async () => {
    const result = await outputPath('$.no.such.result.path');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toBe(
      "An error occurred while executing the state 'P' (entered at the event id #2). Invalid path '$.no.such.result.path' : Missing property in path $['no']",
    );
    expect((await outputPath('$.a.b.c')).cause).toMatch(/Invalid path '\$\.a\.b\.c' : Missing property in path \$\['a'\]\['b'\]$/);
  });

  it('fails with `No results for path` when only its last property is missing', async () => {
    expect((await outputPath('$.a.b')).cause).toMatch(/Invalid path '\$\.a\.b' : No results for path: \$\['a'\]\['b'\]$/);
  });
});

describe('a Parallel state', () => {
  it('records ParallelStateSucceeded after its branches, and its Exited follows the last branch event, as AWS’s event ids show', async () => {
    const { events } = await run({
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }],
          End: true,
        },
      },
    });
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'ParallelStateEntered',
      'ParallelStateStarted',
      'PassStateEntered',
      'PassStateExited',
      'ParallelStateSucceeded',
      'ParallelStateExited',
      'ExecutionSucceeded',
    ]);
    const [branchExited, succeeded, exited] = events.slice(4, 7);
    expect(succeeded?.previousEventId).toBe(branchExited?.id);
    expect(exited?.previousEventId).toBe(branchExited?.id);
  });
});

describe('an inline Map state', () => {
  it('starts an iteration after the last one’s state events and ends after its MapIterationSucceeded, as AWS’s event ids show', async () => {
    const { events } = await run(
      {
        StartAt: 'Each',
        States: {
          Each: { Type: 'Map', MaxConcurrency: 1, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true },
        },
      },
      [1, 2],
    );
    const previous = (type: string, nth = 0) => events.filter((e) => e.type === type)[nth]?.previousEventId;
    const id = (type: string, nth = 0) => events.filter((e) => e.type === type)[nth]?.id;
    expect(previous('MapIterationStarted', 1)).toBe(id('PassStateExited', 0));
    expect(previous('MapStateSucceeded')).toBe(id('MapIterationSucceeded', 1));
    expect(previous('MapStateExited')).toBe(id('MapIterationSucceeded', 1));
  });
});

describe("a Task's Credentials", () => {
  it('are evaluated as Parameters are, its TaskScheduled naming the role as taskCredentials and the runner getting it, as AWS records', async () => {
    const resource = 'arn:aws:states:::lambda:invoke';
    const runner = stubRunner({ [resource]: () => ({}) });
    const { events } = await run(
      {
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: resource,
            Parameters: { FunctionName: 'f' },
            Credentials: { 'RoleArn.$': "States.Format('arn:aws:iam::{}:role/{}', $.account, 'CrossAccountRole')" },
            End: true,
          },
        },
      },
      { account: '111111111111' },
      { taskRunner: runner },
    );
    const roleArn = 'arn:aws:iam::111111111111:role/CrossAccountRole';
    expect(events.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails).toMatchObject({ taskCredentials: { roleArn } });
    expect(runner.calls[0]?.credentials).toEqual({ RoleArn: roleArn });
  });
});

describe('a Task that times out', () => {
  it('is caught with an empty Cause, while its TaskTimedOut has none, as AWS records a lambda:invoke past TimeoutSeconds', async () => {
    const runner = {
      run: (req: { signal: AbortSignal }) =>
        new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(new Error('aborted')))),
    };
    const timer = (_ms: number, signal: AbortSignal) => (signal.aborted ? Promise.reject(signal.reason) : Promise.resolve());
    const { output, events } = await run(
      {
        StartAt: 'Start',
        States: {
          Start: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            TimeoutSeconds: 5,
            Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'EndWithHandler' }],
            End: true,
          },
          EndWithHandler: { Type: 'Pass', ResultPath: '$.error', End: true },
        },
      },
      {},
      { taskRunner: runner, timer },
    );
    expect(output).toEqual({ Error: 'States.Timeout', Cause: '', error: { Error: 'States.Timeout', Cause: '' } });
    expect(events.find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails).toEqual({
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'States.Timeout',
    });
  });
});

describe('a Task whose result is over the 256 KiB quota', () => {
  const large = 'a'.repeat(257 * 1024);
  const catchingAll = (resource: string) => ({
    StartAt: 'InvokeLambda',
    States: {
      InvokeLambda: { Type: 'Task', Resource: resource, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'HandleGeneralError' }], End: true },
      HandleGeneralError: { Type: 'Pass', End: true },
    },
  });

  it('fails as the task with States.DataLimitExceeded naming the integration, which States.ALL catches, as AWS records it', async () => {
    const resource = 'arn:aws:states:::lambda:invoke';
    const { output, events } = await run(catchingAll(resource), {}, { taskRunner: stubRunner({ [resource]: () => large }) });
    const cause = "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit.";
    expect(events.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails).toEqual({
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'States.DataLimitExceeded',
      cause,
    });
    expect(types(events)).not.toContain('TaskSucceeded');
    expect(output).toEqual({ Error: 'States.DataLimitExceeded', Cause: cause });
  });

  it("names a function's ARN in its LambdaFunctionFailed", async () => {
    const resource = 'arn:aws:lambda:us-east-1:111111111111:function:large';
    const { events } = await run(catchingAll(resource), {}, { taskRunner: stubRunner({ [resource]: () => large }) });
    expect(events.find((e) => e.type === 'LambdaFunctionFailed')?.lambdaFunctionFailedEventDetails).toEqual({
      error: 'States.DataLimitExceeded',
      cause: `The state/task '${resource}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    });
  });

  it("is not caught by States.ALL when it is a state's output that is over the quota (terminal, as AWS documents)", async () => {
    const { result } = await run({
      StartAt: 'Large',
      States: {
        Large: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'P', States: { P: { Type: 'Pass', Result: large, End: true } } }],
          End: true,
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
        },
        Caught: { Type: 'Pass', End: true },
      },
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.DataLimitExceeded');
  });
});

describe('a JSONata expression that fails', () => {
  it('records EvaluationFailed after the event its state’s entry followed, and the failure after it, as AWS’s event ids show', async () => {
    const { events } = await run({
      QueryLanguage: 'JSONata',
      StartAt: 'First',
      States: { First: { Type: 'Pass', Next: 'Second' }, Second: { Type: 'Pass', Output: '{% $doesNotExist %}', End: true } },
    });
    const byType = (type: string, nth = 0) => events.filter((e) => e.type === type)[nth];
    expect(byType('EvaluationFailed')?.previousEventId).toBe(byType('PassStateExited')?.id);
    expect(byType('ExecutionFailed')?.previousEventId).toBe(byType('EvaluationFailed')?.id);
  });
});

describe('a Map state that fails', () => {
  it('records MapStateFailed after the failing iteration’s last event before its MapIterationFailed, as AWS’s event ids show', async () => {
    const { events } = await run(
      {
        StartAt: 'Each',
        States: {
          Each: { Type: 'Map', ItemProcessor: { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Boom' } } }, End: true },
        },
      },
      [1],
    );
    const byType = (type: string) => events.find((e) => e.type === type);
    expect(types(events)).toContain('MapIterationFailed');
    expect(byType('MapStateFailed')?.previousEventId).toBe(byType('FailStateEntered')?.id);
  });
});

describe('an EvaluationFailed event', () => {
  const jsonata = (states: Record<string, unknown>, startAt: string) => ({ QueryLanguage: 'JSONata', StartAt: startAt, States: states });

  it('follows the event before its state’s entry, as AWS’s recorded ids show, and the state’s failure follows it', async () => {
    const { events } = await run(
      jsonata(
        {
          Load: { Type: 'Pass', Next: 'Each' },
          Each: {
            Type: 'Map',
            Items: '{% $states.input.items %}',
            ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
            End: true,
          },
        },
        'Load',
      ),
      { items: { foo: 'bar' } },
    );
    const entered = events.find((e) => e.type === 'MapStateEntered');
    const failed = events.find((e) => e.type === 'EvaluationFailed');
    expect(failed?.previousEventId).toBe(entered?.previousEventId);
    expect(events.find((e) => e.type === 'MapStateFailed')?.previousEventId).toBe(failed?.id);
  });

  it('follows a Wait state’s entry, whose Timestamp is evaluated as it waits', async () => {
    const { events } = await run(jsonata({ W: { Type: 'Wait', Timestamp: "{% 'not a time' %}", End: true } }, 'W'));
    const entered = events.find((e) => e.type === 'WaitStateEntered');
    expect(events.find((e) => e.type === 'EvaluationFailed')?.previousEventId).toBe(entered?.id);
  });
});

describe('a distributed Map state', () => {
  const distributed = (extra: Record<string, unknown> = {}) => ({
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'P',
          States: { P: { Type: 'Pass', End: true } },
        },
        End: true,
        ...extra,
      },
    },
  });

  it('records MapStateExited after its MapRunStarted, as AWS’s event ids show since 2024-11 (its MapStateSucceeded after MapRunSucceeded)', async () => {
    const { events } = await run(distributed(), [1, 2]);
    const id = (type: string) => events.find((e) => e.type === type)?.id;
    expect(events.find((e) => e.type === 'MapStateSucceeded')?.previousEventId).toBe(id('MapRunSucceeded'));
    expect(events.find((e) => e.type === 'MapStateExited')?.previousEventId).toBe(id('MapRunStarted'));
  });

  it('starts with a length of 0 when an ItemReader reads its items, as AWS records', async () => {
    const runner = stubRunner({ 'arn:aws:states:::aws-sdk:s3:getObject': () => ({ Body: '[1, 2, 3]' }) });
    const reader = {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { Bucket: 'b', Key: 'k' },
    };
    const { events, output } = await run(distributed({ ItemReader: reader }), {}, { taskRunner: runner });
    expect(output).toEqual([1, 2, 3]);
    expect(events.find((e) => e.type === 'MapStateStarted')?.mapStateStartedEventDetails).toEqual({ length: 0 });
  });
});
