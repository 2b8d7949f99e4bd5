import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { renderExecution } from '../../cli/commands/execution.js';
import { batches, MAX_BATCH_BYTES } from '../../cli/commands/send.js';
import { executionFailure, stateVisits } from '../../cli/state-visits.js';
import { RUNNING_DEV } from '../../inspect/assembly.js';
import { clientConfig, describeAwsError, resolveTarget, SERVICE_IDS, type Service, serviceEndpointVariable } from '../../inspect/aws.js';
import { deployedNameMatches, type FlowDefinition } from '../../inspect/flows.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('send batches', () => {
  const entry = (bytes: number) => ({ Source: 's', DetailType: 'd', Detail: 'x'.repeat(bytes) });

  it('puts at most 10 entries in one PutEvents call', () => {
    expect(batches(Array.from({ length: 25 }, () => entry(10))).map((b) => b.length)).toEqual([10, 10, 5]);
  });

  it('starts a new call before the request would pass the size limit', () => {
    const sizes = batches(Array.from({ length: 5 }, () => entry(400 * 1024))).map((b) => b.length);
    expect(sizes).toEqual([2, 2, 1]);
    expect(batches([entry(MAX_BATCH_BYTES), entry(1)]).map((b) => b.length)).toEqual([1, 1]);
  });
});

