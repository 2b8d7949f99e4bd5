import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  GetAccountSettingsCommand,
  GetAliasCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PutRuntimeManagementConfigCommand,
} from '@aws-sdk/client-lambda';
import { Duration, Size, Tags } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { synthesizedIn } from '../assembly.js';
import { awsCli, awsCliMissing } from '../aws-cli.js';
import { synthStack } from '../cdk-stack.js';
import { region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

const ACCOUNT = '000000000000';
const arnOf = (name: string) => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;

/**
 * An app with the function settings GetFunctionConfiguration reports (role, environment,
 * tracing, ephemeral storage, JSON logs), a version and an alias, SQS mappings on an alias
 * and on a function, and functions that fail, answer too much and log a lot.
 */
function synthApp(outdir: string): void {
  synthStack(
    'Api',
    (stack) => {
      const echo = new lambda.Function(stack, 'Echo', {
        functionName: 'api-echo',
        description: 'echoes what it gets',
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(`exports.handler = async (event, context) => {
        console.log('echoing ' + JSON.stringify(event));
        return {
          event,
          clientContext: context.clientContext ?? null,
          invokedFunctionArn: context.invokedFunctionArn,
          functionVersion: context.functionVersion,
        };
      };`),
        environment: { GREETING: 'hello' },
        tracing: lambda.Tracing.ACTIVE,
        ephemeralStorageSize: Size.mebibytes(1024),
        memorySize: 256,
        timeout: Duration.seconds(5),
        loggingFormat: lambda.LoggingFormat.JSON,
      });
      Tags.of(echo).add('team', 'api');
      const live = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: echo.currentVersion, description: 'what users get' });
      live.addEventSource(new SqsEventSource(new sqs.Queue(stack, 'EchoInbox', { queueName: 'api-echo-inbox' }), { batchSize: 5 }));

      const layerFolder = mkdtempSync(path.join(tmpdir(), 'switchyard-api-layer-'));
      mkdirSync(path.join(layerFolder, 'nodejs', 'node_modules', 'shout'), { recursive: true });
      writeFileSync(path.join(layerFolder, 'nodejs', 'node_modules', 'shout', 'index.js'), 'exports.shout = (s) => s.toUpperCase();');
      const layer = new lambda.LayerVersion(stack, 'Shout', { layerVersionName: 'api-shout', code: lambda.Code.fromAsset(layerFolder) });
      const failing = new lambda.Function(stack, 'Failing', {
        functionName: 'api-failing',
        layers: [layer],
        deadLetterQueue: new sqs.Queue(stack, 'FailingDlq', { queueName: 'api-failing-dlq' }),
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(`exports.handler = async () => { throw new TypeError('not today'); };`),
      });
      failing.addEventSource(
        new SqsEventSource(new sqs.Queue(stack, 'FailingInbox', { queueName: 'api-failing-inbox' }), { enabled: false }),
      );

      new lambda.Function(stack, 'Big', {
        functionName: 'api-big',
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(`exports.handler = async () => 'x'.repeat(7 * 1024 * 1024);`),
        reservedConcurrentExecutions: 2,
        timeout: Duration.seconds(10),
      });
      new lambda.Function(stack, 'Chatty', {
        functionName: 'api-chatty',
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(`exports.handler = async () => {
        for (let i = 0; i < 200; i++) console.log('line ' + i + ' ' + '.'.repeat(40));
        return 'done';
      };`),
      });
      new lambda.Function(stack, 'Slow', {
        functionName: 'api-slow',
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(`exports.handler = async () => {
        console.log('about to hang');
        await new Promise((resolve) => setTimeout(resolve, 5000));
      };`),
        timeout: Duration.seconds(1),
      });
      new lambda.Function(stack, 'Broken', {
        functionName: 'api-broken',
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(`throw new Error('broken at load');`),
      });
    },
    outdir,
  );
}

const logs: string[] = [];
const local = restartableRuntime({
  assembly: () => synthesizedIn(synthApp),
  ownsAssembly: true,
  options: { logEvents: true, log: (line) => logs.push(line) },
  clients: ({ url }) => ({ client: new LambdaClient(sdkConfig(url)) }),
});

