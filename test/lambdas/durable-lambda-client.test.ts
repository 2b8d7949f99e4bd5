import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as sdk from '@aws-sdk/client-lambda';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../scripts/generate-lambda-subset.mjs';
import { handlerBuildOptions } from './handler-build.js';

/*
 * The kit's subset of the Lambda client (lambdas/kit/durable-lambda-client.ts), which durable
 * functions and their starters bundle in place of @aws-sdk/client-lambda: a copy of the
 * package's client with the schemas of three operations. These tests hold the copy to the
 * installed package, so that an SDK update that changes either fails here and not in a function.
 */

const root = path.join(import.meta.dirname, '../..');
const subsetEntry = path.join(root, 'lambdas/kit/durable-lambda-client.ts');

type Subset = typeof sdk;
let subset: Subset;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'switchyard-lambda-subset-'));
  const file = path.join(dir, 'subset.mjs');
  // As SwitchyardFunction bundles it for a durable function (its aliases), every name it exports.
  await build({
    ...handlerBuildOptions(subsetEntry, { durableLambdaClient: true, eventStreams: false }),
    stdin: { contents: "export * from '@aws-sdk/client-lambda';", resolveDir: root, loader: 'js' },
    write: true,
    outfile: file,
    metafile: false,
    minify: false,
  });
  subset = (await import(file)) as Subset;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CREDENTIALS = { accessKeyId: 'AKID', secretAccessKey: 'secret' };

/** A client of `module` whose requests get `answer`, the request kept for the test. */
function clientAnswering(module: Subset, answer: { status: number; headers?: Record<string, string>; body: string }) {
  const seen: { request?: { method: string; path: string; headers: Record<string, string>; body?: unknown } } = {};
  const client = new module.LambdaClient({
    region: 'eu-west-1',
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { method: string; path: string; headers: Record<string, string>; body?: unknown }) => {
        seen.request = request;
        const headers = { 'content-type': 'application/json', ...answer.headers };
        return { response: { statusCode: answer.status, headers, body: Readable.from([Buffer.from(answer.body)]) } };
      },
    } as never,
  });
  return { client, seen };
}

