import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';
import { createFunction, functionInput, handler, payloadOf, serviceAlone } from './control-plane-clients.js';

const stateOf = async (client: LambdaClient, name: string) => {
  const { State, LastUpdateStatus, LastUpdateStatusReason, LastUpdateStatusReasonCode } = await client.send(
    new GetFunctionConfigurationCommand({ FunctionName: name }),
  );
  return { State, LastUpdateStatus, LastUpdateStatusReason, LastUpdateStatusReasonCode };
};

const arnOf = (name: string) => `arn:aws:lambda:${region}:000000000000:function:${name}`;

describe('Lambda function states', () => {
  const runtimes = new RuntimesWithData();
  let runtime: LocalRuntime;
  let client: LambdaClient;
  /** Releases the changes a test holds in progress (FunctionTransitions.hold). */
  let release: (() => void) | undefined;

  beforeAll(async () => {
    runtime = await runtimes.start(assemblyOf({}));
    client = new LambdaClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  });

  afterEach(() => {
    release?.();
    release = undefined;
  });

  afterAll(async () => {
    client?.destroy();
    await runtimes.stopAll();
  });

  it('answers Pending until the function’s code is ready, refusing its invocations meanwhile, then Active as waitUntilFunctionActiveV2 sees', async () => {
    release = runtime.lambda.transitions.hold();
    const created = await client.send(new CreateFunctionCommand(functionInput('pending-fn', handler('ready'))));
    expect([created.State, created.StateReasonCode]).toEqual(['Pending', 'Creating']);
    expect((await stateOf(client, 'pending-fn')).State).toBe('Pending');
    await expect(client.send(new InvokeCommand({ FunctionName: 'pending-fn' }))).rejects.toMatchObject({
      name: 'ResourceConflictException',
      message: 'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    });
    await expect(client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'pending-fn', Timeout: 9 }))).rejects.toMatchObject({
      name: 'ResourceConflictException',
      message: `The operation cannot be performed at this time. The resource ${arnOf('pending-fn')} is currently in the following state: 'Pending'. StateReasonCode: 'Creating'`,
    });
    let active = false;
    const waited = waitUntilFunctionActiveV2({ client, minDelay: 0.05, maxWaitTime: 20 }, { FunctionName: 'pending-fn' }).then((result) => {
      active = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(active).toBe(false);
    release();
    expect((await waited).state).toBe('SUCCESS');
    expect(await stateOf(client, 'pending-fn')).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
    expect(payloadOf(await client.send(new InvokeCommand({ FunctionName: 'pending-fn' }))).answer).toBe('ready');
  });

  it('fails if a function is changed while its update is InProgress, with ResourceConflictException, until waitUntilFunctionUpdatedV2 sees it end', async () => {
    await createFunction(client, functionInput('busy-fn', handler('one')));
    release = runtime.lambda.transitions.hold();
    const first = await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'busy-fn', Timeout: 9 }));
    expect([first.State, first.LastUpdateStatus]).toEqual(['Active', 'InProgress']);
    expect(await stateOf(client, 'busy-fn')).toEqual({
      State: 'Active',
      LastUpdateStatus: 'InProgress',
      LastUpdateStatusReason: 'The function is being created.',
      LastUpdateStatusReasonCode: 'Creating',
    });
    const conflict = {
      name: 'ResourceConflictException',
      message: `The operation cannot be performed at this time. An update is in progress for resource: ${arnOf('busy-fn')}`,
    };
    await expect(client.send(new UpdateFunctionCodeCommand({ FunctionName: 'busy-fn', ZipFile: handler('two') }))).rejects.toMatchObject(
      conflict,
    );
    await expect(client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'busy-fn', Timeout: 10 }))).rejects.toMatchObject(
      conflict,
    );
    await expect(client.send(new PublishVersionCommand({ FunctionName: 'busy-fn' }))).rejects.toMatchObject(conflict);
    release();
    expect((await waitUntilFunctionUpdatedV2({ client, minDelay: 0.05, maxWaitTime: 20 }, { FunctionName: 'busy-fn' })).state).toBe(
      'SUCCESS',
    );
    expect(await stateOf(client, 'busy-fn')).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
    const updated = await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'busy-fn', ZipFile: handler('two') }));
    expect(updated.LastUpdateStatus).toBe('InProgress');
  });

  it('runs the code from before while an update is InProgress, and the new code once it is Successful', async () => {
    await createFunction(client, functionInput('swapped-fn', handler('old')));
    release = runtime.lambda.transitions.hold();
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'swapped-fn', ZipFile: handler('new') }));
    expect(payloadOf(await client.send(new InvokeCommand({ FunctionName: 'swapped-fn' }))).answer).toBe('old');
    release();
    await waitUntilFunctionUpdatedV2({ client, minDelay: 0.05, maxWaitTime: 20 }, { FunctionName: 'swapped-fn' });
    expect(payloadOf(await client.send(new InvokeCommand({ FunctionName: 'swapped-fn' }))).answer).toBe('new');
  });
});

