import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { realSleep } from '../../../local/states/engine/index.js';
import { ManualClock } from '../../../local/time/clock.js';
import {
  ACCOUNT,
  callbackState,
  createMachine,
  createStates,
  errorCode,
  executionArn,
  FakeSqs,
  finished,
  historyTypes,
  machineArn,
  REGION,
  type TestStates,
  tokenSentTo,
} from './helpers.js';
import { TASK_INTEGRATIONS } from './integrations.js';

let dir: string;
let file: string;
const open: TestStates[] = [];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'states-durability-'));
  file = path.join(dir, 'states.sqlite');
});
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  rmSync(dir, { recursive: true, force: true });
});

async function states(options: Parameters<typeof createStates>[0] = {}): Promise<TestStates> {
  const t = await createStates({ file, ...options });
  open.push(t);
  return t;
}

const invoke = (fn: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: fn, 'Payload.$': '$' },
  ResultSelector: { 'from.$': '$.Payload.from' },
});

describe('StatesService durability', () => {
  it('resumes an execution waiting on a task token without running the completed states again', async () => {
    const first = await states();
    first.lambda.handler = (name) => ({ from: name });
    const stateMachineArn = await createMachine(first.states, 'flow', {
      StartAt: 'Classify',
      States: { Classify: { ...invoke('classify'), Next: 'Ask' }, Ask: callbackState('Route'), Route: { ...invoke('route'), End: true } },
    });
    const { executionArn: arn } = await first.states.StartExecution({ stateMachineArn, name: 'ticket-1', input: '{"id":1}' });
    const token = await tokenSentTo(first.sqs);
    const before = await historyTypes(first.states, arn);
    await first.close();

    const second = await states();
    second.lambda.handler = (name) => ({ from: name });
    expect((await second.states.DescribeExecution({ executionArn: arn })).status).toBe('RUNNING');
    expect(second.sqs.sent).toEqual([]);
    await second.states.SendTaskSuccess({ taskToken: token, output: '{"decision":"approve"}' });
    expect(await finished(second.states, arn)).toMatchObject({ status: 'SUCCEEDED', output: '{"from":"route"}' });
    // Only the state after the callback ran in the new process: classify and the message were not repeated.
    expect(second.lambda.calls.map((c) => c.name)).toEqual(['route']);
    expect(second.lambda.calls[0]?.event).toEqual({ decision: 'approve' });
    expect(second.sqs.sent).toEqual([]);

    const { events } = await second.states.GetExecutionHistory({ executionArn: arn, maxResults: 1000 });
    expect(events.map((e) => e.type).slice(0, before.length)).toEqual(before);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(
      events.filter((e) => e.type === 'TaskStateEntered' && (e.stateEnteredEventDetails as { name: string }).name === 'Ask'),
    ).toHaveLength(1);
    // RUNNING was announced by the first process, the end by the second; a resume announces nothing new.
    expect(first.events.statuses(arn)).toEqual(['RUNNING']);
    expect(second.events.statuses(arn)).toEqual(['SUCCEEDED']);
  });

  it('keeps a SendTaskSuccess acknowledged before the execution is resumed', async () => {
    const first = await states();
    const stateMachineArn = await createMachine(first.states, 'flow', { StartAt: 'Ask', States: { Ask: callbackState() } });
    const { executionArn: arn } = await first.states.StartExecution({ stateMachineArn, name: 'early' });
    const token = await tokenSentTo(first.sqs);
    await first.close();

    const clock = new ManualClock();
    const { StatesService } = await import('../../../local/states/states-service.js');
    const { openDatabase } = await import('../../../local/store/data-folder.js');
    const db = openDatabase(file);
    const dormant = new StatesService({
      db,
      accountId: ACCOUNT,
      region: REGION,
      clock,
      integrations: TASK_INTEGRATIONS,
      services: { sqs: new FakeSqs() },
    });
    await dormant.SendTaskSuccess({ taskToken: token, output: '{"late":false}' });
    expect(await errorCode(dormant.SendTaskSuccess({ taskToken: token, output: '{}' }))).toBe('TaskTimedOut');
    await dormant.start();
    expect(await finished(dormant, arn)).toMatchObject({ status: 'SUCCEEDED', output: '{"late":false}' });
    await dormant.close();
    db.close();
  });

  it('resumes an execution in a Wait state and waits only for what is left of it', async () => {
    const clock = new ManualClock();
    const first = await states({ clock, sleep: realSleep });
    first.lambda.handler = (name) => ({ from: name });
    const stateMachineArn = await createMachine(first.states, 'flow', {
      StartAt: 'Before',
      States: {
        Before: { ...invoke('before'), Next: 'Hold' },
        Hold: { Type: 'Wait', Seconds: 3600, Next: 'After' },
        After: { ...invoke('after'), End: true },
      },
    });
    const { executionArn: arn } = await first.states.StartExecution({ stateMachineArn, name: 'waiting' });
    await vi.waitFor(async () => expect((await historyTypes(first.states, arn)).at(-1)).toBe('WaitStateEntered'));
    await first.close();

    clock.advance(3600_000);
    const second = await states({ clock, sleep: realSleep });
    second.lambda.handler = (name) => ({ from: name });
    expect(await finished(second.states, arn)).toMatchObject({ status: 'SUCCEEDED', output: '{"from":"after"}' });
    expect(second.lambda.calls.map((c) => c.name)).toEqual(['after']);
  });

  it('resumes a .sync parent and its child without starting the child again', async () => {
    const first = await states();
    const childArn = await createMachine(first.states, 'child', { StartAt: 'Ask', States: { Ask: callbackState() } });
    const parentArn = await createMachine(first.states, 'parent', {
      StartAt: 'Run',
      States: {
        Run: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: { StateMachineArn: childArn },
          OutputPath: '$.Output',
          End: true,
        },
      },
    });
    const { executionArn: parent } = await first.states.StartExecution({ stateMachineArn: parentArn, name: 'p' });
    const token = await tokenSentTo(first.sqs);
    await first.close();

    const second = await states();
    await second.states.SendTaskSuccess({ taskToken: token, output: '{"child":"done"}' });
    expect(await finished(second.states, parent)).toMatchObject({ status: 'SUCCEEDED', output: '{"child":"done"}' });
    expect((await second.states.ListExecutions({ stateMachineArn: childArn })).executions).toHaveLength(1);
    expect(second.sqs.sent).toEqual([]);
  });

  it('times out a resumed callback task at its original deadline, not a full TimeoutSeconds after the restart', async () => {
    const clock = new ManualClock();
    const first = await states({ clock });
    const stateMachineArn = await createMachine(first.states, 'flow', {
      StartAt: 'Ask',
      States: { Ask: { ...callbackState(), TimeoutSeconds: 60 } },
    });
    const { executionArn: arn } = await first.states.StartExecution({ stateMachineArn, name: 'late' });
    const token = await tokenSentTo(first.sqs);
    await first.close();

    clock.advance(61_000);
    const second = await states({ clock });
    expect(await finished(second.states, arn)).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect((await historyTypes(second.states, arn)).slice(-2)).toEqual(['TaskTimedOut', 'ExecutionFailed']);
    expect(await errorCode(second.states.SendTaskSuccess({ taskToken: token, output: '{}' }))).toBe('TaskTimedOut');
  });

  it('keeps the state machines created through the API', async () => {
    const first = await states();
    await createMachine(first.states, 'kept', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    await first.close();
    const second = await states();
    expect((await second.states.DescribeStateMachine({ stateMachineArn: machineArn('kept') })).name).toBe('kept');
  });

  it('finishes an execution whose process was killed with SIGKILL while it waited on a token', async () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const service = path.join(root, 'local/states/states-service.ts');
    const store = path.join(root, 'local/store/data-folder.ts');
    const integrations = path.join(root, 'test/local/states/integrations.ts');
    const definition = {
      StartAt: 'Classify',
      States: { Classify: { ...invoke('classify'), Next: 'Ask' }, Ask: callbackState() },
    };
    // The child runs the execution up to the callback, prints the token, and is killed once the send is recorded.
    const child = `
      const { StatesService } = await import(${JSON.stringify(service)});
      const { openDatabase } = await import(${JSON.stringify(store)});
      const { TASK_INTEGRATIONS } = await import(${JSON.stringify(integrations)});
      const states = new StatesService({
        db: openDatabase(${JSON.stringify(file)}), accountId: ${JSON.stringify(ACCOUNT)}, region: ${JSON.stringify(REGION)},
        integrations: TASK_INTEGRATIONS,
        services: {
          lambda: { invoke: async (name) => { process.stdout.write('invoked ' + name + '\\n'); return { ok: true, payload: '{"from":"classify"}', requestId: 'r' }; } },
          sqs: {
            GetQueueUrl: async ({ QueueName }) => ({ QueueUrl: 'http://local/' + QueueName }),
            SendMessage: async ({ MessageBody }) => {
              process.stdout.write('token ' + JSON.parse(MessageBody).token + '\\n');
              // Killed once the send is recorded; a kill between the send and its record sends again (at least once).
              setTimeout(() => process.stdout.write('ready\\n'), 50);
              return { MessageId: 'm', MD5OfMessageBody: 'x' };
            },
          },
        },
      });
      await states.start();
      const { stateMachineArn } = await states.CreateStateMachine({ name: 'killed', definition: ${JSON.stringify(JSON.stringify(definition))}, roleArn: 'arn:aws:iam::${ACCOUNT}:role/r' });
      await states.StartExecution({ stateMachineArn, name: 'victim' });
    `;
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    const token = await new Promise<string>((resolve, reject) => {
      proc.on('error', reject);
      proc.on('exit', (code) => reject(new Error(`child exited early with ${code}:\n${output}`)));
      proc.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const m = /^token (\S+)$/m.exec(output);
        if (m?.[1] && output.includes('ready\n')) resolve(m[1]);
      });
    });
    proc.removeAllListeners('exit');
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
    expect(output.match(/^invoked /gm)).toHaveLength(1);

    const restarted = await states({ clock: new ManualClock(Date.now()) });
    const arn = executionArn('killed', 'victim');
    await restarted.states.SendTaskSuccess({ taskToken: token, output: '{"approved":true}' });
    expect(await finished(restarted.states, arn)).toMatchObject({ status: 'SUCCEEDED', output: '{"approved":true}' });
    expect(restarted.lambda.calls).toEqual([]);
    expect(restarted.sqs.sent).toEqual([]);
  });
});
