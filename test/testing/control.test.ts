import * as path from 'node:path';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORK_INPUT_KEY } from '../../contracts/fork.js';
import { executionNameFor } from '../../contracts/identity.js';
import type { AnyEventContract } from '../../contracts/index.js';
import { startApp, type TestApp } from '../../testing/index.js';
import { tempAssemblyDir, writeAssembly } from '../local/assembly.js';
import { orderPlacedTrigger } from '../local/order-placed-trigger.js';

/**
 * The name a workflow starter gives the execution about an order (contracts/identity.ts), as
 * `switchyard executions` shows it by its business key `OrderPlaced#orderId="<id>"`.
 */
const executionAbout = (orderId: string) =>
  executionNameFor({ detailType: 'OrderPlaced' } as AnyEventContract, `OrderPlaced#orderId=${JSON.stringify(orderId)}`);

/**
 * A hand-written assembly with one Standard state machine: Outline, Draft, then a Wait of
 * `$.pause` seconds (0 ends at once; a long one keeps an execution running to stop it). Its
 * Workflow-like trigger (OrderPlaced, a rule to a queue its starter drains, the starter naming
 * the state machine) is what lets the id alone name an execution.
 */
function writerApp(): string {
  const definition = {
    StartAt: 'Outline',
    States: {
      Outline: { Type: 'Pass', Parameters: { 'prompt.$': "States.Format('Outline of {}', $.topic)", 'pause.$': '$.pause' }, Next: 'Draft' },
      Draft: { Type: 'Pass', Parameters: { 'text.$': "States.Format('Draft from: {}', $.prompt)", 'pause.$': '$.pause' }, Next: 'Hold' },
      Hold: { Type: 'Wait', SecondsPath: '$.pause', End: true },
    },
  };
  return writeAssembly(path.join(tempAssemblyDir(), 'cdk.out'), {
    Writer: {
      template: {
        Resources: {
          Machine: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              StateMachineName: 'writer',
              DefinitionString: JSON.stringify(definition),
              RoleArn: 'arn:aws:iam::000000000000:role/writer',
            },
          },
          ...orderPlacedTrigger('', {
            Type: 'AWS::Lambda::Function',
            Properties: {
              Handler: 'index.handler',
              Runtime: 'nodejs24.x',
              Code: { ZipFile: 'exports.handler = async () => {};' },
              Environment: { Variables: { STATE_MACHINE_ARN: { Ref: 'Machine' } } },
            },
          }),
        },
      },
    },
  });
}

let app: TestApp;
let stateMachineArn: string;
beforeAll(async () => {
  app = await startApp({ cdkOut: writerApp() });
  stateMachineArn = `arn:aws:states:us-east-1:000000000000:stateMachine:writer`;
});
afterAll(async () => {
  await app?.stop();
});

async function start(name: string, pause: number): Promise<string> {
  const input = JSON.stringify({ topic: 'otters', pause });
  const { executionArn = '' } = await app.clients.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input }));
  return executionArn;
}

describe('TestApp.fork', () => {
  it('reruns an execution from a state with another input, and resolves with the fork, which waitForExecution takes', async () => {
    const parent = await start('post-1', 0);
    await app.waitForExecution('post-1');
    const fork = await app.fork('post-1', { from: 'Draft', input: { prompt: 'Outline of sea otters', pause: 0 } });
    expect(fork).toMatch(/:execution:writer:post-1-fork-\w{16}$/);
    const ended = await app.waitForExecution(fork);
    expect(ended.status).toBe('SUCCEEDED');
    expect(JSON.parse(ended.output ?? '')).toEqual({ text: 'Draft from: Outline of sea otters', pause: 0 });
    expect(JSON.parse(ended.input ?? '')[FORK_INPUT_KEY]).toMatchObject({ parent, from: 'Draft', effects: 'skip' });
  });

  it('patches the recorded input, and answers the same fork asked twice with the execution it started', async () => {
    const parent = await start('post-2', 0);
    await app.waitForExecution(parent);
    const fork = await app.fork(parent, { from: 'Draft', patch: { prompt: 'Outline of otters, patched' } });
    expect(await app.fork(parent, { from: 'Draft', patch: { prompt: 'Outline of otters, patched' } })).toBe(fork);
    expect(JSON.parse((await app.waitForExecution(fork)).output ?? '')).toEqual({
      text: 'Draft from: Outline of otters, patched',
      pause: 0,
    });
  });

  it('fails if the state cannot begin a fork, naming those that can', async () => {
    await start('post-3', 0);
    await app.waitForExecution('post-3');
    await expect(app.fork('post-3', { from: 'Nowhere' })).rejects.toThrow(
      'cannot fork post-3: the read API answered 400: Cannot fork from Nowhere: the parent execution never entered a state named Nowhere; a fork can begin at Outline, Draft, Hold',
    );
  });

  it('takes the execution by the order id alone, as switchyard fork does', async () => {
    const parent = await start(executionAbout('O-2'), 0);
    await app.waitForExecution(parent);
    const fork = await app.fork('O-2', { from: 'Draft' });
    expect(fork).toMatch(new RegExp(`:execution:writer:${executionAbout('O-2')}-fork-\\w{16}$`));
  });

  it('fails if the app has no such execution, naming its state machines', async () => {
    await expect(app.fork('never-ran', { from: 'Draft' })).rejects.toThrow(
      "cannot fork never-ran: no execution never-ran in the app's Standard state machines (writer)",
    );
  });
});

describe('TestApp.waitForExecution', () => {
  it('takes the execution by the business key switchyard executions shows, and by the id alone', async () => {
    const first = await start(executionAbout('O-4'), 0);
    expect(await app.waitForExecution('OrderPlaced#orderId="O-4"')).toMatchObject({ executionArn: first, status: 'SUCCEEDED' });
    const second = await start(executionAbout('O-5'), 0);
    expect(await app.waitForExecution('O-5')).toMatchObject({ executionArn: second, status: 'SUCCEEDED' });
  });
});

describe('TestApp.stopExecution', () => {
  it('stops a running execution with its error and cause, and leaves one that has ended as it is', async () => {
    const running = await start('long-1', 3600);
    expect(await app.stopExecution('long-1', { error: 'Operator', cause: 'wrong prompt' })).toEqual({
      executionArn: running,
      name: 'long-1',
      kind: 'state machine',
      stopped: true,
      status: 'ABORTED',
    });
    expect(await app.clients.sfn.send(new DescribeExecutionCommand({ executionArn: running }))).toMatchObject({
      status: 'ABORTED',
      error: 'Operator',
      cause: 'wrong prompt',
    });
    expect(await app.stopExecution(running)).toMatchObject({ stopped: false, status: 'ABORTED' });
  });

  it('takes the execution by the business key switchyard executions shows, and by the id alone', async () => {
    const first = await start(executionAbout('O-1'), 3600);
    expect(await app.stopExecution('OrderPlaced#orderId="O-1"')).toMatchObject({ executionArn: first, stopped: true, status: 'ABORTED' });
    const second = await start(executionAbout('O-3'), 3600);
    expect(await app.stopExecution('O-3')).toMatchObject({ executionArn: second, stopped: true, status: 'ABORTED' });
  });

  it('fails if the app has no such execution', async () => {
    await expect(app.stopExecution('never-ran')).rejects.toThrow(
      "cannot stop never-ran: no execution never-ran in the app's Standard state machines (writer)",
    );
  });
});
