import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatesService } from '../../../local/states/states-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { ACCOUNT, createMachine, createStates, errorCode, finished, historyTypes, REGION, type TestStates } from './helpers.js';

let dir: string | undefined;
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function states(file?: string): Promise<TestStates> {
  const t = await createStates(file ? { file } : {});
  open.push(t);
  return t;
}

const activityTask = (activityArn: string, limits: Record<string, number> = {}) => ({
  StartAt: 'Work',
  States: { Work: { Type: 'Task', Resource: activityArn, ...limits, End: true } },
});

/** Polls until the worker gets a task (a poll that ends without one polls again). */
async function claim(service: StatesService, activityArn: string, workerName = 'worker-1') {
  return vi.waitFor(
    async () => {
      const { taskToken, input } = await service.GetActivityTask({ activityArn, workerName });
      if (taskToken === undefined) throw new Error('no task yet');
      return { taskToken, input };
    },
    { interval: 5 },
  );
}

describe('Step Functions activities', () => {
  it('hands a scheduled task to a worker, records it as started by that worker, and succeeds with its output', async () => {
    const { states: service } = await states();
    const { activityArn } = await service.CreateActivity({ name: 'review' });
    const stateMachineArn = await createMachine(service, 'flow', activityTask(activityArn));
    const { executionArn } = await service.StartExecution({ stateMachineArn, input: '{"doc":7}' });
    const task = await claim(service, activityArn);
    expect(task.input).toBe('{"doc":7}');
    await service.SendTaskSuccess({ taskToken: task.taskToken, output: '{"ok":true}' });
    expect(await finished(service, executionArn)).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":true}' });
    const { events } = await service.GetExecutionHistory({ executionArn });
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivitySucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[2]?.activityScheduledEventDetails).toEqual({
      resource: activityArn,
      input: '{"doc":7}',
      inputDetails: { truncated: false },
    });
    expect(events[3]?.activityStartedEventDetails).toEqual({ workerName: 'worker-1' });
  });

  it('fails a task whose worker misses its heartbeat with States.Timeout, and keeps one whose worker beats', async () => {
    const { states: service } = await states();
    const { activityArn } = await service.CreateActivity({ name: 'slow' });
    const stateMachineArn = await createMachine(service, 'flow', activityTask(activityArn, { HeartbeatSeconds: 1 }));
    const silent = await service.StartExecution({ stateMachineArn, name: 'silent' });
    await claim(service, activityArn);
    expect(await finished(service, silent.executionArn)).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(await historyTypes(service, silent.executionArn)).toContain('ActivityTimedOut');

    const beating = await service.StartExecution({ stateMachineArn, name: 'beating' });
    const task = await claim(service, activityArn);
    for (let beat = 0; beat < 3; beat++) {
      await new Promise((resolve) => setTimeout(resolve, 600));
      await service.SendTaskHeartbeat({ taskToken: task.taskToken });
    }
    await service.SendTaskSuccess({ taskToken: task.taskToken, output: '{}' });
    expect(await finished(service, beating.executionArn)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('fails a Task naming an activity that does not exist with States.Runtime, before scheduling it', async () => {
    const { states: service } = await states();
    const missing = `arn:aws:states:${REGION}:${ACCOUNT}:activity:gone`;
    const stateMachineArn = await createMachine(service, 'flow', activityTask(missing));
    const { executionArn } = await service.StartExecution({ stateMachineArn });
    expect(await finished(service, executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: `An error occurred while executing the state 'Work' (entered at the event id #2). The activity ${missing} does not exist.`,
    });
    expect(await historyTypes(service, executionArn)).not.toContain('ActivityScheduled');
  });

  it('answers a poll with no task after 60 seconds of the service clock', async () => {
    const clock = new AdvanceableClock();
    const db = openDatabase(':memory:');
    const service = new StatesService({ db, accountId: ACCOUNT, region: REGION, clock });
    open.push({ close: async () => service.close() });
    await service.start();
    const { activityArn } = await service.CreateActivity({ name: 'idle' });
    let answered: unknown;
    const poll = service.GetActivityTask({ activityArn }).then((answer) => {
      answered = answer;
    });
    // The poll's wait is a background wake: it keeps no test's clock from being idle.
    await vi.waitFor(() => expect(clock.nextWake({ includeBackground: true })).toBeDefined(), { interval: 5 });
    clock.advance(59_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBeUndefined();
    clock.advance(1_000);
    await poll;
    expect(answered).toEqual({});
  });

  it('fails to create an Express state machine with an activity Task, as AWS refuses it', async () => {
    const { states: service } = await states();
    const { activityArn } = await service.CreateActivity({ name: 'fast' });
    expect(await errorCode(createMachine(service, 'express', activityTask(activityArn), 'EXPRESS'))).toBe('InvalidDefinition');
  });

  it('fails TestState of an activity task without a mock, as TestState runs activities only mocked', async () => {
    const { states: service } = await states();
    const { activityArn } = await service.CreateActivity({ name: 'tested' });
    const definition = JSON.stringify({ Type: 'Task', Resource: activityArn, End: true });
    expect(await errorCode(service.TestState({ definition, roleArn: 'arn:aws:iam::000000000000:role/r' }))).toBe('ValidationException');
    const mocked = await service.TestState({ definition, mock: { result: '{"ok":1}' } });
    expect(mocked).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":1}' });
  });

  it('fails GetActivityTask and DescribeActivity for a deleted activity with ActivityDoesNotExist', async () => {
    const { states: service } = await states();
    const { activityArn } = await service.CreateActivity({ name: 'gone' });
    await service.DeleteActivity({ activityArn });
    expect(await errorCode(service.GetActivityTask({ activityArn }))).toBe('ActivityDoesNotExist');
    expect(await errorCode(service.DescribeActivity({ activityArn }))).toBe('ActivityDoesNotExist');
  });

  it('keeps activities and their unclaimed tasks across a restart: a worker claims it after, and the execution ends with its answer', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'states-activities-'));
    const file = path.join(dir, 'states.sqlite');
    const first = await states(file);
    const { activityArn } = await first.states.CreateActivity({ name: 'durable' });
    const stateMachineArn = await createMachine(first.states, 'flow', activityTask(activityArn));
    const { executionArn } = await first.states.StartExecution({ stateMachineArn, input: '{"n":1}' });
    await vi.waitFor(async () => expect(await historyTypes(first.states, executionArn)).toContain('ActivityScheduled'));
    await first.close();

    const second = await states(file);
    expect(await second.states.ListActivities({})).toMatchObject({ activities: [{ activityArn, name: 'durable' }] });
    const task = await claim(second.states, activityArn, 'after-restart');
    expect(task.input).toBe('{"n":1}');
    await second.states.SendTaskSuccess({ taskToken: task.taskToken, output: '{"done":1}' });
    expect(await finished(second.states, executionArn)).toMatchObject({ status: 'SUCCEEDED', output: '{"done":1}' });
    const { events } = await second.states.GetExecutionHistory({ executionArn });
    expect(events.filter((e) => e.type === 'ActivityScheduled')).toHaveLength(1);
    expect(events.find((e) => e.type === 'ActivityStarted')?.activityStartedEventDetails).toEqual({ workerName: 'after-restart' });
  });
});
