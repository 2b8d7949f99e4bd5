import {
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  LambdaClient,
  ListDurableExecutionsByFunctionCommand,
  SendDurableExecutionCallbackSuccessCommand,
} from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type DurableExecutionDetail,
  type ForkAnswer,
  type ModelCallsPage,
  READ_API_PATHS,
  READ_API_PREFIX,
  type ReadApiError,
} from '../../../../clients/read-api-contract.js';
import { createClients } from '../../../../inspect/aws.js';
import { forkDurableExecution } from '../../../../inspect/durable-fork.js';
import { CliError } from '../../../../inspect/errors.js';
import { runCli } from '../../../cli/run-cli.js';
import { durableExecutionEnded } from '../../../helpers/durable-executions.js';
import { eventually, region } from '../../helpers.js';
import { restartableRuntime, sdkConfig } from '../../restartable-runtime.js';
import { forkApp, WRITER_MODELS } from './fork-fixture.js';

const local = restartableRuntime({
  assembly: () => {
    cdkOut = forkApp();
    return cdkOut;
  },
  clients: ({ url }) => ({ lambda: new LambdaClient({ ...sdkConfig(url), maxAttempts: 1 }) }),
});
let cdkOut: string;

const read = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
  const answer = await fetch(`${local.runtime.url}${READ_API_PREFIX}${path}`, init);
  return { status: answer.status, body: (await answer.json()) as T };
};
const fork = (body: unknown) =>
  read<ForkAnswer & ReadApiError>(READ_API_PATHS.durableForks, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const modelCalls = async () => (await read<ModelCallsPage>(READ_API_PATHS.modelCalls)).body.calls;
const detail = async (arn: string) =>
  (await read<DurableExecutionDetail>(`${READ_API_PATHS.durableExecutions}/${encodeURIComponent(arn)}`)).body;

/** Runs an execution to its end (RequestResponse), returning its ARN. */
async function run(functionName: string, name: string, event: unknown): Promise<string> {
  const answer = await local.lambda.send(
    new InvokeCommand({ FunctionName: `${functionName}:$LATEST`, DurableExecutionName: name, Payload: Buffer.from(JSON.stringify(event)) }),
  );
  return answer.DurableExecutionArn ?? '';
}

const ended = (arn: string) => durableExecutionEnded(local.lambda, arn);

async function executionNames(functionName: string): Promise<string[]> {
  const { DurableExecutions = [] } = await local.lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: functionName }));
  return DurableExecutions.map((e) => e.DurableExecutionName ?? '').sort();
}

