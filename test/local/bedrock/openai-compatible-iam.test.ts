import { DatabaseSync } from 'node:sqlite';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { BedrockService } from '../../../local/bedrock/bedrock-service.js';
import { bedrockIam } from '../../../local/bedrock/iam-authorizations.js';
import { parseModelSettings } from '../../../local/bedrock/model-settings.js';
import { OpenAiCompatibleApi } from '../../../local/bedrock/openai-compatible-api.js';
import type { RawRequest } from '../../../local/endpoint/protocols.js';
import { authorizationsFor } from '../../../local/iam/authorizations.js';
import { currentCaller } from '../../../local/iam/caller.js';
import { systemClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';

const context = { region: 'us-east-1', accountId: '111122223333' } as Parameters<typeof authorizationsFor>[3];
const GPT_OSS_ARN = 'arn:aws:bedrock:us-east-1::foundation-model/openai.gpt-oss-20b-1:0';

/** A short-term key signed with `accessKeyId`, as the token generators write it. */
function shortTermKey(accessKeyId: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const scope = encodeURIComponent(`${accessKeyId}/${stamp.slice(0, 8)}/us-east-1/bedrock/aws4_request`);
  const url = `bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Credential=${scope}&X-Amz-Date=${stamp}&X-Amz-Expires=900&X-Amz-Signature=00&Version=1`;
  return `bedrock-api-key-${Buffer.from(url).toString('base64')}`;
}

function request(authorization: string, body: unknown, path = '/openai/v1/chat/completions'): RawRequest {
  return {
    method: 'POST',
    path,
    query: new URLSearchParams(),
    headers: { authorization, 'content-type': 'application/json' },
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

function api(): OpenAiCompatibleApi {
  const bedrock = new BedrockService({
    routes: parseModelSettings('simulated?latency=0..0'),
    region: 'us-east-1',
    clock: systemClock,
    log: () => {},
    callsDb: new DatabaseSync(':memory:'),
  });
  return new OpenAiCompatibleApi(bedrock, { region: 'us-east-1', clock: systemClock });
}

describe('the OpenAI-compatible APIs in IAM', () => {
  it('authorizes a call with a Bedrock API key as bedrock:CallWithBearerToken with its token type, then InvokeModel on the model', () => {
    expect(
      authorizationsFor(bedrockIam, 'CreateChatCompletion', { modelId: 'openai.gpt-oss-20b-1:0', bearerTokenType: 'SHORT_TERM' }, context),
    ).toEqual([
      { action: 'bedrock:CallWithBearerToken', resource: '*', context: { 'bedrock:bearerTokenType': 'SHORT_TERM' } },
      { action: 'bedrock:InvokeModel', resource: GPT_OSS_ARN },
    ]);
  });

  it('authorizes a signed (SigV4) streamed call as InvokeModelWithResponseStream alone', () => {
    expect(authorizationsFor(bedrockIam, 'CreateResponse', { modelId: 'openai.gpt-oss-20b-1:0', stream: true }, context)).toEqual([
      { action: 'bedrock:InvokeModelWithResponseStream', resource: GPT_OSS_ARN },
    ]);
  });

  it("checks a call made with a short-term key as the access key that signed the key (a function role session's)", async () => {
    const openai = api();
    const checked: unknown[] = [];
    openai.authorizeWith(async (operation, input) => {
      checked.push({ operation, input, caller: currentCaller()?.accessKeyId });
    });
    const answer = await openai.handle(
      request(`Bearer ${shortTermKey('ASIAROLESESSION')}`, {
        model: 'openai.gpt-oss-20b-1:0',
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    );
    expect(answer.status).toBe(200);
    expect(checked).toEqual([
      {
        operation: 'CreateChatCompletion',
        input: { modelId: 'openai.gpt-oss-20b-1:0', stream: false, bearerTokenType: 'SHORT_TERM' },
        caller: 'ASIAROLESESSION',
      },
    ]);
  });
});

const MODEL = 'openai.gpt-oss-20b-1:0';
const HOSTILE: [string, unknown][] = [
  ['/openai/v1/chat/completions', 'not json'],
  ['/openai/v1/chat/completions', [1, 2]],
  ['/openai/v1/chat/completions', { model: 7, messages: [] }],
  ['/openai/v1/chat/completions', { model: MODEL, messages: 'hello' }],
  ['/openai/v1/chat/completions', { model: MODEL, messages: [null, 3, { role: 'wizard', content: 'x' }] }],
  ['/openai/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'x' }], tools: [null, 'x'], tool_choice: 5 }],
  ['/openai/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'x' }], response_format: 'json' }],
  ['/openai/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 'ten', stop: 5 }],
  ['/openai/v1/responses', { model: 'openai.gpt-5.6-terra' }],
  ['/openai/v1/responses', { model: 'openai.gpt-5.6-terra', input: [null, 'x', { type: 'web_search_call' }] }],
  ['/openai/v1/responses', { model: 'openai.gpt-5.6-terra', input: 'x', tools: [{ type: 'web_search' }] }],
  ['/openai/v1/responses', { model: 'openai.gpt-5.6-terra', input: 'x', text: { format: { type: 'json_schema' } } }],
  ['/openai/v1/responses', { model: 'openai.gpt-5.6-terra', input: 'x', max_output_tokens: 'many' }],
];

describe('the OpenAI-compatible APIs given hostile bodies', () => {
  it('refuses each as bad input (a 4xx in OpenAI error shape) or answers it, and never crashes', async () => {
    const openai = api();
    const key = `Bearer ${shortTermKey('AKIDLOCAL')}`;
    for (const [path, body] of HOSTILE) {
      const answer = await openai.handle(request(key, body, path));
      expect(answer.status, JSON.stringify(body)).toBeLessThan(500);
      if (answer.status >= 400) {
        expect(JSON.parse(String(answer.body))).toMatchObject({ error: { message: expect.any(String), type: expect.any(String) } });
      }
    }
  });
});

const ACCOUNT = '111111111111';

/** A role a function could have, allowed `actions` on every resource. */
const roleAllowing = (name: string, actions: string[]) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    RoleName: name,
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    },
    Policies: [
      { PolicyName: 'models', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] } },
    ],
  },
});

describe('the OpenAI-compatible APIs under IAM enforce', () => {
  const app = restartableRuntime({
    assembly: () =>
      assemblyOf(
        {
          Caller: roleAllowing('Caller', ['bedrock:InvokeModel', 'bedrock:CallWithBearerToken']),
          NoKeys: roleAllowing('NoKeys', ['bedrock:InvokeModel']),
        },
        'App',
      ),
    ownsAssembly: true,
    options: { iam: 'enforce', accountId: ACCOUNT },
  });
  /** A client with a short-term key made from a session of the role, as a function with that execution role makes one. */
  const as = (role: string) => {
    const { accessKeyId } = app.runtime.iam.principals.credentialsFor(`arn:aws:iam::${ACCOUNT}:role/${role}`, 'fn');
    return new OpenAI({ baseURL: `${app.runtime.url}/openai/v1`, apiKey: shortTermKey(accessKeyId), maxRetries: 0 });
  };
  const ask = (client: OpenAI) => client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] });

  it('answers a role allowed bedrock:CallWithBearerToken and bedrock:InvokeModel', async () => {
    expect((await ask(as('Caller'))).choices[0]?.message.content).toContain('Simulated answer');
  });

  it('fails if the role that made the key may not call with a bearer token, naming bedrock:CallWithBearerToken', async () => {
    const refused = await ask(as('NoKeys')).catch((e) => e);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(refused).toMatchObject({ status: 403, code: 'AccessDeniedException', type: 'permission_error' });
    expect(refused.message).toContain(
      `arn:aws:sts::${ACCOUNT}:assumed-role/NoKeys/fn is not authorized to perform: bedrock:CallWithBearerToken`,
    );
  });
});