describe('the target', () => {
  it('is the local runtime unless AWS is asked for explicitly', () => {
    expect(resolveTarget({}, { AWS_PROFILE: 'prod', AWS_REGION: 'eu-west-1' })).toEqual({
      kind: 'local',
      endpoint: 'http://127.0.0.1:4566',
      region: 'eu-west-1',
    });
    expect(resolveTarget({ profile: 'prod' }, {})).toEqual({ kind: 'aws', profile: 'prod', region: undefined });
    expect(resolveTarget({}, { SWITCHYARD_TARGET: 'aws' })).toMatchObject({ kind: 'aws' });
    expect(resolveTarget({}, { SWITCHYARD_ENDPOINT: 'http://localhost:4599/' })).toMatchObject({ endpoint: 'http://localhost:4599' });
  });

  it("is the endpoint of the switchyard dev running in the command's folder (its --port) when no endpoint is set, else the default", () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'switchyard-target-'));
    try {
      mkdirSync(path.join(cwd, '.switchyard'));
      const running = (dev: object) => writeFileSync(path.join(cwd, RUNNING_DEV), JSON.stringify(dev));
      running({ pid: process.pid, startedAt: new Date().toISOString(), endpoint: 'http://127.0.0.1:4599' });
      expect(resolveTarget({}, {}, cwd)).toEqual({ kind: 'local', endpoint: 'http://127.0.0.1:4599', region: 'us-east-1' });
      // What the user set says where, as before.
      expect(resolveTarget({ endpoint: 'http://127.0.0.1:4600' }, {}, cwd)).toMatchObject({ endpoint: 'http://127.0.0.1:4600' });
      expect(resolveTarget({}, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4601' }, cwd)).toMatchObject({ endpoint: 'http://127.0.0.1:4601' });
      expect(resolveTarget({}, { SWITCHYARD_TARGET: 'aws' }, cwd)).toMatchObject({ kind: 'aws' });
      // A dev that has ended (killed: its record left behind), or one of an older version: the default.
      running({ pid: 2 ** 22 + 1, startedAt: new Date().toISOString(), endpoint: 'http://127.0.0.1:4599' });
      expect(resolveTarget({}, {}, cwd)).toMatchObject({ endpoint: 'http://127.0.0.1:4566' });
      running({ pid: process.pid, startedAt: new Date().toISOString() });
      expect(resolveTarget({}, {}, cwd)).toMatchObject({ endpoint: 'http://127.0.0.1:4566' });
      writeFileSync(path.join(cwd, RUNNING_DEV), '{"pid":');
      expect(resolveTarget({}, {}, cwd)).toMatchObject({ endpoint: 'http://127.0.0.1:4566' });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('fails if --endpoint is combined with --aws', () => {
    expect(() => resolveTarget({ aws: true, endpoint: 'http://x' }, {})).toThrow('--endpoint targets the local runtime');
  });
});

describe('the endpoint of each service', () => {
  const endpoints = (target: ReturnType<typeof resolveTarget>) =>
    Object.fromEntries(
      (Object.keys(SERVICE_IDS) as Service[]).map((s) => [s, (clientConfig(target, s) as { endpoint?: string }).endpoint]),
    );

  it('names the variables as the AWS SDKs do: AWS_ENDPOINT_URL_ and the service id upper-cased, spaces as _', () => {
    expect((Object.keys(SERVICE_IDS) as Service[]).map(serviceEndpointVariable)).toEqual([
      'AWS_ENDPOINT_URL_EVENTBRIDGE',
      'AWS_ENDPOINT_URL_EVENTBRIDGEV2',
      'AWS_ENDPOINT_URL_SFN',
      'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
      'AWS_ENDPOINT_URL_SQS',
      'AWS_ENDPOINT_URL_LAMBDA',
      'AWS_ENDPOINT_URL_DYNAMODB',
      'AWS_ENDPOINT_URL_SNS',
      'AWS_ENDPOINT_URL_S3',
      'AWS_ENDPOINT_URL_SESV2',
      'AWS_ENDPOINT_URL_SCHEDULER',
      'AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER',
    ]);
  });

  it('is AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the default; the read API follows the general one', () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://general:1/',
      AWS_ENDPOINT_URL_SFN: 'http://states:2',
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://logs:3',
      AWS_ENDPOINT_URL_EVENTBRIDGEV2: 'http://busesv2:7',
    };
    const target = resolveTarget({}, env);
    expect(target).toMatchObject({ kind: 'local', endpoint: 'http://general:1' });
    expect(endpoints(target)).toEqual({
      events: 'http://general:1',
      eventsv2: 'http://busesv2:7',
      sfn: 'http://states:2',
      logs: 'http://logs:3',
      sqs: 'http://general:1',
      lambda: 'http://general:1',
      dynamodb: 'http://general:1',
      sns: 'http://general:1',
      s3: 'http://general:1',
      sesv2: 'http://general:1',
      scheduler: 'http://general:1',
      cognito: 'http://general:1',
    });
    const onlyOne = resolveTarget({}, { AWS_ENDPOINT_URL_SQS: 'http://queues:4' });
    expect(onlyOne).toMatchObject({ endpoint: 'http://127.0.0.1:4566' });
    expect(endpoints(onlyOne)).toMatchObject({ sqs: 'http://queues:4', sfn: 'http://127.0.0.1:4566' });
  });

  it('is --endpoint, then SWITCHYARD_ENDPOINT, for every service, before any AWS_ENDPOINT_URL variable', () => {
    const env = {
      SWITCHYARD_ENDPOINT: 'http://switchyard:5',
      AWS_ENDPOINT_URL: 'http://general:1',
      AWS_ENDPOINT_URL_SFN: 'http://states:2',
    };
    expect(new Set(Object.values(endpoints(resolveTarget({}, env))))).toEqual(new Set(['http://switchyard:5']));
    expect(new Set(Object.values(endpoints(resolveTarget({ endpoint: 'http://flag:6' }, env))))).toEqual(new Set(['http://flag:6']));
  });

  it('ignores empty variables, as the SDKs do, and leaves them to the SDK with --aws', () => {
    expect(resolveTarget({}, { AWS_ENDPOINT_URL: '', SWITCHYARD_ENDPOINT: '' })).toEqual({
      kind: 'local',
      endpoint: 'http://127.0.0.1:4566',
      region: 'us-east-1',
    });
    const aws = resolveTarget({ aws: true }, { AWS_ENDPOINT_URL: 'http://general:1' });
    expect(aws).toEqual({ kind: 'aws', region: undefined, profile: undefined });
    expect(clientConfig(aws, 'sfn')).not.toHaveProperty('endpoint');
  });

  it('names the unreachable endpoints, the per-service ones too', () => {
    const target = resolveTarget({}, { AWS_ENDPOINT_URL_SFN: 'http://states:2' });
    expect(describeAwsError(target, Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })).message).toMatch(
      /^no local runtime at http:\/\/127\.0\.0\.1:4566 \(or http:\/\/states:2, from AWS_ENDPOINT_URL_<SERVICE>\): /,
    );
  });

  it("says how any app's user starts a runtime and points the shell at it, not a script only this repository has", () => {
    const target = resolveTarget({ region: 'eu-west-1' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4851' });
    const message = describeAwsError(target, Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })).message;
    expect(message).toBe(
      "no local runtime at http://127.0.0.1:4851: start one with `npx switchyard dev` in the app's folder (or pass --endpoint). " +
        "For a runtime elsewhere, point this shell's commands, AWS CLI and SDKs at the endpoint its start-up prints: " +
        'export AWS_ENDPOINT_URL=http://127.0.0.1:4851 AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local',
    );
    expect(message).not.toContain('npm start');
  });

  it('fails if a variable is not a URL, naming it', () => {
    expect(() => resolveTarget({}, { AWS_ENDPOINT_URL_SQS: 'queues' })).toThrow(
      'AWS_ENDPOINT_URL_SQS must be a URL such as http://127.0.0.1:4566 (got "queues")',
    );
    expect(() => resolveTarget({}, { SWITCHYARD_ENDPOINT: 'nope' })).toThrow('SWITCHYARD_ENDPOINT must be a URL');
    expect(() => resolveTarget({ endpoint: 'nope' }, {})).toThrow('--endpoint must be a URL');
  });
});

