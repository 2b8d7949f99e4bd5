import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { BedrockService } from '../../../local/bedrock/bedrock-service.js';
import { bedrockIam } from '../../../local/bedrock/iam-authorizations.js';
import { parseModelSettings } from '../../../local/bedrock/model-settings.js';
import { OpenAiCompatibleApi } from '../../../local/bedrock/openai-compatible-api.js';
import { systemClock } from '../../../local/clock.js';
import type { RawRequest } from '../../../local/endpoint/protocols.js';
import { authorizationsFor } from '../../../local/iam/authorizations.js';
import { currentCaller } from '../../../local/iam/caller.js';

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

function request(authorization: string, body: unknown): RawRequest {
  return {
    method: 'POST',
    path: '/openai/v1/chat/completions',
    query: new URLSearchParams(),
    headers: { authorization, 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
  };
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
    const bedrock = new BedrockService({
      routes: parseModelSettings('simulated?latency=0..0'),
      region: 'us-east-1',
      clock: systemClock,
      log: () => {},
      callsDb: new DatabaseSync(':memory:'),
    });
    const api = new OpenAiCompatibleApi(bedrock, { region: 'us-east-1', clock: systemClock });
    const checked: unknown[] = [];
    api.authorizeWith(async (operation, input) => {
      checked.push({ operation, input, caller: currentCaller()?.accessKeyId });
    });
    const answer = await api.handle(
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
