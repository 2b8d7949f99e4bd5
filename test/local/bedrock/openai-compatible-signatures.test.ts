import { SignatureV4 } from '@smithy/signature-v4';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../../local/endpoint/sigv4.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';

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
  const app = restartableRuntime({
    assembly: () => {
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
      return assemblyOf({ Caller: role }, 'App');
    },
    ownsAssembly: true,
    options: { verifySignatures: { credentials: [KEY] } },
  });
  const ask = (apiKey: string) =>
    new OpenAI({ baseURL: `${app.runtime.url}/openai/v1`, apiKey, maxRetries: 0 }).chat.completions.create({
      model: GPT_OSS,
      messages: [{ role: 'user', content: 'Hi' }],
    });

  it('says at start-up, for an app that may call a model, where the APIs are and that a key must be presigned', async () => {
    const serves = (await app.runtime.serviceReports()).flatMap((report) => report.serves ?? []);
    expect(serves).toContain(
      `  OpenAI-compatible APIs (Chat Completions, Responses): ${app.runtime.url}/openai/v1 with a Bedrock API key (any well-formed key, unless --verify-signatures) or SigV4`,
    );
    expect(app.runtime.trustLines().join('\n')).toContain('a short-term Bedrock API key must be presigned with one of them');
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