const decode = (base64: string | undefined) => Buffer.from(base64 ?? '', 'base64').toString('utf8');
const payloadOf = (payload: Uint8Array | undefined) => JSON.parse(Buffer.from(payload ?? []).toString('utf8'));

describe('LambdaService read API', () => {
  it('answers GetFunctionConfiguration with the configuration the template gives and Lambda defaults', async () => {
    const configuration = await local.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'api-echo' }));
    expect(configuration).toMatchObject({
      FunctionName: 'api-echo',
      FunctionArn: arnOf('api-echo'),
      Runtime: 'nodejs22.x',
      Role: expect.stringMatching(/^arn:aws:iam::000000000000:role\//),
      Handler: 'index.handler',
      Description: 'echoes what it gets',
      Timeout: 5,
      MemorySize: 256,
      LastModified: '1970-01-01T00:00:00.000+0000',
      Version: '$LATEST',
      Environment: { Variables: { GREETING: 'hello' } },
      TracingConfig: { Mode: 'Active' },
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
      EphemeralStorage: { Size: 1024 },
      SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO', LogGroup: '/aws/lambda/api-echo' },
    });
    expect(configuration.CodeSize).toBeGreaterThan(0);
    expect(configuration.CodeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('reports a CodeSha256 that is the same on every call and differs between functions with different code', async () => {
    const first = await local.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'api-echo' }));
    const again = await local.client.send(new GetFunctionConfigurationCommand({ FunctionName: arnOf('api-echo') }));
    const other = await local.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'api-failing' }));
    expect(again.CodeSha256).toBe(first.CodeSha256);
    expect(other.CodeSha256).not.toBe(first.CodeSha256);
  });

  it('answers GetFunction with the full configuration, the code location and the reserved concurrency', async () => {
    const response = await local.client.send(new GetFunctionCommand({ FunctionName: 'api-failing' }));
    expect(response.Configuration).toMatchObject({ FunctionName: 'api-failing', Runtime: 'nodejs24.x', Version: '$LATEST' });
    expect(response.Configuration?.LoggingConfig).toEqual({ LogFormat: 'Text', LogGroup: '/aws/lambda/api-failing' });
    expect(response.Configuration?.Layers).toEqual([{ Arn: `arn:aws:lambda:${region}:${ACCOUNT}:layer:api-shout:1`, CodeSize: 39 }]);
    expect(response.Configuration?.DeadLetterConfig).toEqual({ TargetArn: `arn:aws:sqs:${region}:${ACCOUNT}:api-failing-dlq` });
    expect(response.Configuration?.Environment).toBeUndefined();
    expect(response.Code?.Location).toBeTruthy();
  });

  it('resolves the qualifiers the template declares: $LATEST, its version and its alias', async () => {
    const version = await local.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'api-echo', Qualifier: '1' }));
    expect(version).toMatchObject({ FunctionArn: `${arnOf('api-echo')}:1`, Version: '1' });
    const alias = await local.client.send(new GetFunctionCommand({ FunctionName: 'api-echo:live' }));
    expect(alias.Configuration).toMatchObject({ FunctionArn: `${arnOf('api-echo')}:live`, Version: '1' });
    const latest = await local.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'api-echo', Qualifier: '$LATEST' }));
    expect(latest.Version).toBe('$LATEST');
  });

  it('fails if the function does not exist, with ResourceNotFoundException naming its ARN, as Lambda words it', async () => {
    const error = await local.client.send(new GetFunctionCommand({ FunctionName: 'nope' })).catch((e) => e);
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Function not found: ${arnOf('nope')}`,
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('fails if the qualifier is neither $LATEST nor a version or alias of the template', async () => {
    const error = await local.client
      .send(new GetFunctionConfigurationCommand({ FunctionName: 'api-echo', Qualifier: 'beta' }))
      .catch((e) => e);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', message: `Function not found: ${arnOf('api-echo')}:beta` });
    const invoke = await local.client.send(new InvokeCommand({ FunctionName: 'api-echo', Qualifier: '2', Payload: '{}' })).catch((e) => e);
    expect(invoke).toMatchObject({ name: 'ResourceNotFoundException', message: `Function not found: ${arnOf('api-echo')}:2` });
  });

  it('fails if the qualifier in the name and the Qualifier parameter differ', async () => {
    const error = await local.client.send(new GetFunctionCommand({ FunctionName: 'api-echo:live', Qualifier: '1' })).catch((e) => e);
    expect(error).toMatchObject({ name: 'InvalidParameterValueException', $metadata: { httpStatusCode: 400 } });
  });

  it('pages ListFunctions with MaxItems and Marker, each function once', async () => {
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await local.client.send(new ListFunctionsCommand({ MaxItems: 2, Marker: marker }));
      expect(page.Functions?.length).toBeLessThanOrEqual(2);
      names.push(...(page.Functions ?? []).map((f) => f.FunctionName ?? ''));
      marker = page.NextMarker;
      pages++;
    } while (marker);
    expect(names).toEqual(['api-big', 'api-broken', 'api-chatty', 'api-echo', 'api-failing', 'api-slow']);
    expect(pages).toBe(3);
  });

  it('fails if ListFunctions is asked for MaxItems outside 1 to 10000', async () => {
    await expect(local.client.send(new ListFunctionsCommand({ MaxItems: 0 }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('lists the versions and aliases the template declares', async () => {
    const versions = await local.client.send(new ListVersionsByFunctionCommand({ FunctionName: 'api-echo' }));
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1']);
    const everyVersion = await local.client.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    expect(everyVersion.Functions?.filter((f) => f.FunctionName === 'api-echo').map((f) => f.FunctionArn)).toEqual([
      `${arnOf('api-echo')}:$LATEST`,
      `${arnOf('api-echo')}:1`,
    ]);
    const aliases = await local.client.send(new ListAliasesCommand({ FunctionName: 'api-echo' }));
    expect(aliases.Aliases).toEqual([
      expect.objectContaining({ Name: 'live', FunctionVersion: '1', Description: 'what users get', AliasArn: `${arnOf('api-echo')}:live` }),
    ]);
    const alias = await local.client.send(new GetAliasCommand({ FunctionName: 'api-echo', Name: 'live' }));
    expect(alias.FunctionVersion).toBe('1');
    await expect(local.client.send(new GetAliasCommand({ FunctionName: 'api-echo', Name: 'beta' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Cannot find alias arn: ${arnOf('api-echo')}:beta`,
    });
  });

  it('filters ListEventSourceMappings by the exact function, version or alias, and by source', async () => {
    const all = await local.client.send(new ListEventSourceMappingsCommand({}));
    expect(all.EventSourceMappings).toHaveLength(2);
    const byAlias = await local.client.send(new ListEventSourceMappingsCommand({ FunctionName: 'api-echo:live' }));
    expect(byAlias.EventSourceMappings).toEqual([
      expect.objectContaining({
        FunctionArn: `${arnOf('api-echo')}:live`,
        EventSourceArn: `arn:aws:sqs:${region}:${ACCOUNT}:api-echo-inbox`,
        BatchSize: 5,
        State: 'Enabled',
      }),
    ]);
    const byAliasArn = await local.client.send(new ListEventSourceMappingsCommand({ FunctionName: `${arnOf('api-echo')}:live` }));
    expect(byAliasArn.EventSourceMappings).toHaveLength(1);
    expect((await local.client.send(new ListEventSourceMappingsCommand({ FunctionName: 'api-echo' }))).EventSourceMappings).toEqual([]);
    const bySource = await local.client.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: `arn:aws:sqs:${region}:${ACCOUNT}:api-failing-inbox` }),
    );
    expect(bySource.EventSourceMappings).toEqual([expect.objectContaining({ FunctionArn: arnOf('api-failing'), State: 'Disabled' })]);
  });

  it('pages ListEventSourceMappings and answers GetEventSourceMapping by UUID', async () => {
    const first = await local.client.send(new ListEventSourceMappingsCommand({ MaxItems: 1 }));
    expect(first.EventSourceMappings).toHaveLength(1);
    const second = await local.client.send(new ListEventSourceMappingsCommand({ MaxItems: 1, Marker: first.NextMarker }));
    expect(second.EventSourceMappings).toHaveLength(1);
    expect(second.NextMarker).toBeUndefined();
    expect(second.EventSourceMappings?.[0]?.UUID).not.toBe(first.EventSourceMappings?.[0]?.UUID);
    const uuid = first.EventSourceMappings?.[0]?.UUID;
    const mapping = await local.client.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    expect(mapping.UUID).toBe(uuid);
    await expect(
      local.client.send(new GetEventSourceMappingCommand({ UUID: '00000000-0000-0000-0000-000000000000' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('answers GetAccountSettings with the account quotas and the app functions', async () => {
    const settings = await local.client.send(new GetAccountSettingsCommand({}));
    expect(settings.AccountLimit).toMatchObject({ ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 998 });
    expect(settings.AccountUsage?.FunctionCount).toBe(6);
  });

  it('answers GetFunctionConcurrency and GetFunction with the reserved concurrency, and nothing for a function without', async () => {
    expect(await local.client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'api-big' }))).toMatchObject({
      ReservedConcurrentExecutions: 2,
    });
    expect((await local.client.send(new GetFunctionCommand({ FunctionName: 'api-big' }))).Concurrency).toEqual({
      ReservedConcurrentExecutions: 2,
    });
    expect(
      (await local.client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'api-echo' }))).ReservedConcurrentExecutions,
    ).toBeUndefined();
  });

  it('answers ListTags and GetFunction with the tags of the template', async () => {
    const { Tags: tags } = await local.client.send(new ListTagsCommand({ Resource: arnOf('api-echo') }));
    expect(tags).toMatchObject({ team: 'api' });
    expect((await local.client.send(new GetFunctionCommand({ FunctionName: 'api-echo' }))).Tags).toMatchObject({ team: 'api' });
  });

  it('fails if an operation the local runtime does not serve is called, naming it, with a 4xx', async () => {
    const error = await local.client
      .send(new PutRuntimeManagementConfigCommand({ FunctionName: 'api-echo', UpdateRuntimeOn: 'Auto' }))
      .catch((e) => e);
    expect(error).toMatchObject({ name: 'UnknownOperationException', $metadata: { httpStatusCode: 400 } });
    expect(error.message).toContain('PutRuntimeManagementConfig is not supported by the local Lambda service');
    const response = await fetch(`${local.runtime.url}/2015-03-31/no-such-thing`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });
});

