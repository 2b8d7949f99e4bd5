import {
  CreateAliasCommand,
  CreateCodeSigningConfigCommand,
  GetCodeSigningConfigCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionConfigurationCommand,
  GetFunctionRecursionConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand,
  PutFunctionCodeSigningConfigCommand,
  PutFunctionRecursionConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { credentials, disposableData, region, tempDataDir } from '../helpers.js';
import { createFunction, functionInput, handler, payloadOf, updateConfiguration } from './control-plane-clients.js';

/** A published Python function's input (SnapStart works with Python 3.12 and later); it is never invoked. */
const python = (FunctionName: string, extra = {}) => functionInput(FunctionName, handler('py'), { Runtime: 'python3.12', ...extra });

describe('Lambda function settings through the API', () => {
  let runtime: LocalRuntime;
  let client: LambdaClient;
  const runtimes = new RuntimesWithData();

  beforeAll(async () => {
    runtime = await runtimes.start(assemblyOf({}), { ...disposableData() });
    client = new LambdaClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await runtimes.stopAll();
  });

  it('answers SnapStart optimized (On) on the versions published while it applies to them, $LATEST and earlier versions Off', async () => {
    await createFunction(client, python('snap-fn'));
    await client.send(new PublishVersionCommand({ FunctionName: 'snap-fn' }));
    await updateConfiguration(client, { FunctionName: 'snap-fn', SnapStart: { ApplyOn: 'PublishedVersions' } });
    await client.send(new PublishVersionCommand({ FunctionName: 'snap-fn' }));
    const status = async (Qualifier: string) =>
      (await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'snap-fn', Qualifier }))).SnapStart;
    expect(await status('$LATEST')).toEqual({ ApplyOn: 'PublishedVersions', OptimizationStatus: 'Off' });
    expect(await status('1')).toEqual({ ApplyOn: 'None', OptimizationStatus: 'Off' });
    expect(await status('2')).toEqual({ ApplyOn: 'PublishedVersions', OptimizationStatus: 'On' });
  });

  it('fails if SnapStart is to apply to a runtime it does not work with, at creation or by an update of either, in Lambda’s words', async () => {
    const SnapStart = { ApplyOn: 'PublishedVersions' as const };
    await expect(createFunction(client, functionInput('snap-node', handler('node'), { SnapStart }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'nodejs24.x is not supported for SnapStart enabled functions.',
    });
    await createFunction(client, python('snap-py', { SnapStart }));
    await expect(updateConfiguration(client, { FunctionName: 'snap-py', Runtime: 'nodejs24.x' })).rejects.toMatchObject({
      message: 'nodejs24.x is not supported for SnapStart enabled functions.',
    });
    // Turned off, the runtime may change.
    await updateConfiguration(client, { FunctionName: 'snap-py', Runtime: 'nodejs24.x', SnapStart: { ApplyOn: 'None' } });
  });

  it('publishes no new version for a change of the function’s own settings: its recursion setting is no version’s', async () => {
    await createFunction(client, functionInput('loop-fn', handler('loop')));
    await client.send(new PublishVersionCommand({ FunctionName: 'loop-fn' }));
    await client.send(new PutFunctionRecursionConfigCommand({ FunctionName: 'loop-fn', RecursiveLoop: 'Allow' }));
    expect((await client.send(new PublishVersionCommand({ FunctionName: 'loop-fn' }))).Version).toBe('1');
  });

  it('runs a version with provisioned concurrency as any other, its configuration READY at once', async () => {
    await createFunction(client, functionInput('provisioned-fn', handler('warm')));
    await client.send(new PublishVersionCommand({ FunctionName: 'provisioned-fn' }));
    await client.send(
      new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'provisioned-fn', Qualifier: '1', ProvisionedConcurrentExecutions: 2 }),
    );
    expect(await client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'provisioned-fn', Qualifier: '1' }))).toMatchObject(
      {
        Status: 'READY',
        RequestedProvisionedConcurrentExecutions: 2,
        AllocatedProvisionedConcurrentExecutions: 2,
      },
    );
    expect(payloadOf(await client.send(new InvokeCommand({ FunctionName: 'provisioned-fn', Qualifier: '1' })))).toEqual({
      answer: 'warm',
      version: '1',
    });
  });
});

describe('Lambda function settings across a restart', () => {
  const runtimes = new RuntimesWithData();
  afterEach(() => runtimes.stopAll());

  it('keeps provisioned concurrency, the recursion setting and code signing configurations, a function’s included', async () => {
    const dataDir = tempDataDir();
    const cdkOut = assemblyOf({});
    const first = await runtimes.start(cdkOut, { dataDir });
    const before = new LambdaClient({ endpoint: first.url, region, credentials, maxAttempts: 1 });
    await createFunction(before, functionInput('kept-fn', handler('kept')));
    await before.send(new PublishVersionCommand({ FunctionName: 'kept-fn' }));
    await before.send(new CreateAliasCommand({ FunctionName: 'kept-fn', Name: 'live', FunctionVersion: '1' }));
    await before.send(
      new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'kept-fn', Qualifier: 'live', ProvisionedConcurrentExecutions: 3 }),
    );
    await before.send(new PutFunctionRecursionConfigCommand({ FunctionName: 'kept-fn', RecursiveLoop: 'Allow' }));
    const created = await before.send(
      new CreateCodeSigningConfigCommand({
        AllowedPublishers: { SigningProfileVersionArns: [`arn:aws:signer:${region}:000000000000:/signing-profiles/kept`] },
      }),
    );
    const CodeSigningConfigArn = String(created.CodeSigningConfig?.CodeSigningConfigArn);
    await before.send(new PutFunctionCodeSigningConfigCommand({ FunctionName: 'kept-fn', CodeSigningConfigArn }));
    before.destroy();
    await runtimes.stopAll();

    const second = await runtimes.start(cdkOut, { dataDir });
    const after = new LambdaClient({ endpoint: second.url, region, credentials, maxAttempts: 1 });
    try {
      const listed = await after.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'kept-fn' }));
      expect(
        listed.ProvisionedConcurrencyConfigs?.map((c) => [c.FunctionArn?.split(':').pop(), c.RequestedProvisionedConcurrentExecutions]),
      ).toEqual([['live', 3]]);
      expect((await after.send(new GetFunctionRecursionConfigCommand({ FunctionName: 'kept-fn' }))).RecursiveLoop).toBe('Allow');
      const config = await after.send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn }));
      // Lambda's default policy when none is given: Warn.
      expect(config.CodeSigningConfig?.CodeSigningPolicies).toEqual({ UntrustedArtifactOnDeployment: 'Warn' });
      expect((await after.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: 'kept-fn' }))).CodeSigningConfigArn).toBe(
        CodeSigningConfigArn,
      );
    } finally {
      after.destroy();
    }
  });
});