describe('flow names in the target', () => {
  const flow: FlowDefinition = {
    flow: 'Escalation',
    stackName: 'Switchyard',
    logicalId: 'EscalationStateMachine8B4B0C06',
    type: 'STANDARD',
    logs: true,
  };

  it("matches the local runtime's and CloudFormation's generated names, and no other stack's", () => {
    expect(deployedNameMatches(flow, 'Switchyard-EscalationStateMachine8B4B0C06')).toBe(true);
    expect(deployedNameMatches(flow, 'EscalationStateMachine8B4B0C06-AbCdEf123456')).toBe(true);
    expect(deployedNameMatches(flow, 'Other-EscalationStateMachine8B4B0C06')).toBe(false);
    expect(deployedNameMatches({ ...flow, explicitName: 'escalations' }, 'escalations')).toBe(true);
  });
});

describe('execution history', () => {
  // ClassifyTicket fails once (retried), then fails again and is caught into ModelFailed; the execution then fails.
  const events: HistoryEvent[] = [
    { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
    {
      id: 2,
      previousEventId: 1,
      type: 'TaskStateEntered',
      timestamp: at(0),
      stateEnteredEventDetails: { name: 'ClassifyTicket', input: '{"a":1}' },
    },
    { id: 3, previousEventId: 2, type: 'TaskScheduled', timestamp: at(0) },
    {
      id: 4,
      previousEventId: 3,
      type: 'TaskFailed',
      timestamp: at(1),
      taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'ModelThrottled', cause: 'slow down' },
    },
    { id: 5, previousEventId: 4, type: 'TaskScheduled', timestamp: at(3) },
    {
      id: 6,
      previousEventId: 5,
      type: 'TaskFailed',
      timestamp: at(4),
      taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'ModelUnavailable', cause: 'down' },
    },
    {
      id: 7,
      previousEventId: 6,
      type: 'TaskStateExited',
      timestamp: at(4),
      stateExitedEventDetails: { name: 'ClassifyTicket', output: '{"Error":"ModelUnavailable"}' },
    },
    {
      id: 8,
      previousEventId: 7,
      type: 'PassStateEntered',
      timestamp: at(4),
      stateEnteredEventDetails: { name: 'ModelFailed', input: '{}' },
    },
    {
      id: 9,
      previousEventId: 8,
      type: 'ExecutionFailed',
      timestamp: at(5),
      executionFailedEventDetails: { error: 'States.Runtime', cause: 'bad output' },
    },
  ];

  it('lists each state with its duration, every try, the caught error and where it went', () => {
    const [classify, failed] = stateVisits(events);
    expect(classify).toMatchObject({
      name: 'ClassifyTicket',
      type: 'Task',
      durationMs: 4000,
      input: '{"a":1}',
      status: 'caught',
      attempts: [
        { outcome: 'failed', error: 'ModelThrottled', cause: 'slow down' },
        { outcome: 'failed', error: 'ModelUnavailable', cause: 'down' },
      ],
      caught: { error: 'ModelUnavailable', next: 'ModelFailed' },
    });
    expect(failed).toMatchObject({ name: 'ModelFailed', status: 'failed', durationMs: 1000 });
    expect(executionFailure(events)).toEqual({ error: 'States.Runtime', cause: 'bad output' });
  });

  it('marks a task that succeeded after a retry as succeeded', () => {
    const retried: HistoryEvent[] = [
      ...events.slice(0, 4),
      { id: 5, previousEventId: 4, type: 'TaskScheduled', timestamp: at(3) },
      { id: 6, previousEventId: 5, type: 'TaskSucceeded', timestamp: at(4) },
      {
        id: 7,
        previousEventId: 6,
        type: 'TaskStateExited',
        timestamp: at(4),
        stateExitedEventDetails: { name: 'ClassifyTicket', output: '{}' },
      },
    ];
    const [classify] = stateVisits(retried);
    expect(classify?.status).toBe('succeeded');
    expect(classify?.attempts.map((a) => a.outcome)).toEqual(['failed', 'succeeded']);
    expect(classify?.caught).toBeUndefined();
  });

  it('says an execution was redriven, and marks the visit it failed in, so the old failure does not read as the outcome', () => {
    const task = (id: number, previousEventId: number, type: HistoryEvent['type'], s: number, more: Partial<HistoryEvent> = {}) => ({
      id,
      previousEventId,
      type,
      timestamp: at(s),
      ...more,
    });
    const redriven: HistoryEvent[] = [
      { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
      task(2, 1, 'TaskStateEntered', 0, { stateEnteredEventDetails: { name: 'Assess', input: '{}' } }),
      task(3, 2, 'TaskScheduled', 0),
      task(4, 3, 'TaskFailed', 1, {
        taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'Error', cause: 'no risk model' },
      }),
      task(5, 4, 'ExecutionFailed', 1, { executionFailedEventDetails: { error: 'Error', cause: 'no risk model' } }),
      task(6, 5, 'ExecutionRedriven', 10, { executionRedrivenEventDetails: { redriveCount: 1 } }),
      task(7, 6, 'TaskStateEntered', 10, { stateEnteredEventDetails: { name: 'Assess', input: '{}' } }),
      task(8, 7, 'TaskScheduled', 10),
      task(9, 8, 'TaskSucceeded', 11),
      task(10, 9, 'TaskStateExited', 11, { stateExitedEventDetails: { name: 'Assess', output: '{"risk":"low"}' } }),
      task(11, 10, 'ExecutionSucceeded', 11, { executionSucceededEventDetails: { output: '{"risk":"low"}' } }),
    ];
    const lines: string[] = [];
    renderExecution((line) => lines.push(line), {
      flow: 'Fulfilment',
      execution: {
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Fulfilment:O-1',
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Fulfilment',
        name: 'O-1',
        status: 'SUCCEEDED',
        startDate: at(0),
        stopDate: at(11),
        redriveCount: 1,
        redriveDate: at(10),
      },
      fork: undefined,
      forks: undefined,
      visits: stateVisits(redriven),
      failure: executionFailure(redriven),
      full: false,
    });
    expect(lines).toContain('  redriven once, last at 2026-01-01 00:00:10Z');
    expect(lines.filter((line) => /^ {3}\d\. Assess/.test(line))).toEqual([
      '   1. Assess  [Task]  failed, then redriven  1.0s',
      '   2. Assess  [Task]  succeeded  1.0s',
    ]);
    expect(lines.join('\n')).not.toContain('Failed:');
  });

  it("closes a Parallel whose exit follows its last branch's events, and leaves that branch's state closed once", () => {
    const entered = (id: number, previousEventId: number, type: HistoryEvent['type'], name: string): HistoryEvent => ({
      id,
      previousEventId,
      type,
      timestamp: at(id),
      stateEnteredEventDetails: { name, input: '{}' },
    });
    const exited = (id: number, previousEventId: number, type: HistoryEvent['type'], name: string): HistoryEvent => ({
      id,
      previousEventId,
      type,
      timestamp: at(id),
      stateExitedEventDetails: { name, output: '{}' },
    });
    const visits = stateVisits([
      { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
      entered(2, 1, 'ParallelStateEntered', 'Layer'),
      { id: 3, previousEventId: 2, type: 'ParallelStateStarted', timestamp: at(3) },
      entered(4, 3, 'PassStateEntered', 'A'),
      entered(5, 3, 'PassStateEntered', 'B'),
      exited(6, 4, 'PassStateExited', 'A'),
      exited(7, 5, 'PassStateExited', 'B'),
      exited(8, 7, 'ParallelStateExited', 'Layer'),
      { id: 9, previousEventId: 8, type: 'ExecutionSucceeded', timestamp: at(9) },
    ]);
    expect(visits.map((v) => [v.name, v.status, v.durationMs])).toEqual([
      ['Layer', 'succeeded', 6000],
      ['A', 'succeeded', 2000],
      ['B', 'succeeded', 2000],
    ]);
  });
});