describe('Lambda function states of a change that fails', () => {
  it('reports an update whose code could not be prepared as Failed with its reason, and runs the code from before', async () => {
    let fail = false;
    const lambda = serviceAlone(async () => {
      if (fail) throw new Error('the disk is full');
    });
    const send = async (method: string, path: string, body: object) => {
      const answer = await lambda.protocol.handle({
        method,
        path,
        query: new URLSearchParams(),
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(body)),
      });
      return { status: answer.status, body: answer.body ? JSON.parse(String(answer.body)) : undefined };
    };
    const code = (answer: string) => handler(answer).toString('base64');
    try {
      await send('POST', '/2015-03-31/functions', { ...functionInput('fragile', handler('one')), Code: { ZipFile: code('one') } });
      await lambda.transitions.settled();
      fail = true;
      await send('PUT', '/2015-03-31/functions/fragile/code', { ZipFile: code('two') });
      await lambda.transitions.settled();
      const configuration = await send('GET', '/2015-03-31/functions/fragile/configuration', {});
      expect(configuration.body).toMatchObject({
        State: 'Active',
        LastUpdateStatus: 'Failed',
        LastUpdateStatusReason: "The local runtime could not prepare the function's code: the disk is full",
        LastUpdateStatusReasonCode: 'InternalError',
      });
      const outcome = await lambda.invoke('fragile', {});
      expect(outcome.ok && JSON.parse(outcome.payload).answer).toBe('one');
    } finally {
      await lambda.stop();
    }
  });
});

describe('Lambda function states across a restart', () => {
  const runtimes = new RuntimesWithData();
  afterAll(async () => runtimes.stopAll());

  it('finishes after a restart the changes that were in progress when the runtime stopped: the function created, the update applied', async () => {
    const dataDir = tempDataDir();
    const before = await runtimes.start(assemblyOf({}), { dataDir });
    let client = new LambdaClient({ endpoint: before.url, region, credentials, maxAttempts: 1 });
    await client.send(new CreateFunctionCommand(functionInput('updated-fn', handler('one'))));
    await waitUntilFunctionActiveV2({ client, minDelay: 0.05, maxWaitTime: 20 }, { FunctionName: 'updated-fn' });
    const release = before.lambda.transitions.hold();
    await client.send(new CreateFunctionCommand(functionInput('created-fn', handler('created'))));
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'updated-fn', ZipFile: handler('two') }));
    expect((await stateOf(client, 'created-fn')).State).toBe('Pending');
    expect((await stateOf(client, 'updated-fn')).LastUpdateStatus).toBe('InProgress');
    client.destroy();
    await before.stop();
    release();

    const after = await runtimes.start(assemblyOf({}), { dataDir });
    client = new LambdaClient({ endpoint: after.url, region, credentials, maxAttempts: 1 });
    try {
      await waitUntilFunctionActiveV2({ client, minDelay: 0.05, maxWaitTime: 20 }, { FunctionName: 'created-fn' });
      await waitUntilFunctionUpdatedV2({ client, minDelay: 0.05, maxWaitTime: 20 }, { FunctionName: 'updated-fn' });
      expect(await stateOf(client, 'updated-fn')).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
      expect(payloadOf(await client.send(new InvokeCommand({ FunctionName: 'created-fn' }))).answer).toBe('created');
      expect(payloadOf(await client.send(new InvokeCommand({ FunctionName: 'updated-fn' }))).answer).toBe('two');
    } finally {
      client.destroy();
    }
  });
});