describe('durable forks (POST /durable-forks)', () => {
  let parentArn: string;
  let parent: { outline: string; review: string; draft: string; polished: string };

  beforeAll(async () => {
    parentArn = await run('writer', 'essay-1', { topic: 'tides', polishPrompt: 'Polish it plainly' });
    const done = await ended(parentArn);
    expect(done.Status).toBe('SUCCEEDED');
    parent = JSON.parse(done.Result ?? '{}');
  });

  it('forked from its third step, makes only that step’s model call, SUCCEEDS, and its output reflects the edit', async () => {
    const before = (await modelCalls()).length;
    const answer = await fork({ executionArn: parentArn, from: 'polish', patch: { polishPrompt: 'Make it rhyme' } });
    expect(answer.status, answer.body.message).toBe(200);
    expect(answer.body).toMatchObject({
      parent: parentArn,
      from: 'polish',
      entry: false,
      name: expect.stringMatching(/^essay-1-fork-[A-Za-z0-9]{16}$/),
    });
    expect(answer.body.executionArn).toMatch(/:function:writer:\$LATEST\/durable-execution\/essay-1-fork-/);

    const forked = await ended(answer.body.executionArn);
    expect(forked.Status).toBe('SUCCEEDED');
    const result = JSON.parse(forked.Result ?? '{}');
    expect(result).toMatchObject({ outline: parent.outline, review: parent.review, draft: parent.draft });
    expect(result.polished).toContain('Make it rhyme');
    expect(parent.polished).not.toContain('Make it rhyme');
    const calls = await modelCalls();
    expect(calls.slice(0, calls.length - before).map((c) => c.modelId)).toEqual([WRITER_MODELS.polish]);

    // The handler's event is the edited one; the history starts at the step the fork began at.
    expect(JSON.parse(forked.InputPayload ?? '{}')).toEqual({ topic: 'tides', polishPrompt: 'Make it rhyme' });
    const { Events = [] } = await local.lambda.send(
      new GetDurableExecutionHistoryCommand({ DurableExecutionArn: answer.body.executionArn }),
    );
    expect(Events.filter((e) => e.EventType === 'StepStarted').map((e) => e.Name)).toEqual(['polish']);
  });

  it('links the fork and its parent both ways in the read API', async () => {
    const answer = await fork({ executionArn: parentArn, from: 'polish', patch: { polishPrompt: 'Make it rhyme' } });
    const forkDetail = await detail(answer.body.executionArn);
    expect(forkDetail.execution.fork).toEqual({ parent: parentArn, from: 'polish', effects: 'skip' });
    expect((await detail(parentArn)).forks.map((f) => f.durableExecutionArn)).toContain(answer.body.executionArn);
  });

  it('starts one execution for the same fork asked twice, and another for another edit', async () => {
    const ask = { executionArn: parentArn, from: 'draft', input: { topic: 'rivers', polishPrompt: 'Be brief' } };
    const first = await fork(ask);
    const second = await fork(ask);
    expect(second.body.executionArn).toBe(first.body.executionArn);
    await ended(first.body.executionArn);
    const third = await fork(ask);
    expect(third.body.executionArn).toBe(first.body.executionArn);
    const other = await fork({ ...ask, effects: 'rerun' });
    expect(other.body.executionArn).not.toBe(first.body.executionArn);
    const names = await executionNames('writer');
    expect(names.filter((n) => n === first.body.name)).toHaveLength(1);
    // The answers say which started and which are the fork asked before, nothing started.
    expect([first, second, third, other].map((answer) => answer.body.existing)).toEqual([undefined, true, true, undefined]);
  });

  it('answers a wait as done and a callback as answered: the fork from the step after them neither waits nor asks', async () => {
    const arn = await local.lambda
      .send(
        new InvokeCommand({
          FunctionName: 'approval:$LATEST',
          InvocationType: 'Event',
          DurableExecutionName: 'ok-1',
          Payload: Buffer.from('{"who":"ana"}'),
        }),
      )
      .then((a) => a.DurableExecutionArn ?? '');
    const callbackId = await eventually(
      async () => {
        const { Events = [] } = await local.lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn }));
        return Events.find((e) => e.EventType === 'CallbackStarted')?.CallbackStartedDetails?.CallbackId;
      },
      30_000,
      'the callback',
    );
    await local.lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: Buffer.from('"yes"') }));
    const done = await ended(arn);
    expect(JSON.parse(done.Result ?? '{}')).toMatchObject({ approval: '"yes"' });

    const answer = await fork({ executionArn: arn, from: 'finish', patch: { who: 'bo' } });
    const forked = await ended(answer.body.executionArn);
    expect(forked.Status).toBe('SUCCEEDED');
    expect(JSON.parse(forked.Result ?? '{}')).toEqual({ asked: 'asked ana', approval: '"yes"', finished: 'finished for bo' });
    const { Events = [] } = await local.lambda.send(
      new GetDurableExecutionHistoryCommand({ DurableExecutionArn: answer.body.executionArn }),
    );
    expect(Events.map((e) => e.EventType).filter((t) => /^(Wait|Callback|Context)/.test(t ?? ''))).toEqual([]);
  });

  it('fails if the step is not one the parent ran, naming the steps a fork can begin at, and starts nothing', async () => {
    const before = await executionNames('writer');
    const unknown = await fork({ executionArn: parentArn, from: 'conclude' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'ForkNotPossible' });
    expect(unknown.body.message).toBe(
      'Cannot fork from conclude: the parent execution never ran an operation named conclude; a fork can begin at outline, review, draft, polish',
    );
    const nested = await fork({ executionArn: parentArn, from: 'critique' });
    expect(nested.body.message).toMatch(
      /^Cannot fork from critique: critique ran inside review, and a fork begins at an operation of the handler itself/,
    );

    const failedArn = await run('writer', 'essay-2', { topic: 'tides', polishPrompt: 'x', failDraft: true });
    expect((await ended(failedArn)).Status).toBe('FAILED');
    const unreached = await fork({ executionArn: failedArn, from: 'polish' });
    expect(unreached.status).toBe(400);
    expect(unreached.body.message).toBe(
      'Cannot fork from polish: the parent execution never ran an operation named polish; a fork can begin at outline, review, draft',
    );
    expect(await executionNames('writer')).toEqual([...before, 'essay-2'].sort());
  });

  it('fails if the request is not JSON, misses the step, gives the input and a patch, or names no execution', async () => {
    const notJson = await fork('{"executionArn": ');
    expect(notJson).toMatchObject({
      status: 400,
      body: { error: 'InvalidParameter', message: expect.stringMatching(/^the body is not JSON/) },
    });
    expect(await fork({ executionArn: parentArn })).toMatchObject({
      status: 400,
      body: { error: 'InvalidParameter', message: 'from must name the operation of its handler the fork begins at' },
    });
    expect(await fork({ executionArn: parentArn, from: 'polish', input: {}, patch: {} })).toMatchObject({
      status: 400,
      body: { error: 'ForkNotPossible', message: 'Give the input or a patch of it, not both' },
    });
    expect(await fork({ executionArn: parentArn, from: 'polish', effects: 'sometimes' })).toMatchObject({
      status: 400,
      body: { error: 'InvalidParameter', message: 'effects must be skip or rerun' },
    });
    const missing = `${parentArn.slice(0, parentArn.lastIndexOf('/'))}/00000000-0000-0000-0000-000000000000`;
    expect(await fork({ executionArn: missing, from: 'polish' })).toMatchObject({
      status: 404,
      body: { error: 'NotFound', message: `no durable execution ${missing}` },
    });
    const get = await read<ReadApiError>(READ_API_PATHS.durableForks);
    expect(get).toMatchObject({ status: 405, body: { error: 'MethodNotAllowed' } });
  });
});

