import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_SKIP_REASON, awsCliMissing } from '../aws-cli.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { AWS_CLI_V1, awsCliV1Missing, formPost, raw, runCli, sdkConfig } from './clients.js';
import { MACHINE_ARN, writeGuardedApp } from './guarded-app.js';

const KEY = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'right-secret' };
const WRONG_SECRET = { accessKeyId: KEY.accessKeyId, secretAccessKey: 'wrong-secret' };
const UNKNOWN_KEY = { accessKeyId: 'AKIDSOMEONEELSE', secretAccessKey: 'right-secret' };

const local = restartableRuntime({
  assembly: writeGuardedApp,
  ownsAssembly: true,
  options: { verifySignatures: { credentials: [KEY] } },
});

/** The error an SDK call fails with (name and HTTP status), or 'ok'. */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (error) {
    const { name, $metadata } = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return `${name} ${$metadata?.httpStatusCode}`;
  }
}

function clients(credentials: typeof KEY) {
  const config = sdkConfig(local.runtime.url, credentials);
  return {
    sqs: new SQSClient(config),
    sfn: new SFNClient(config),
    ddb: new DynamoDBClient(config),
    lambda: new LambdaClient(config),
  };
}

async function invoke(lambda: LambdaClient, payload: unknown): Promise<Record<string, unknown>> {
  const answer = await lambda.send(new InvokeCommand({ FunctionName: 'caller', Payload: JSON.stringify(payload) }));
  const body = JSON.parse(Buffer.from(answer.Payload ?? []).toString('utf8'));
  if (answer.FunctionError) throw new Error(`function failed: ${JSON.stringify(body)}`);
  return body;
}

