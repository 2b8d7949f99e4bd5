import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI_SKIP_REASON, awsCli, awsCliMissing } from '../aws-cli.js';
import { AwsCliSession } from '../aws-cli-session.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { awsCliV1Missing, formPost, raw, sdkConfig } from './clients.js';
import { MACHINE_ARN, writeGuardedApp } from './guarded-app.js';

const local = restartableRuntime({ assembly: writeGuardedApp });
let port: number;
let byAddress: string;
let byName: string;
beforeAll(async () => {
  port = Number(new URL(local.runtime.url).port);
  byAddress = `http://127.0.0.1:${port}`;
  byName = `http://localhost:${port}`;
});

async function invoke(endpoint: string, payload: unknown): Promise<Record<string, unknown>> {
  const lambda = new LambdaClient(sdkConfig(endpoint));
  try {
    const answer = await lambda.send(new InvokeCommand({ FunctionName: 'caller', Payload: JSON.stringify(payload) }));
    expect(answer.FunctionError).toBeUndefined();
    return JSON.parse(Buffer.from(answer.Payload ?? []).toString('utf8'));
  } finally {
    lambda.destroy();
  }
}

async function queueNames(): Promise<string[]> {
  const sqs = new SQSClient(sdkConfig(byAddress));
  try {
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
    return QueueUrls.map((url) => url.split('/').pop() ?? '');
  } finally {
    sqs.destroy();
  }
}

