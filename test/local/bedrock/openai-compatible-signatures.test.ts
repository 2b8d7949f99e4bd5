import { rmSync } from 'node:fs';
import { SignatureV4 } from '@smithy/signature-v4';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sha256 } from '../../../local/endpoint/sigv4.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { tempDataDir } from '../helpers.js';

const KEY = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'right-secret' };
const GPT_OSS = 'openai.gpt-oss-20b-1:0';

/**
 * A short-term Bedrock API key made as @aws/bedrock-token-generator makes it: a SigV4 presign of
 * `POST https://bedrock.amazonaws.com/?Action=CallWithBearerToken` for the service `bedrock`, with
 * `&Version=1` added after signing, base64-encoded behind `bedrock-api-key-`.
 */
async function tokenGeneratorKey(credentials: typeof KEY): Promise<string> {
  const signer = new SignatureV4({ service: 'bedrock', region: 'us-east-1', credentials, sha256: Sha256 });
  const signed = await signer.presign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: 'bedrock.amazonaws.com',
      path: '/',
      query: { Action: 'CallWithBearerToken' },
      headers: { host: 'bedrock.amazonaws.com' },
    },
    { expiresIn: 43200 },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
    .join('&');
  return `bedrock-api-key-${Buffer.from(`bedrock.amazonaws.com/?${query}&Version=1`).toString('base64')}`;
}

describe('Bedrock API keys when the endpoint verifies signatures', () => {
  let runtime: LocalRuntime;
  const dataDir = tempDataDir();
  const assembly = tempAssemblyDir();
  const ask = (apiKey: string) =>
    new OpenAI({ baseURL: `${runtime.url}/openai/v1`, apiKey, maxRetries: 0 }).chat.completions.create({
      model: GPT_OSS,
      messages: [{ role: 'user', content: 'Hi' }],
    });

  beforeAll(async () => {
    // An app whose role may call a model: the start-up report says where the OpenAI-compatible APIs are.
    const invoke = { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*' };
    const trust = { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' };
    const role = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [trust] },
        Policies: [{ PolicyName: 'models', PolicyDocument: { Version: '2012-10-17', Statement: [invoke] } }],
      },
    };
    writeAssembly(assembly, { App: { template: { Resources: { Caller: role } } } });
    runtime = await LocalRuntime.start({ cdkOut: assembly, dataDir, port: 0, log: () => {}, verifySignatures: { credentials: [KEY] } });
  });

  afterAll(async () => {
    await runtime?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(assembly, { recursive: true, force: true });
  });

  it('says at start-up, for an app that may call a model, where the APIs are and that a key must be presigned', async () => {
    const serves = (await runtime.serviceReports()).flatMap((report) => report.serves ?? []);
    expect(serves).toContain(
      `  OpenAI-compatible APIs (Chat Completions, Responses): ${runtime.url}/openai/v1 with a Bedrock API key (any well-formed key, unless --verify-signatures) or SigV4`,
    );
    expect(runtime.trustLines().join('\n')).toContain('a short-term Bedrock API key must be presigned with one of them');
  });

  it('answers a call with a short-term key presigned with the access key the endpoint trusts', async () => {
    const completion = await ask(await tokenGeneratorKey(KEY));
    expect(completion.choices[0]?.message.content).toContain('Simulated answer');
  });

  it('fails if the short-term key was signed with another secret', async () => {
    const refused = await ask(await tokenGeneratorKey({ ...KEY, secretAccessKey: 'wrong-secret' })).catch((e) => e);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(refused.message).toContain('Authentication failed: Please make sure your API Key is valid.');
  });

  it('fails if the key is a long-term one, whose secret the runtime cannot check', async () => {
    const refused = await ask(`ABSK${Buffer.from('BedrockAPIKey-abcd-at-123456789012:c2VjcmV0').toString('base64')}`).catch((e) => e);
    expect(refused).toMatchObject({ status: 403 });
    expect(refused.message).toContain('long-term key cannot be verified locally');
  });
});
