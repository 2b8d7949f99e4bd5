import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FORK_INPUT_KEY, withForkEntry } from '../../../contracts/fork.js';
import { createMachine, createStates, finished, historyTypes, type TestStates } from './helpers.js';

const open: TestStates[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function states(file?: string): Promise<TestStates> {
  const t = await createStates(file ? { file } : {});
  open.push(t);
  return t;
}

/** Three model steps in a row, each a Lambda task that records its prompt, and a variable the first one assigns. */
const THREE_STEPS = {
  StartAt: 'Draft',
  States: {
    Draft: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'draft', 'Payload.$': '$' },
      ResultSelector: { 'text.$': '$.Payload.text', 'tone.$': '$.Payload.tone' },
      // Assign reads the result after ResultSelector.
      Assign: { 'tone.$': '$.tone' },
      Next: 'Review',
    },
    Review: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'review', 'Payload.$': '$' },
      ResultSelector: { 'text.$': '$.Payload.text' },
      Next: 'Publish',
    },
    Publish: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'publish', Payload: { 'text.$': '$.text', 'tone.$': '$tone', 'topic.$': '$$.Execution.Input.topic' } },
      OutputPath: '$.Payload',
      End: true,
    },
  },
};

async function parentRun(t: TestStates, definition: object = THREE_STEPS) {
  t.lambda.handler = (name, event) => {
    const e = event as Record<string, unknown>;
    if (name === 'draft') return { text: `draft of ${String(e.topic)}`, tone: 'dry' };
    if (name === 'review') return { text: `${String(e.text)}, reviewed` };
    return { published: e.text, tone: e.tone, topic: e.topic };
  };
  const stateMachineArn = await createMachine(t.states, 'writer', definition);
  const { executionArn } = await t.states.StartExecution({ stateMachineArn, name: 'post-1', input: '{"topic":"otters"}' });
  const run = await finished(t.states, executionArn);
  expect(run, run.cause).toMatchObject({ status: 'SUCCEEDED' });
  t.lambda.calls.length = 0;
  return { stateMachineArn, executionArn };
}