describe('the local endpoint with the default trust (loopback only)', () => {
  it.each([
    ['127.0.0.1', () => byAddress],
    ['localhost', () => byName],
  ])('serves the SDK at %s unchanged: SQS, DynamoDB, StartSyncExecution on its sync- host, Lambda Invoke', async (_name, endpoint) => {
    const url = endpoint();
    const sqs = new SQSClient(sdkConfig(url));
    const sfn = new SFNClient(sdkConfig(url));
    const ddb = new DynamoDBClient(sdkConfig(url));
    try {
      expect((await sqs.send(new ListQueuesCommand({}))).QueueUrls?.some((q) => q.endsWith('/guarded-queue'))).toBe(true);
      const sync = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: MACHINE_ARN, input: '{"n":1}' }));
      expect(sync).toMatchObject({ status: 'SUCCEEDED', output: '{"n":1}' });
      await ddb.send(new PutItemCommand({ TableName: 'guarded', Item: { pk: { S: `from-${_name}` } } }));
      expect((await ddb.send(new GetItemCommand({ TableName: 'guarded', Key: { pk: { S: `from-${_name}` } } }))).Item).toBeDefined();
      expect(await invoke(url, { hello: _name })).toEqual({ echo: { hello: _name } });
    } finally {
      sqs.destroy();
      sfn.destroy();
      ddb.destroy();
    }
  });

  it("serves function code calling the endpoint: StartSyncExecution (sync- host) and DynamoDB on dynalite's own port", async () => {
    expect(await invoke(byAddress, { action: 'sync', input: { from: 'function' } })).toEqual({
      status: 'SUCCEEDED',
      output: '{"from":"function"}',
    });
    const direct = await invoke(byAddress, { action: 'dynamodb', key: 'from-function' });
    expect(direct.item).toBe('from-function');
    expect(direct.dynamodbEndpoint).not.toBe(local.runtime.url);
  });

  it.skipIf(awsCliMissing)('serves the AWS CLI v2 (SQS over the query protocol) at 127.0.0.1 and localhost', async () => {
    for (const url of [byAddress, byName]) {
      const listed = (await awsCli(url, ['sqs', 'list-queues'])) as { QueueUrls: string[] };
      expect(listed.QueueUrls.some((q) => q.endsWith('/guarded-queue'))).toBe(true);
      const queueUrl = listed.QueueUrls.find((q) => q.endsWith('/guarded-queue')) ?? '';
      expect(await awsCli(url, ['sqs', 'send-message', '--queue-url', queueUrl, '--message-body', 'cli'])).toHaveProperty('MessageId');
    }
  });
  if (awsCliMissing) it.skip(AWS_CLI_SKIP_REASON, () => {});

  it.skipIf(awsCliV1Missing)(
    'serves the AWS CLI v1 (SQS over JSON, Lambda Invoke, StartSyncExecution) at 127.0.0.1 and localhost',
    async () => {
      const out = path.join(mkdtempSync(path.join(tmpdir(), 'cli-invoke-')), 'out.json');
      for (const url of [byAddress, byName]) {
        const listed = JSON.parse(await awsCliV1(url, ['sqs', 'list-queues'])) as { QueueUrls: string[] };
        expect(listed.QueueUrls.some((q) => q.endsWith('/guarded-queue'))).toBe(true);
        await awsCliV1(url, ['lambda', 'invoke', '--function-name', 'caller', '--payload', '{"cli":1}', out]);
        expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ echo: { cli: 1 } });
        // The CLI cannot resolve `sync-127.0.0.1` itself; it sends StartSyncExecution to the endpoint's own host when told to.
        const sync = JSON.parse(
          await awsCliV1(url, ['stepfunctions', 'start-sync-execution', '--state-machine-arn', MACHINE_ARN, '--input', '{}'], {
            AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
          }),
        ) as { status: string };
        expect(sync.status).toBe('SUCCEEDED');
      }
    },
  );

  it.each(['evil.example', '127.0.0.1.evil.example', `evil.example:${4566}`, 'localhost.evil.example', 'sync-evil.example'])(
    'fails if the Host is %s (DNS rebinding): 403, naming the Host and --allow-host, before any service acts',
    async (host) => {
      const answer = await formPost(byAddress, { Action: 'CreateQueue', QueueName: 'rebound' }, { host });
      expect(answer.status).toBe(403);
      expect(answer.body).toContain('<Code>AccessDenied</Code>');
      expect(answer.body).toContain(host.replace(/:\d+$/, ''));
      expect(answer.body).toContain('--allow-host');
      const json = await raw(byAddress, {
        headers: { host, 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' },
        body: '{}',
      });
      expect(json.status).toBe(403);
      expect(JSON.parse(json.body)).toMatchObject({ __type: 'com.amazon.coral.service#AccessDeniedException' });
      expect(await queueNames()).not.toContain('rebound');
    },
  );

  it('fails if a web page of another origin posts a form (query protocol, no credentials): 403 and no queue', async () => {
    const answer = await formPost(
      byAddress,
      { Action: 'CreateQueue', QueueName: 'csrf' },
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    );
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('https://evil.example');
    // Another port on this machine is another origin too.
    const local = await formPost(byAddress, { Action: 'CreateQueue', QueueName: 'csrf' }, { origin: 'http://localhost:3000' });
    expect(local.status).toBe(403);
    const sandboxed = await formPost(byAddress, { Action: 'CreateQueue', QueueName: 'csrf' }, { origin: 'null' });
    expect(sandboxed.status).toBe(403);
    expect(await queueNames()).not.toContain('csrf');
  });

  it('fails if a cross-site page sends a GET with Action (an <img>: no Origin, only Sec-Fetch-Site)', async () => {
    const answer = await raw(byAddress, {
      method: 'GET',
      path: '/?Action=CreateQueue&QueueName=img-csrf',
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(answer.status).toBe(403);
    expect(await queueNames()).not.toContain('img-csrf');
  });

  it('fails if a foreign origin asks for a CORS preflight: nothing granted', async () => {
    const answer = await raw(byAddress, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-amz-target,content-type',
      },
    });
    expect(answer.status).toBe(403);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("fails if a web page or a foreign Host calls dynalite's own port (which grants every origin CORS by itself)", async () => {
    const { dynamodbEndpoint } = await invoke(byAddress, { action: 'dynamodb', key: 'probe' });
    const dynalite = String(dynamodbEndpoint);
    const headers = { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' };
    const fromPage = await raw(dynalite, { headers: { ...headers, origin: 'https://evil.example' }, body: '{}' });
    expect(fromPage.status).toBe(403);
    expect(fromPage.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await raw(dynalite, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const rebound = await raw(dynalite, { headers: { ...headers, host: 'evil.example' }, body: '{}' });
    expect(rebound.status).toBe(403);
  });

  it('serves a page of its own origin (the local console): same-origin form posts pass', async () => {
    for (const origin of [byAddress, byName]) {
      const answer = await formPost(
        byAddress,
        { Action: 'CreateQueue', QueueName: 'same-origin' },
        { origin, 'sec-fetch-site': 'same-origin' },
      );
      expect(answer.status).toBe(200);
    }
    expect(await queueNames()).toContain('same-origin');
  });

  it('says at start-up whom it answers and that signatures are not checked', () => {
    const lines = local.runtime.trustLines().join('\n');
    expect(lines).toContain('answers this machine only');
    expect(lines).toContain('signatures are not verified');
  });
});

/** The pyenv AWS CLI v1 on PATH (SQS over JSON), as a developer runs it: one process for the file's commands (AwsCliSession). */
let v1: AwsCliSession | undefined;

async function awsCliV1(endpoint: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  v1 ??= new AwsCliSession('aws', {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  });
  const { stdout } = await v1.run(['--endpoint-url', endpoint, '--output', 'json', ...args], env);
  return stdout;
}