describe('the local endpoint with --verify-signatures', () => {
  it('serves the SDK signing with a configured key: SQS, StartSyncExecution (sync- host), DynamoDB through the endpoint, Lambda', async () => {
    const { sqs, sfn, ddb, lambda } = clients(KEY);
    expect(await outcome(() => sqs.send(new ListQueuesCommand({})))).toBe('ok');
    expect(await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: MACHINE_ARN, input: '{}' }))).toMatchObject({
      status: 'SUCCEEDED',
    });
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toContain('guarded');
    expect(await invoke(lambda, { signed: true })).toEqual({ echo: { signed: true } });
    // A query string and a percent-encoded path (an ARN) are signed as the SDK canonicalizes them.
    expect(await outcome(() => lambda.send(new ListFunctionsCommand({ MaxItems: 5 })))).toBe('ok');
    const byArn = await lambda.send(
      new InvokeCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:caller', Payload: '{"arn":1}' }),
    );
    expect(byArn.StatusCode).toBe(200);
  });

  it("gives local functions a configured key: their calls to the endpoint and to dynalite's own port verify", async () => {
    const { lambda } = clients(KEY);
    expect(await invoke(lambda, { action: 'sync', input: { inside: 1 } })).toEqual({ status: 'SUCCEEDED', output: '{"inside":1}' });
    expect(await invoke(lambda, { action: 'dynamodb', key: 'signed' })).toMatchObject({ item: 'signed' });
    expect(await invoke(lambda, { action: 'sqs' })).toMatchObject({ queueUrl: expect.stringContaining('guarded-queue') });
  });

  it("fails if the secret is wrong, with each protocol's code: InvalidSignatureException (400 JSON, 403 Lambda)", async () => {
    const { sqs, sfn, ddb, lambda } = clients(WRONG_SECRET);
    expect(await outcome(() => sqs.send(new ListQueuesCommand({})))).toBe('InvalidSignatureException 400');
    expect(await outcome(() => sfn.send(new StartSyncExecutionCommand({ stateMachineArn: MACHINE_ARN })))).toBe(
      'InvalidSignatureException 400',
    );
    expect(await outcome(() => ddb.send(new ListTablesCommand({})))).toBe('InvalidSignatureException 400');
    expect(await outcome(() => lambda.send(new InvokeCommand({ FunctionName: 'caller' })))).toBe('InvalidSignatureException 403');
  });

  it('fails if the access key is not configured: UnrecognizedClientException', async () => {
    const { sqs, lambda } = clients(UNKNOWN_KEY);
    expect(await outcome(() => sqs.send(new ListQueuesCommand({})))).toBe('UnrecognizedClientException 400');
    expect(await outcome(() => lambda.send(new InvokeCommand({ FunctionName: 'caller' })))).toBe('UnrecognizedClientException 403');
  });

  it('fails if a request is not signed at all: MissingAuthenticationToken, and a form post creates nothing', async () => {
    const json = await raw(local.runtime.url, {
      headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body)).toMatchObject({ __type: 'com.amazon.coral.service#MissingAuthenticationTokenException' });
    const form = await formPost(local.runtime.url, { Action: 'CreateQueue', QueueName: 'unsigned' });
    expect(form.status).toBe(403);
    expect(form.body).toContain('<Code>MissingAuthenticationToken</Code>');
    const { sqs } = clients(KEY);
    expect((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).not.toContainEqual(expect.stringContaining('unsigned'));
  });

  it('takes the links SNS sends subscribers unsigned, as SNS does (Unsubscribe, ConfirmSubscription), but not a wrong signature', async () => {
    const arn = encodeURIComponent('arn:aws:sns:us-east-1:000000000000:gone:6f1b2c9e-0000-4000-8000-000000000000');
    const unsubscribe = await raw(local.runtime.url, { method: 'GET', path: `/?Action=Unsubscribe&SubscriptionArn=${arn}` });
    expect(unsubscribe.body).not.toContain('MissingAuthenticationToken');
    const confirm = await raw(local.runtime.url, { method: 'GET', path: `/?Action=ConfirmSubscription&TopicArn=${arn}&Token=abc` });
    expect(confirm.body).not.toContain('MissingAuthenticationToken');
    const otherAction = await raw(local.runtime.url, { method: 'GET', path: '/?Action=ListTopics' });
    expect(otherAction.body).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it("takes Cognito's sign-up and sign-in unsigned, as AWS does, but not its admin operations", async () => {
    const cognito = (operation: string) =>
      raw(local.runtime.url, {
        headers: { 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`, 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify({
          ClientId: 'noclient',
          UserPoolId: 'us-east-1_nopool',
          Username: 'ada',
          Password: 'Secret-Passw0rd',
          AuthFlow: 'USER_PASSWORD_AUTH',
        }),
      });
    for (const operation of ['SignUp', 'InitiateAuth']) {
      expect(JSON.parse((await cognito(operation)).body)).toMatchObject({ __type: 'ResourceNotFoundException' });
    }
    expect((await cognito('AdminCreateUser')).body).toContain('MissingAuthenticationToken');
  });

  it("fails if a request to dynalite's own port is unsigned or signed with a wrong secret", async () => {
    const { lambda } = clients(KEY);
    const dynalite = String((await invoke(lambda, { action: 'dynamodb', key: 'probe' })).dynamodbEndpoint);
    const unsigned = await raw(dynalite, {
      headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    expect(JSON.parse(unsigned.body)).toMatchObject({ __type: expect.stringMatching(/MissingAuthenticationTokenException$/) });
    const wrong = new DynamoDBClient(sdkConfig(dynalite, WRONG_SECRET));
    expect(await outcome(() => wrong.send(new ListTablesCommand({})))).toBe('InvalidSignatureException 400');
    const right = new DynamoDBClient(sdkConfig(dynalite, KEY));
    expect(await outcome(() => right.send(new ListTablesCommand({})))).toBe('ok');
  });

  it.skipIf(awsCliV1Missing)('serves the AWS CLI v1 with the right secret and refuses it with a wrong one', async () => {
    const ok = await runCli(AWS_CLI_V1, local.runtime.url, ['sqs', 'list-queues'], KEY);
    expect(ok.code).toBe(0);
    const wrong = await runCli(AWS_CLI_V1, local.runtime.url, ['lambda', 'list-functions'], WRONG_SECRET);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('InvalidSignatureException');
  });

  it.skipIf(awsCliMissing)(
    'serves the AWS CLI v2 (SQS query protocol) with the right secret; SignatureDoesNotMatch with a wrong one',
    async () => {
      const ok = await runCli(AWS_CLI, local.runtime.url, ['sqs', 'list-queues'], KEY);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('guarded-queue');
      const wrong = await runCli(AWS_CLI, local.runtime.url, ['sqs', 'list-queues'], WRONG_SECRET);
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toContain('SignatureDoesNotMatch');
    },
  );
  if (awsCliMissing) it.skip(AWS_CLI_SKIP_REASON, () => {});

  it('says at start-up that signatures are verified, with which key', () => {
    expect(local.runtime.trustLines().join('\n')).toContain(
      `signatures verified: every request must be signed (SigV4) with access key ${KEY.accessKeyId}`,
    );
  });
});
