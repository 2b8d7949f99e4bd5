import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudWatchLogsClient, DescribeLogStreamsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  TagResourceCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { zip } from '../../helpers/zip-archive.js';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, receiveBodies, region, tempDataDir } from '../helpers.js';
import { inlinePolicy, serviceRole } from '../template-resources.js';
import {
  createFunction,
  functionInput,
  handler,
  payloadOf,
  ROLE,
  serviceAlone,
  templateFunction,
  updateCode,
  updateConfiguration,
} from './control-plane-clients.js';

/** A function of the app's template, which the control plane leaves to the next synthesis. */
const TEMPLATE_FUNCTION = {
  TemplateFn: templateFunction(),
  TemplatePermission: {
    Type: 'AWS::Lambda::Permission',
    Properties: {
      FunctionName: { Ref: 'TemplateFn' },
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: `arn:aws:events:${region}:000000000000:rule/nightly`,
    },
  },
};

/** A layer of the app's template, holding the package `greeting`; a function names it by its version's ARN. */
const APP_LAYER = {
  Greetings: {
    Type: 'AWS::Lambda::LayerVersion',
    Properties: { LayerName: 'greetings', Content: { S3Bucket: 'b', S3Key: 'layer.zip' }, CompatibleRuntimes: ['nodejs24.x'] },
    Metadata: { 'aws:asset:path': 'asset.layer', 'aws:asset:property': 'Content' },
  },
};
const APP_LAYER_ARN = `arn:aws:lambda:${region}:000000000000:layer:greetings:1`;
/** A published layer no one can provide here (neither AWS's nor a known vendor's). */
const UNKNOWN_LAYER = `arn:aws:lambda:${region}:123456789012:layer:private-tools:3`;

/** The template's function and layer, the layer's package written into its asset folder. */
function appAssembly(): string {
  const cdkOut = assemblyOf({ ...TEMPLATE_FUNCTION, ...APP_LAYER });
  const modules = path.join(cdkOut, 'asset.layer', 'nodejs', 'node_modules', 'greeting');
  mkdirSync(modules, { recursive: true });
  writeFileSync(path.join(modules, 'index.js'), "module.exports = (name) => 'hello from the layer, ' + name;");
  return cdkOut;
}