describe('StatesService forks', () => {
  it('begins at the chosen state with its recorded input and variables, running none of the states before it', async () => {
    const t = await states();
    const parent = await parentRun(t);
    const fork = await t.states.fork({ executionArn: parent.executionArn, from: 'Publish' });
    const described = await finished(t.states, fork.executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(t.lambda.calls.map((c) => c.name)).toEqual(['publish']);
    expect(JSON.parse(described.output ?? '')).toEqual({ published: 'draft of otters, reviewed', tone: 'dry', topic: 'otters' });
    expect(await historyTypes(t.states, fork.executionArn)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(fork).toMatchObject({ parent: parent.executionArn, from: 'Publish', entry: false });
  });

  it('runs the edited input: a merge patch of the recorded one, or a replacement', async () => {
    const t = await states();
    const parent = await parentRun(t);
    const patched = await t.states.fork({ executionArn: parent.executionArn, from: 'Review', patch: { text: 'a better draft' } });
    expect(JSON.parse((await finished(t.states, patched.executionArn)).output ?? '')).toMatchObject({
      published: 'a better draft, reviewed',
    });
    const replaced = await t.states.fork({ executionArn: parent.executionArn, from: 'Publish', input: { text: 'by hand' } });
    expect(JSON.parse((await finished(t.states, replaced.executionArn)).output ?? '')).toMatchObject({ published: 'by hand', tone: 'dry' });
  });

  it('names the parent, which lists its forks', async () => {
    const t = await states();
    const parent = await parentRun(t);
    const fork = await t.states.fork({ executionArn: parent.executionArn, from: 'Review' });
    const described = await t.states.DescribeExecution({ executionArn: fork.executionArn });
    expect(JSON.parse(described.input ?? '')).toMatchObject({
      topic: 'otters',
      [FORK_INPUT_KEY]: { parent: parent.executionArn, from: 'Review' },
    });
    expect(t.states.forksOf(parent.executionArn).map((r) => r.arn)).toEqual([fork.executionArn]);
    expect(fork.name).toMatch(/^post-1-fork-[A-Za-z0-9]{16}$/);
  });

  it('starts one execution for the same fork asked twice, during and after its run, and another for another edit', async () => {
    const t = await states();
    const parent = await parentRun(t);
    const first = await t.states.fork({ executionArn: parent.executionArn, from: 'Review' });
    const again = await t.states.fork({ executionArn: parent.executionArn, from: 'Review' });
    await finished(t.states, first.executionArn);
    const after = await t.states.fork({ executionArn: parent.executionArn, from: 'Review' });
    const edited = await t.states.fork({ executionArn: parent.executionArn, from: 'Review', patch: { text: 'other' } });
    expect(again.executionArn).toBe(first.executionArn);
    expect(after.executionArn).toBe(first.executionArn);
    expect(edited.executionArn).not.toBe(first.executionArn);
    expect(t.states.forksOf(parent.executionArn)).toHaveLength(2);
    // The answers say which started and which are the fork asked before, nothing started.
    expect([first.existing, again.existing, after.existing, edited.existing]).toEqual([undefined, true, true, undefined]);
  });

  it('goes on from where its history ends after a restart, still past the states before its start', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'states-forks-'));
    dirs.push(dir);
    const file = path.join(dir, 'states.sqlite');
    const first = await states(file);
    const parent = await parentRun(first);
    let release: () => void = () => {};
    first.lambda.handler = () => new Promise((resolve) => (release = () => resolve({ text: 'never' })));
    const fork = await first.states.fork({ executionArn: parent.executionArn, from: 'Review' });
    await expect.poll(() => first.lambda.calls.length).toBe(1);
    await first.close();
    release();
    const second = await states(file);
    second.lambda.handler = (name, event) =>
      name === 'review'
        ? { text: 'reviewed after restart' }
        : { published: (event as { text: string }).text, tone: (event as { tone: string }).tone };
    const described = await finished(second.states, fork.executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '')).toEqual({ published: 'reviewed after restart', tone: 'dry' });
    expect(second.lambda.calls.map((c) => c.name)).toEqual(['review', 'publish']);
  });

  it('is routed by the fork entry of a definition that has one, through StartExecution, as in AWS', async () => {
    const t = await states();
    const parent = await parentRun(t, withForkEntry(THREE_STEPS));
    expect(t.lambda.calls).toEqual([]);
    const fork = await t.states.fork({ executionArn: parent.executionArn, from: 'Publish', patch: { text: 'edited' } });
    const described = await finished(t.states, fork.executionArn);
    expect(fork.entry).toBe(true);
    expect(JSON.parse(described.output ?? '')).toEqual({ published: 'edited', tone: 'dry', topic: 'otters' });
    expect(t.lambda.calls.map((c) => c.name)).toEqual(['publish']);
  });

  it('runs a definition with a fork entry from its own start for an input without a fork', async () => {
    const t = await states();
    const parent = await parentRun(t, withForkEntry(THREE_STEPS));
    const described = await finished(t.states, parent.executionArn);
    expect(JSON.parse(described.output ?? '')).toEqual({ published: 'draft of otters, reviewed', tone: 'dry', topic: 'otters' });
  });

  it('fails if the parent never entered the state, naming the states a fork can begin at', async () => {
    const t = await states();
    const parent = await parentRun(t);
    await expect(t.states.fork({ executionArn: parent.executionArn, from: 'Nowhere' })).rejects.toThrow(
      'Cannot fork from Nowhere: the parent execution never entered a state named Nowhere; a fork can begin at Draft, Review, Publish',
    );
    expect(t.states.forksOf(parent.executionArn)).toEqual([]);
  });

  it('fails if the execution does not exist, or for an input and a patch together', async () => {
    const t = await states();
    const parent = await parentRun(t);
    await expect(t.states.fork({ executionArn: `${parent.executionArn}-not`, from: 'Review' })).rejects.toThrow('Execution Does Not Exist');
    await expect(t.states.fork({ executionArn: parent.executionArn, from: 'Review', input: {}, patch: {} })).rejects.toThrow(
      'Give the input or a patch of it, not both',
    );
  });

  it('fails if a state inside a Parallel branch is asked for, naming the top-level ones', async () => {
    const t = await states();
    t.lambda.handler = () => ({ ok: true });
    const stateMachineArn = await createMachine(t.states, 'fan', {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'Left', States: { Left: { Type: 'Pass', End: true } } }],
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });
    const { executionArn } = await t.states.StartExecution({ stateMachineArn, name: 'f-1', input: '{}' });
    await finished(t.states, executionArn);
    await expect(t.states.fork({ executionArn, from: 'Left' })).rejects.toThrow(
      'Cannot fork from Left: Left ran inside a Parallel branch or a Map iteration, which a fork cannot begin in; a fork can begin at Both, Done',
    );
  });
});