describe('forkDurableExecution (what switchyard fork calls for a durable execution)', () => {
  it("forks through the local local.runtime, and fails with the runtime's reason as a usage error", async () => {
    const parentArn = await run('writer', 'essay-3', { topic: 'moss', polishPrompt: 'Polish it' });
    await ended(parentArn);
    const clients = createClients({ kind: 'local', endpoint: local.runtime.url, region });
    const answer = await forkDurableExecution(clients, parentArn, {
      from: 'polish',
      input: { topic: 'moss', polishPrompt: 'Say it twice' },
    });
    expect(answer).toMatchObject({ parent: parentArn, from: 'polish', name: expect.stringMatching(/^essay-3-fork-/) });
    expect(JSON.parse((await ended(answer.executionArn)).Result ?? '{}').polished).toContain('Say it twice');

    const refused = await forkDurableExecution(clients, parentArn, { from: 'nowhere' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CliError);
    expect(refused).toMatchObject({ exitCode: 2, message: expect.stringContaining('a fork can begin at outline, review, draft, polish') });
  });

  it('is what switchyard fork runs for a durable execution named by its name, which no flow has', async () => {
    const parentArn = await run('writer', 'essay-4', { topic: 'fog', polishPrompt: 'Polish it' });
    await ended(parentArn);
    const forked = await runCli([
      'fork',
      'essay-4',
      '--from',
      'polish',
      '--patch',
      '{"polishPrompt":"Say it in rhyme"}',
      '--json',
      '--endpoint',
      local.runtime.url,
      '--cdk-out',
      cdkOut,
    ]);
    expect(forked).toMatchObject({ code: 0, stderr: '' });
    const answer = JSON.parse(forked.stdout) as ForkAnswer;
    expect(answer).toMatchObject({ parent: parentArn, from: 'polish' });
    expect(JSON.parse((await ended(answer.executionArn)).Result ?? '{}').polished).toContain('Say it in rhyme');

    const refused = await runCli(['fork', parentArn, '--from', 'nowhere', '--endpoint', local.runtime.url, '--cdk-out', cdkOut]);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('a fork can begin at outline, review, draft, polish') });
  });
});