describe('LambdaService Invoke', () => {
  it('returns the last of the invocation log with LogType Tail, and still writes it to the console', async () => {
    const response = await local.client.send(new InvokeCommand({ FunctionName: 'api-echo', LogType: 'Tail', Payload: '{"n":1}' }));
    const tail = decode(response.LogResult);
    const requestId = response.$metadata.requestId;
    expect(tail).toMatch(new RegExp(`^START RequestId: ${requestId} Version: \\$LATEST\\n`));
    // api-echo's LoggingConfig.LogFormat is JSON: its console lines are JSON records.
    expect(tail).toContain(`"level":"INFO","requestId":"${requestId}","message":"echoing {\\"n\\":1}"}\n`);
    expect(tail).toContain(`END RequestId: ${requestId}\n`);
    expect(tail).toMatch(new RegExp(`REPORT RequestId: ${requestId}\\tDuration: [^\\n]+\\n$`));
    expect(logs).toContainEqual(
      expect.stringMatching(/^\[api-echo\] \{"timestamp":"[^"]+","level":"INFO","requestId":"[^"]+","message":"echoing \{\\"n\\":1\}"\}$/),
    );
  });

  it('returns the lines logged before a timeout in the log tail, with the timeout status', async () => {
    const response = await local.client.send(new InvokeCommand({ FunctionName: 'api-slow', LogType: 'Tail' }));
    expect(payloadOf(response.Payload)).toMatchObject({ errorType: 'Sandbox.Timedout' });
    const tail = decode(response.LogResult);
    expect(tail).toContain('about to hang\n');
    expect(tail).toMatch(/REPORT RequestId: [^\n]+\tStatus: timeout\t\n$/);
  });

  it('starts the log tail of a failed init with the init error', async () => {
    const response = await local.client.send(new InvokeCommand({ FunctionName: 'api-broken', LogType: 'Tail' }));
    expect(response.FunctionError).toBe('Unhandled');
    const tail = decode(response.LogResult);
    expect(tail).toMatch(/^\S+\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Error","errorMessage":"broken at load"/);
    expect(tail).toContain('INIT_REPORT Init Duration: ');
    expect(tail.indexOf('INIT_REPORT')).toBeLessThan(tail.indexOf('START RequestId'));
  });

  it('hands the function {} when Invoke carries no payload', async () => {
    const response = await local.client.send(new InvokeCommand({ FunctionName: 'api-echo' }));
    expect(JSON.parse(Buffer.from(response.Payload ?? []).toString()).event).toEqual({});
  });

  it('returns no log without LogType Tail', async () => {
    const response = await local.client.send(new InvokeCommand({ FunctionName: 'api-echo', Payload: '{}' }));
    expect(response.LogResult).toBeUndefined();
  });

  it('keeps only the last 4 KB of a long invocation log', async () => {
    const response = await local.client.send(new InvokeCommand({ FunctionName: 'api-chatty', LogType: 'Tail' }));
    const tail = Buffer.from(response.LogResult ?? '', 'base64');
    expect(tail.length).toBe(4096);
    expect(tail.toString('utf8')).toContain(`line 199 `);
    expect(tail.toString('utf8')).not.toContain('line 0 ');
  });

  it('passes ClientContext to context.clientContext, decoded', async () => {
    const clientContext = Buffer.from(JSON.stringify({ custom: { tenant: 'a' }, env: { locale: 'en' } })).toString('base64');
    const response = await local.client.send(new InvokeCommand({ FunctionName: 'api-echo', ClientContext: clientContext, Payload: '{}' }));
    expect(payloadOf(response.Payload).clientContext).toEqual({ custom: { tenant: 'a' }, env: { locale: 'en' } });
  });

  it('fails if ClientContext is not base64 JSON, or longer than 3583 bytes', async () => {
    await expect(local.client.send(new InvokeCommand({ FunctionName: 'api-echo', ClientContext: 'not json!' }))).rejects.toMatchObject({
      name: 'InvalidRequestContentException',
      message: 'Client context must be a valid Base64-encoded JSON object.',
    });
    const long = Buffer.from(JSON.stringify({ custom: { pad: 'x'.repeat(3000) } })).toString('base64');
    await expect(local.client.send(new InvokeCommand({ FunctionName: 'api-echo', ClientContext: long }))).rejects.toMatchObject({
      name: 'InvalidRequestContentException',
    });
  });

  it('runs an alias as its version: ExecutedVersion and context.invokedFunctionArn say so', async () => {
    const response = await local.client.send(new InvokeCommand({ FunctionName: 'api-echo', Qualifier: 'live', Payload: '{}' }));
    expect(response.ExecutedVersion).toBe('1');
    expect(payloadOf(response.Payload)).toMatchObject({ invokedFunctionArn: `${arnOf('api-echo')}:live`, functionVersion: '1' });
    const tail = await local.client.send(new InvokeCommand({ FunctionName: `${arnOf('api-echo')}:1`, LogType: 'Tail', Payload: '{}' }));
    expect(decode(tail.LogResult)).toMatch(/^START RequestId: \S+ Version: 1\n/);
    const latest = await local.client.send(new InvokeCommand({ FunctionName: 'api-echo', Payload: '{}' }));
    expect(latest.ExecutedVersion).toBe('$LATEST');
  });

  it('reports a function error with FunctionError Unhandled and the error as the payload', async () => {
    const response = await local.client.send(new InvokeCommand({ FunctionName: 'api-failing', Payload: '{}' }));
    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBe('Unhandled');
    expect(payloadOf(response.Payload)).toMatchObject({ errorType: 'TypeError', errorMessage: 'not today' });
  });

  it('fails the invocation with Function.ResponseSizeTooLarge when the response is over 6 MB', async () => {
    const response = await local.client.send(new InvokeCommand({ FunctionName: 'api-big', Payload: '{}' }));
    expect(response.FunctionError).toBe('Unhandled');
    expect(payloadOf(response.Payload)).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
  });

  it('fails if the payload is not JSON, or the invocation or log type is not one Lambda has', async () => {
    await expect(local.client.send(new InvokeCommand({ FunctionName: 'api-echo', Payload: '{nope' }))).rejects.toMatchObject({
      name: 'InvalidRequestContentException',
      message: expect.stringMatching(/^Could not parse request body into json: Could not parse payload into json: /),
      $metadata: { httpStatusCode: 400 },
    });
    const invocationType = await fetch(`${local.runtime.url}/2015-03-31/functions/api-echo/invocations`, {
      method: 'POST',
      headers: { 'x-amz-invocation-type': 'Later' },
      body: '{}',
    });
    expect(invocationType.status).toBe(400);
    expect(invocationType.headers.get('x-amzn-errortype')).toBe('ValidationException');
    await expect(invocationType.json()).resolves.toEqual({
      Type: 'User',
      message:
        "1 validation error detected: Value 'Later' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
    });
    const logType = await fetch(`${local.runtime.url}/2015-03-31/functions/api-echo/invocations`, {
      method: 'POST',
      headers: { 'x-amz-log-type': 'All' },
      body: '{}',
    });
    expect(logType.headers.get('x-amzn-errortype')).toBe('ValidationException');
  });

  it('fails if the request payload is over 6 MB, with RequestTooLargeException and 413', async () => {
    const payload = JSON.stringify({ pad: 'x'.repeat(6 * 1024 * 1024) });
    await expect(local.client.send(new InvokeCommand({ FunctionName: 'api-echo', Payload: payload }))).rejects.toMatchObject({
      name: 'RequestTooLargeException',
      $metadata: { httpStatusCode: 413 },
    });
  });
});

describe.skipIf(awsCliMissing)('LambdaService with the AWS CLI', () => {
  it('answers aws lambda get-function-configuration', async () => {
    const configuration = (await awsCli(local.runtime.url, [
      'lambda',
      'get-function-configuration',
      '--function-name',
      'api-echo',
      '--qualifier',
      'live',
    ])) as Record<string, unknown>;
    expect(configuration).toMatchObject({ FunctionName: 'api-echo', FunctionArn: `${arnOf('api-echo')}:live`, Version: '1' });
  });

  it('answers aws lambda invoke --log-type Tail with the log and writes the payload to the out file', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-cli-invoke-')), 'out.json');
    const result = (await awsCli(local.runtime.url, [
      'lambda',
      'invoke',
      '--function-name',
      'api-echo',
      '--log-type',
      'Tail',
      '--cli-binary-format',
      'raw-in-base64-out',
      '--payload',
      '{"from":"cli"}',
      out,
    ])) as { StatusCode: number; LogResult: string; ExecutedVersion: string };
    expect(result).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(decode(result.LogResult)).toContain('"message":"echoing {\\"from\\":\\"cli\\"}"');
    expect(JSON.parse(readFileSync(out, 'utf8')).event).toEqual({ from: 'cli' });
  });

  it('pages aws lambda list-functions and filters aws lambda list-event-source-mappings by alias', async () => {
    const functions = (await awsCli(local.runtime.url, ['lambda', 'list-functions', '--page-size', '2'])) as {
      Functions: { FunctionName: string }[];
    };
    expect(functions.Functions.map((f) => f.FunctionName)).toHaveLength(6);
    const mappings = (await awsCli(local.runtime.url, ['lambda', 'list-event-source-mappings', '--function-name', 'api-echo:live'])) as {
      EventSourceMappings: { FunctionArn: string }[];
    };
    expect(mappings.EventSourceMappings).toEqual([expect.objectContaining({ FunctionArn: `${arnOf('api-echo')}:live` })]);
  });

  it('fails aws lambda get-function for a missing function with Lambda error words', async () => {
    await expect(awsCli(local.runtime.url, ['lambda', 'get-function', '--function-name', 'nope'])).rejects.toThrow(
      `An error occurred (ResourceNotFoundException) when calling the GetFunction operation: Function not found: ${arnOf('nope')}`,
    );
  });
});
