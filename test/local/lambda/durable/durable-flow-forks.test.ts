import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, LambdaClient, ListDurableExecutionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DurableExecutionDetail,
  type ModelCallsPage,
  READ_API_PATHS,
  READ_API_PREFIX,
} from '../../../../clients/read-api-contract.js';
import { ENV } from '../../../../contracts/wiring.js';
import { createClients } from '../../../../inspect/aws.js';
import { forkDurableExecution } from '../../../../inspect/durable-fork.js';
import { CliError } from '../../../../inspect/errors.js';
import { durableExecutionEnded } from '../../../helpers/durable-executions.js';
import { handlerBuildOptions } from '../../../lambdas/handler-build.js';
import { region } from '../../helpers.js';
import { restartableRuntime, sdkConfig } from '../../restartable-runtime.js';
import { durableFunctionsApp, WRITER, WRITER_MODELS } from './fork-fixture.js';

/*
 * A DurableFlow's fork in AWS, run on the local runtime: the writer bundled as DurableFlow
 * bundles it (the kit's entry around the handler, the Lambda client subset), forked by what
 * `switchyard fork` calls, which sees ENV.durableForks and sends a plain Invoke whose event
 * carries the fork. The function's own fork support reads the parent's history and writes the
 * steps before the fork's step into the fork's checkpoint through Lambda's API.
 */

const root = path.join(import.meta.dirname, '../../../..');
let work: string;

/** The writer as a DurableFlow's function: lambdas/kit/durable-flow-entry.ts with the writer as its wrapped handler. */
async function durableFlowBundle(): Promise<string> {
  const handler = path.join(work, 'writer.mjs');
  writeFileSync(handler, WRITER);
  const entry = path.join(root, 'lambdas/kit/durable-flow-entry.ts');
  const result = await build({
    ...handlerBuildOptions(entry, { durableLambdaClient: true, wrappedHandler: handler }),
    entryPoints: [entry],
    nodePaths: [path.join(root, 'node_modules')],
  });
  return result.outputFiles?.find((f) => f.path.endsWith('.mjs'))?.text ?? '';
}

const local = restartableRuntime({
  assembly: async () => {
    work = mkdtempSync(path.join(tmpdir(), 'switchyard-durable-flow-forks-'));
    const code = await durableFlowBundle();
    return durableFunctionsApp([{ name: 'flow', code, environment: { [ENV.durableForks]: '1' } }]);
  },
  clients: ({ url }) => ({ lambda: new LambdaClient({ ...sdkConfig(url), maxAttempts: 1 }) }),
});
afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

const readApi = async <T>(path: string): Promise<T> => (await (await fetch(`${local.runtime.url}${READ_API_PREFIX}${path}`)).json()) as T;

const ended = (arn: string) => durableExecutionEnded(local.lambda, arn);

async function names(): Promise<string[]> {
  const { DurableExecutions = [] } = await local.lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'flow' }));
  return DurableExecutions.map((e) => e.DurableExecutionName ?? '').sort();
}

describe("a DurableFlow's fork (a plain Invoke its own fork support begins)", () => {
  let parentArn: string;
  let parent: { outline: string; review: string; draft: string; polished: string };

  beforeAll(async () => {
    const started = await local.lambda.send(
      new InvokeCommand({
        FunctionName: 'flow:$LATEST',
        DurableExecutionName: 'essay-1',
        Payload: Buffer.from(JSON.stringify({ topic: 'tides', polishPrompt: 'Polish it plainly' })),
      }),
    );
    parentArn = started.DurableExecutionArn ?? '';
    const done = await ended(parentArn);
    expect(done.Status).toBe('SUCCEEDED');
    parent = JSON.parse(done.Result ?? '{}');
  });

  it('forked from its third step, makes only that step’s model call, SUCCEEDS, and its output reflects the edit', async () => {
    const clients = createClients({ kind: 'local', endpoint: local.runtime.url, region });
    const before = (await readApi<ModelCallsPage>(READ_API_PATHS.modelCalls)).calls.length;
    const answer = await forkDurableExecution(clients, parentArn, { from: 'polish', patch: { polishPrompt: 'Make it rhyme' } });
    expect(answer).toMatchObject({
      parent: parentArn,
      from: 'polish',
      entry: true,
      name: expect.stringMatching(/^essay-1-fork-[A-Za-z0-9]{16}$/),
    });

    const forked = await ended(answer.executionArn);
    expect(forked.Status, JSON.stringify(forked.Error)).toBe('SUCCEEDED');
    const result = JSON.parse(forked.Result ?? '{}');
    expect(result).toMatchObject({ outline: parent.outline, review: parent.review, draft: parent.draft });
    expect(result.polished).toContain('Make it rhyme');
    const { calls } = await readApi<ModelCallsPage>(READ_API_PATHS.modelCalls);
    expect(calls.slice(0, calls.length - before).map((c) => c.modelId)).toEqual([WRITER_MODELS.polish]);

    // The execution's input is the Invoke's event, which carries the fork; the runtime reads the parent there.
    expect(JSON.parse(forked.InputPayload ?? '{}')).toMatchObject({ switchyardFork: { parent: parentArn, from: 'polish' } });
    const detail = await readApi<DurableExecutionDetail>(`${READ_API_PATHS.durableExecutions}/${encodeURIComponent(answer.executionArn)}`);
    expect(detail.execution.fork).toEqual({ parent: parentArn, from: 'polish', effects: 'skip' });

    const again = await forkDurableExecution(clients, parentArn, { from: 'polish', patch: { polishPrompt: 'Make it rhyme' } });
    expect(again.executionArn).toBe(answer.executionArn);
    expect((await names()).filter((n) => n === answer.name)).toHaveLength(1);
  });

  it('fails if the step is not one the parent ran, before any execution starts', async () => {
    const clients = createClients({ kind: 'local', endpoint: local.runtime.url, region });
    const before = await names();
    const refused = await forkDurableExecution(clients, parentArn, { from: 'conclude' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CliError);
    expect(refused).toMatchObject({
      exitCode: 2,
      message:
        'Cannot fork from conclude: the parent execution never ran an operation named conclude; a fork can begin at outline, review, draft, polish',
    });
    expect(await names()).toEqual(before);
  });

  it('fails the execution, saying why, when an event carries a fork its step cannot begin', async () => {
    const carrier = { switchyardFork: { parent: parentArn, from: 'conclude', input: {}, variables: {}, effects: 'skip' } };
    const started = await local.lambda.send(
      new InvokeCommand({ FunctionName: 'flow:$LATEST', DurableExecutionName: 'by-hand', Payload: Buffer.from(JSON.stringify(carrier)) }),
    );
    const done = await ended(started.DurableExecutionArn ?? '');
    expect(done.Status).toBe('FAILED');
    expect(done.Error).toMatchObject({ ErrorType: 'ForkNotPossible', ErrorMessage: expect.stringMatching(/^Cannot fork from conclude/) });
  });
});