describe('the Lambda client subset', () => {
  it('holds the schemas the installed @aws-sdk/client-lambda has for its operations (else: node scripts/generate-lambda-subset.mjs)', () => {
    const committed = readFileSync(path.join(root, 'lambdas/kit/durable-lambda-schemas.ts'), 'utf8');
    const installed = createRequire(import.meta.url)('@aws-sdk/client-lambda') as Record<string, unknown>;
    expect(committed).toBe(generate(installed));
  });

  it("configures a client as the package's LambdaClient does: the same settings and the same middleware, in order", () => {
    const options = { region: 'eu-west-1', credentials: CREDENTIALS };
    const [ours, theirs] = [new subset.LambdaClient(options), new sdk.LambdaClient(options)];
    expect(ours.middlewareStack.identify()).toEqual(theirs.middlewareStack.identify());
    expect(Object.keys(ours.config).sort()).toEqual(Object.keys(theirs.config).sort());
    const plain = (config: object) =>
      Object.fromEntries(Object.entries(config).filter(([, value]) => typeof value !== 'function' && typeof value !== 'object'));
    expect(plain(ours.config)).toEqual(plain(theirs.config));
    const settings = (client: { config: { protocolSettings?: object } }) => ({
      ...client.config.protocolSettings,
      errorTypeRegistries: undefined,
    });
    expect(settings(ours as never)).toEqual(settings(theirs as never));
  });

  it('sends Invoke with the durable execution name and reads the answer', async () => {
    const { client, seen } = clientAnswering(subset, {
      status: 200,
      headers: { 'x-amz-durable-execution-arn': 'arn:aws:lambda:eu-west-1:111111111111:function:f:live/durable-execution/n/1' },
      body: '',
    });
    const answer = await client.send(
      new subset.InvokeCommand({
        FunctionName: 'arn:aws:lambda:eu-west-1:111111111111:function:f:live',
        InvocationType: 'Event',
        DurableExecutionName: 'order-1',
        Payload: JSON.stringify({ id: 1 }),
      }),
    );
    expect(seen.request).toMatchObject({
      method: 'POST',
      path: `/2015-03-31/functions/${encodeURIComponent('arn:aws:lambda:eu-west-1:111111111111:function:f:live')}/invocations`,
      headers: expect.objectContaining({ 'x-amz-invocation-type': 'Event', 'x-amz-durable-execution-name': 'order-1' }),
    });
    expect(Buffer.from(seen.request?.body as Uint8Array).toString()).toBe('{"id":1}');
    expect(answer).toMatchObject({
      StatusCode: 200,
      DurableExecutionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:f:live/durable-execution/n/1',
    });
  });

  it('answers an execution name used before with the DurableExecutionAlreadyStartedException the starter tests for', async () => {
    const { client } = clientAnswering(subset, {
      status: 409,
      headers: { 'x-amzn-errortype': 'DurableExecutionAlreadyStartedException' },
      body: JSON.stringify({ Type: 'User', Message: 'Durable execution with name order-1 already started' }),
    });
    const error = await client
      .send(new subset.InvokeCommand({ FunctionName: 'f', DurableExecutionName: 'order-1' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(subset.DurableExecutionAlreadyStartedException);
    expect(error).toMatchObject({ name: 'DurableExecutionAlreadyStartedException', Type: 'User', $metadata: { httpStatusCode: 409 } });
  });

  it("keeps AWS's name, message and status of an error it has no class for: what the durable SDK classifies checkpoint failures by", async () => {
    const answer = {
      status: 400,
      headers: { 'x-amzn-errortype': 'InvalidParameterValueException' },
      body: JSON.stringify({ Type: 'User', message: 'Invalid Checkpoint Token: t' }),
    };
    type Failure = { name: string; message: string; $fault: string; $metadata: { httpStatusCode: number } };
    const send = (module: Subset): Promise<Failure> =>
      clientAnswering(module, answer)
        .client.send(new module.CheckpointDurableExecutionCommand({ DurableExecutionArn: 'arn', CheckpointToken: 't', Updates: [] }))
        .then(
          () => Promise.reject(new Error('the checkpoint succeeded')),
          (e: Failure) => e,
        );
    const [ours, theirs] = await Promise.all([send(subset), send(sdk)]);
    const seen = (e: Failure) => ({
      name: e.name,
      message: e.message,
      fault: e.$fault,
      status: e.$metadata.httpStatusCode,
    });
    expect(seen(ours)).toEqual({
      name: 'InvalidParameterValueException',
      message: 'Invalid Checkpoint Token: t',
      fault: 'client',
      status: 400,
    });
    expect(seen(ours)).toEqual(seen(theirs));
  });

  it('sends a checkpoint as the package does', async () => {
    const body = JSON.stringify({
      CheckpointToken: 't2',
      NewExecutionState: { Operations: [{ Id: 'a', Type: 'STEP', Status: 'SUCCEEDED', StartTimestamp: 1_700_000_000 }] },
    });
    const input = {
      DurableExecutionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:f:live/durable-execution/n/1',
      CheckpointToken: 't1',
      ClientToken: 'c1',
      Updates: [{ Id: 'a', Type: 'STEP' as const, Action: 'SUCCEED' as const, Payload: '"done"' }],
    };
    const send = async (module: Subset) => {
      const { client, seen } = clientAnswering(module, { status: 200, body });
      const answer = await client.send(new module.CheckpointDurableExecutionCommand(input));
      return {
        path: seen.request?.path,
        body: Buffer.from(seen.request?.body as Uint8Array).toString(),
        answer: { ...answer, $metadata: undefined },
      };
    };
    const [ours, theirs] = await Promise.all([send(subset), send(sdk)]);
    expect(ours).toEqual(theirs);
    expect(ours.answer.NewExecutionState?.Operations?.[0]?.StartTimestamp).toEqual(new Date(1_700_000_000_000));
  });
});