describe('Lambda control plane', () => {
  const runtimes = new RuntimesWithData();
  let runtime: LocalRuntime;
  let client: LambdaClient;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDataDir();
    runtime = await runtimes.start(appAssembly(), { dataDir });
    client = new LambdaClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    await runtimes.stopAll();
  });

  it("runs a function CreateFunction made naming the app's layer with the layer's packages, as a template function runs", async () => {
    const code = zip([{ path: 'index.js', body: "exports.handler = async (e) => require('greeting')(e.name);" }]);
    await createFunction(client, functionInput('layered', code, { Layers: [APP_LAYER_ARN] }));
    const output = await client.send(new InvokeCommand({ FunctionName: 'layered', Payload: JSON.stringify({ name: 'Ada' }) }));
    expect(payloadOf(output)).toBe('hello from the layer, Ada');
  });

  it('fails if a layer CreateFunction names is one nobody can provide, as a template function does, until an update takes it away', async () => {
    await createFunction(client, functionInput('unlayered', handler('ran'), { Layers: [UNKNOWN_LAYER] }));
    await expect(client.send(new InvokeCommand({ FunctionName: 'unlayered' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`lambda:GetLayerVersion on resource: ${UNKNOWN_LAYER}`),
    });
    await updateConfiguration(client, { FunctionName: 'unlayered', Layers: [] });
    expect(payloadOf(await client.send(new InvokeCommand({ FunctionName: 'unlayered' })))).toMatchObject({ answer: 'ran' });
  });

  it("gives a template function and its policy UUIDs as RevisionIds, as Lambda's, the same for the same template", async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const read = async () => [
      (await client.send(new GetFunctionCommand({ FunctionName: 'from-template' }))).Configuration?.RevisionId,
      (await client.send(new GetPolicyCommand({ FunctionName: 'from-template' }))).RevisionId,
    ];
    const first = await read();
    expect(first).toEqual([expect.stringMatching(uuid), expect.stringMatching(uuid)]);
    expect(await read()).toEqual(first);
  });

  it("answers GetPolicy of a template function with the template's permissions, as CloudFormation's AddPermission wrote them", async () => {
    const { Policy, RevisionId } = await client.send(new GetPolicyCommand({ FunctionName: 'from-template' }));
    expect(RevisionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(String(Policy))).toEqual({
      Version: '2012-10-17',
      Id: 'default',
      Statement: [
        {
          Sid: 'TemplatePermission',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'lambda:InvokeFunction',
          Resource: `arn:aws:lambda:${region}:000000000000:function:from-template`,
          Condition: { ArnLike: { 'AWS:SourceArn': `arn:aws:events:${region}:000000000000:rule/nightly` } },
        },
      ],
    });
  });

  it('runs a function CreateFunction made from a zip, with its variables', async () => {
    await createFunction(
      client,
      functionInput('greeter', zip([{ path: 'index.js', body: 'exports.handler = async (e) => process.env.GREETING + ", " + e.name;' }]), {
        Environment: { Variables: { GREETING: 'hello' } },
      }),
    );
    const output = await client.send(new InvokeCommand({ FunctionName: 'greeter', Payload: JSON.stringify({ name: 'Ada' }) }));
    expect(payloadOf(output)).toBe('hello, Ada');
    expect(output.ExecutedVersion).toBe('$LATEST');
  });

  it('throttles every invocation of a function PutFunctionConcurrency reserved 0 for, and runs it again once DeleteFunctionConcurrency', async () => {
    await createFunction(client, functionInput('reserved', zip([{ path: 'index.js', body: 'exports.handler = async () => "ran";' }])));
    await client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'reserved', ReservedConcurrentExecutions: 0 }));
    await expect(client.send(new InvokeCommand({ FunctionName: 'reserved' }))).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'reserved' }));
    expect(payloadOf(await client.send(new InvokeCommand({ FunctionName: 'reserved' })))).toBe('ran');
  });

  it('runs an Event invocation with the settings PutFunctionEventInvokeConfig gave its qualifier: retries and the on-failure destination', async () => {
    const sqs = new SQSClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    const queueOf = async (QueueName: string) => {
      const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName }));
      return { url: QueueUrl, arn: `arn:aws:sqs:${region}:000000000000:${QueueName}` };
    };
    const [latest, aliased] = [await queueOf('invoke-config-latest'), await queueOf('invoke-config-alias')];
    await createFunction(
      client,
      functionInput('always-fails', zip([{ path: 'index.js', body: 'exports.handler = async () => { throw new Error("no"); };' }])),
    );
    const { Version } = await client.send(new PublishVersionCommand({ FunctionName: 'always-fails' }));
    await client.send(new CreateAliasCommand({ FunctionName: 'always-fails', Name: 'live', FunctionVersion: Version }));
    const onFailure = (Destination: string) => ({ MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination } } });
    await client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'always-fails', ...onFailure(latest.arn) }));
    await client.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'always-fails', Qualifier: 'live', ...onFailure(aliased.arn) }),
    );
    await client.send(new InvokeCommand({ FunctionName: 'always-fails', InvocationType: 'Event', Payload: '{"to":"latest"}' }));
    await client.send(new InvokeCommand({ FunctionName: 'always-fails:live', InvocationType: 'Event', Payload: '{"to":"alias"}' }));
    // Without the settings (two retries, a minute apart), no record would be sent this soon.
    const [recordOf, aliasRecordOf] = await Promise.all([receiveBodies(sqs, latest.url, 1), receiveBodies(sqs, aliased.url, 1)]);
    expect(JSON.parse(String(recordOf[0]))).toMatchObject({
      requestPayload: { to: 'latest' },
      requestContext: { approximateInvokeCount: 1 },
    });
    expect(JSON.parse(String(aliasRecordOf[0]))).toMatchObject({
      requestPayload: { to: 'alias' },
      requestContext: { approximateInvokeCount: 1 },
    });
    sqs.destroy();
  });

  it('writes an Event invocation’s record to an S3 bucket on-failure destination, which PutFunctionEventInvokeConfig refuses as OnSuccess', async () => {
    const s3 = new S3Client({ endpoint: runtime.url, region, credentials, forcePathStyle: true, maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'failed-records' }));
    await createFunction(
      client,
      functionInput('fails-to-s3', zip([{ path: 'index.js', body: 'exports.handler = async () => { throw new Error("no"); };' }])),
    );
    const Destination = 'arn:aws:s3:::failed-records';
    await expect(
      client.send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: 'fails-to-s3', DestinationConfig: { OnSuccess: { Destination } } }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'fails-to-s3',
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination } },
      }),
    );
    await client.send(new InvokeCommand({ FunctionName: 'fails-to-s3', InvocationType: 'Event', Payload: '{"to":"s3"}' }));
    const key = await eventually(async () => {
      const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: 'failed-records' }));
      return Contents[0]?.Key;
    });
    expect(key).toMatch(/^aws\/lambda\/async\/fails-to-s3\/\d{4}\/\d{2}\/\d{2}\/\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}-[0-9a-f-]{36}$/);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: 'failed-records', Key: key }))).Body?.transformToString();
    expect(JSON.parse(body ?? '')).toMatchObject({ requestPayload: { to: 's3' }, requestContext: { condition: 'RetriesExhausted' } });
    s3.destroy();
  });

  it('runs a published version’s code and settings, not the current ones', async () => {
    await createFunction(client, functionInput('versioned', handler('one'), { Timeout: 7 }));
    const { Version } = await client.send(new PublishVersionCommand({ FunctionName: 'versioned' }));
    await updateCode(client, { FunctionName: 'versioned', ZipFile: handler('two') });
    await updateConfiguration(client, { FunctionName: 'versioned', Timeout: 9 });
    const first = await client.send(new InvokeCommand({ FunctionName: `versioned:${Version}` }));
    expect([payloadOf(first), first.ExecutedVersion]).toEqual([{ answer: 'one', version: '1' }, '1']);
    const latest = await client.send(new InvokeCommand({ FunctionName: 'versioned' }));
    expect(payloadOf(latest)).toEqual({ answer: 'two', version: '$LATEST' });
    const frozen = await client.send(new GetFunctionCommand({ FunctionName: 'versioned', Qualifier: '1' }));
    expect(frozen.Configuration?.Timeout).toBe(7);
  });

  it('runs an Event invocation of a version with that version', async () => {
    await createFunction(client, functionInput('queued', handler('one')));
    await client.send(new PublishVersionCommand({ FunctionName: 'queued' }));
    await updateCode(client, { FunctionName: 'queued', ZipFile: handler('two') });
    const accepted = await client.send(new InvokeCommand({ FunctionName: 'queued', Qualifier: '1', InvocationType: 'Event' }));
    expect(accepted.StatusCode).toBe(202);
    const logs = new CloudWatchLogsClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    try {
      // Lambda names an environment's log stream after the version it runs.
      const streams = await eventually(async () => {
        const { logStreams = [] } = await logs
          .send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/queued' }))
          .catch(() => ({ logStreams: [] }));
        return logStreams.length > 0 ? logStreams.map((stream) => String(stream.logStreamName)) : undefined;
      });
      expect(streams).toEqual([expect.stringContaining('/[1]')]);
    } finally {
      logs.destroy();
    }
  });

  it('routes an alias’s invocations by its weights, each answer naming the version that ran', async () => {
    await createFunction(client, functionInput('weighted', handler('one')));
    await client.send(new PublishVersionCommand({ FunctionName: 'weighted' }));
    await updateCode(client, { FunctionName: 'weighted', ZipFile: handler('two') });
    await client.send(new PublishVersionCommand({ FunctionName: 'weighted' }));
    await client.send(
      new CreateAliasCommand({
        FunctionName: 'weighted',
        Name: 'live',
        FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } },
      }),
    );
    const ran = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const output = await client.send(new InvokeCommand({ FunctionName: 'weighted', Qualifier: 'live' }));
      const { answer, version } = payloadOf(output);
      expect(output.ExecutedVersion).toBe(version);
      ran.set(version, answer);
    }
    // Both versions take a share of 40 invocations (each missing all of them has a chance of 2^-40).
    expect(Object.fromEntries(ran)).toEqual({ 1: 'one', 2: 'two' });
  });

  it('answers a timeout as Lambda does: the function error Sandbox.Timedout, with the request id', async () => {
    const sleeper = zip([{ path: 'index.js', body: 'exports.handler = () => new Promise((resolve) => setTimeout(resolve, 5000));' }]);
    await createFunction(client, functionInput('sleeper', sleeper, { Timeout: 1 }));
    const output = await client.send(new InvokeCommand({ FunctionName: 'sleeper', Payload: '{}' }));
    expect({ ...output, Payload: payloadOf(output), $metadata: undefined }).toEqual({
      $metadata: undefined,
      ExecutedVersion: '$LATEST',
      FunctionError: 'Unhandled',
      StatusCode: 200,
      Payload: {
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${output.$metadata.requestId} Error: Task timed out after 1.00 seconds`,
      },
    });
  });

  it('creates a function from an object of the local S3, and GetFunction’s Code.Location downloads its zip', async () => {
    const s3 = new S3Client({ endpoint: runtime.url, region, credentials, forcePathStyle: true, maxAttempts: 1 });
    const code = handler('from s3');
    await s3.send(new CreateBucketCommand({ Bucket: 'code' }));
    await s3.send(new PutObjectCommand({ Bucket: 'code', Key: 'fn.zip', Body: code }));
    s3.destroy();
    await createFunction(client, { ...functionInput('from-s3', code), Code: { S3Bucket: 'code', S3Key: 'fn.zip' } });
    expect(payloadOf(await client.send(new InvokeCommand({ FunctionName: 'from-s3' }))).answer).toBe('from s3');
    const { Code, Configuration } = await client.send(new GetFunctionCommand({ FunctionName: 'from-s3' }));
    expect(Code?.RepositoryType).toBe('S3');
    const downloaded = Buffer.from(await (await fetch(String(Code?.Location))).arrayBuffer());
    expect(downloaded.equals(code)).toBe(true);
    expect([Configuration?.CodeSha256, Configuration?.CodeSize]).toEqual([createHash('sha256').update(code).digest('base64'), code.length]);
  });

  it('fails to invoke a function of a runtime the local runtime cannot run, naming the runtime', async () => {
    await createFunction(client, functionInput('rubyist', handler('x'), { Runtime: 'ruby3.3' }));
    await expect(client.send(new InvokeCommand({ FunctionName: 'rubyist' }))).rejects.toMatchObject({
      name: 'InvalidRuntimeException',
      message: expect.stringContaining('ruby3.3'),
    });
  });

  it('fails if the upload is not a zip, in Lambda’s words, and leaves no function or files behind', async () => {
    const codeFolders = () => readdirSync(path.join(dataDir, 'lambda', 'code')).sort();
    const before = codeFolders();
    await expect(
      client.send(new CreateFunctionCommand(functionInput('broken', Buffer.from('this is not a zip file, just some text')))),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'Could not unzip uploaded file. Please check your file, then try to upload again.',
    });
    const { Functions = [] } = await client.send(new ListFunctionsCommand({}));
    expect(Functions.map((f) => f.FunctionName)).not.toContain('broken');
    expect(codeFolders()).toEqual(before);
  });

  it('fails if the function name is taken, with ResourceConflictException', async () => {
    await createFunction(client, functionInput('taken', handler('x')));
    await expect(client.send(new CreateFunctionCommand(functionInput('taken', handler('y'))))).rejects.toMatchObject({
      name: 'ResourceConflictException',
      message: 'Function already exist: taken',
    });
  });

  it('fails if a function of the template is changed through the API, saying how it changes', async () => {
    for (const change of [
      new UpdateFunctionConfigurationCommand({ FunctionName: 'from-template', Timeout: 9 }),
      new TagResourceCommand({ Resource: `arn:aws:lambda:${region}:000000000000:function:from-template`, Tags: { a: 'b' } }),
      new DeleteFunctionCommand({ FunctionName: 'from-template' }),
      new AddPermissionCommand({ FunctionName: 'from-template', StatementId: 's', Action: 'lambda:InvokeFunction', Principal: '*' }),
    ]) {
      await expect(client.send(change as never)).rejects.toMatchObject({
        name: 'InvalidParameterValueException',
        message: expect.stringContaining("from-template comes from the app's cloud assembly"),
      });
    }
    const output = await client.send(new InvokeCommand({ FunctionName: 'from-template' }));
    expect(payloadOf(output)).toBe('template');
  });

  it('drops the policy of a deleted version or alias, so that an alias made again under its name has none', async () => {
    await createFunction(client, functionInput('with-policies', handler('p')));
    await client.send(new PublishVersionCommand({ FunctionName: 'with-policies' }));
    await client.send(new CreateAliasCommand({ FunctionName: 'with-policies', Name: 'live', FunctionVersion: '1' }));
    const permit = (Qualifier: string) =>
      client.send(
        new AddPermissionCommand({
          FunctionName: 'with-policies',
          Qualifier,
          StatementId: 's3',
          Action: 'lambda:InvokeFunction',
          Principal: 's3.amazonaws.com',
        }),
      );
    await permit('live');
    await client.send(new DeleteAliasCommand({ FunctionName: 'with-policies', Name: 'live' }));
    await client.send(new CreateAliasCommand({ FunctionName: 'with-policies', Name: 'live', FunctionVersion: '1' }));
    await expect(client.send(new GetPolicyCommand({ FunctionName: 'with-policies', Qualifier: 'live' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await client.send(new DeleteAliasCommand({ FunctionName: 'with-policies', Name: 'live' }));
    await permit('1');
    const kept = JSON.parse(String((await client.send(new GetPolicyCommand({ FunctionName: 'with-policies', Qualifier: '1' }))).Policy));
    expect(kept.Statement.map((s: { Resource: string }) => s.Resource)).toEqual([
      `arn:aws:lambda:${region}:000000000000:function:with-policies:1`,
    ]);
    await client.send(new DeleteFunctionCommand({ FunctionName: 'with-policies', Qualifier: '1' }));
    const stored = (await client.send(new GetFunctionCommand({ FunctionName: 'with-policies' }))).Configuration;
    expect(stored?.FunctionName).toBe('with-policies');
    await expect(client.send(new GetPolicyCommand({ FunctionName: 'with-policies', Qualifier: '1' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('removes a deleted function’s package from the data folder', async () => {
    await createFunction(client, functionInput('short-lived', handler('gone soon')));
    const { Configuration } = await client.send(new GetFunctionCommand({ FunctionName: 'short-lived' }));
    const digest = Buffer.from(String(Configuration?.CodeSha256), 'base64').toString('hex');
    expect(readdirSync(path.join(dataDir, 'lambda', 'code'))).toContain(digest);
    await client.send(new DeleteFunctionCommand({ FunctionName: 'short-lived' }));
    expect(readdirSync(path.join(dataDir, 'lambda', 'code')).filter((f) => f.startsWith(digest))).toEqual([]);
  });
});

describe('Lambda control plane across a restart', () => {
  const runtimes = new RuntimesWithData();
  afterEach(() => runtimes.stopAll());

  it('keeps the functions, versions, aliases and permissions made through the API, each running its code, and the start-up report names them', async () => {
    const dataDir = tempDataDir();
    const cdkOut = assemblyOf({});
    const first = await runtimes.start(cdkOut, { dataDir });
    const before = new LambdaClient({ endpoint: first.url, region, credentials, maxAttempts: 1 });
    await createFunction(before, functionInput('durable-fn', handler('one'), { Tags: { team: 'api' } }));
    await before.send(new PublishVersionCommand({ FunctionName: 'durable-fn' }));
    await updateCode(before, { FunctionName: 'durable-fn', ZipFile: handler('two') });
    await before.send(new CreateAliasCommand({ FunctionName: 'durable-fn', Name: 'stable', FunctionVersion: '1' }));
    await before.send(
      new AddPermissionCommand({
        FunctionName: 'durable-fn',
        StatementId: 'events',
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
      }),
    );
    const policy = (await before.send(new GetPolicyCommand({ FunctionName: 'durable-fn' }))).Policy;
    const revision = (await before.send(new GetFunctionCommand({ FunctionName: 'durable-fn' }))).Configuration?.RevisionId;
    before.destroy();
    await runtimes.stopAll();

    const second = await runtimes.start(cdkOut, { dataDir });
    const after = new LambdaClient({ endpoint: second.url, region, credentials, maxAttempts: 1 });
    try {
      expect(payloadOf(await after.send(new InvokeCommand({ FunctionName: 'durable-fn', Qualifier: 'stable' })))).toEqual({
        answer: 'one',
        version: '1',
      });
      expect(payloadOf(await after.send(new InvokeCommand({ FunctionName: 'durable-fn' }))).answer).toBe('two');
      const fn = await after.send(new GetFunctionCommand({ FunctionName: 'durable-fn' }));
      expect([fn.Configuration?.RevisionId, fn.Tags]).toEqual([revision, { team: 'api' }]);
      expect((await after.send(new GetPolicyCommand({ FunctionName: 'durable-fn' }))).Policy).toBe(policy);
      const lines = (await second.serviceReports()).flatMap((report) => report.lines ?? []);
      expect(lines).toContain("  functions made through Lambda's API (kept in the data folder): durable-fn");
    } finally {
      after.destroy();
    }
  });
});

describe('Lambda control plane under IAM', () => {
  const runtimes = new RuntimesWithData();
  afterAll(() => runtimes.stopAll());

  /** A runtime enforcing IAM and a client acting as a deployer role with `statements`. */
  async function asDeployer(...statements: Parameters<typeof inlinePolicy>[1][]) {
    const cdkOut = assemblyOf({
      Deployer: serviceRole('lambda.amazonaws.com', { RoleName: 'deployer', Policies: [inlinePolicy('p', ...statements)] }),
    });
    const runtime = await runtimes.start(cdkOut, { iam: 'enforce' });
    const credentials = runtime.iam.principals.credentialsFor('arn:aws:iam::000000000000:role/deployer', 'test');
    return new LambdaClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  }
  const passRole = { Action: ['iam:PassRole'], Resource: ROLE };

  it('authorizes CreateFunction on the function its request names, refusing one the caller may not create', async () => {
    const client = await asDeployer(
      { Action: ['lambda:CreateFunction'], Resource: `arn:aws:lambda:${region}:000000000000:function:allowed-*` },
      passRole,
    );
    try {
      await expect(client.send(new CreateFunctionCommand(functionInput('allowed-fn', handler('x'))))).resolves.toMatchObject({
        State: 'Pending',
      });
      await expect(client.send(new CreateFunctionCommand(functionInput('other-fn', handler('x'))))).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining(`function:other-fn`),
      });
    } finally {
      client.destroy();
    }
  });

  it('fails if the caller may not pass the execution role CreateFunction or UpdateFunctionConfiguration gives the function', async () => {
    const other = 'arn:aws:iam::000000000000:role/other-role';
    const client = await asDeployer(
      { Action: ['lambda:CreateFunction', 'lambda:UpdateFunctionConfiguration', 'lambda:GetFunction'], Resource: '*' },
      passRole,
    );
    const refusal = (role: string) => ({
      name: 'AccessDeniedException',
      message: expect.stringMatching(
        new RegExp(`^User: \\S+ is not authorized to perform: iam:PassRole on resource: ${role.replace(/[/]/g, '\\/')}\\b`),
      ),
    });
    try {
      await expect(client.send(new CreateFunctionCommand(functionInput('passed', handler('x'), { Role: other })))).rejects.toMatchObject(
        refusal(other),
      );
      await createFunction(client, functionInput('passed', handler('x')));
      await expect(client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'passed', Role: other }))).rejects.toMatchObject(
        refusal(other),
      );
      await expect(updateConfiguration(client, { FunctionName: 'passed', Timeout: 9 })).resolves.toMatchObject({
        Timeout: 9,
      });
    } finally {
      client.destroy();
    }
  });
});

describe('Lambda control plane creating one name twice at once', () => {
  it('creates one function and refuses the other with ResourceConflictException, while the first one’s code is prepared', async () => {
    // New code may wait for SDK packages to be fetched before it runs: the second request comes meanwhile.
    const lambda = serviceAlone(() => new Promise((resolve) => setTimeout(resolve, 100)));
    const create = (answer: string) =>
      lambda.protocol.handle({
        method: 'POST',
        path: '/2015-03-31/functions',
        query: new URLSearchParams(),
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(
          JSON.stringify({ ...functionInput('raced', handler(answer)), Code: { ZipFile: handler(answer).toString('base64') } }),
        ),
      });
    try {
      const answers = await Promise.all([create('one'), create('two')]);
      expect(answers.map((a) => [a.status, a.headers?.['x-amzn-errortype']])).toEqual([
        [201, undefined],
        [409, 'ResourceConflictException'],
      ]);
    } finally {
      await lambda.stop();
    }
  });
});
