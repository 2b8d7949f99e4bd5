import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { type DecodedSpan, spansOfOtlpJson } from '../../helpers/otlp-spans.js';
import { cognitoClient } from '../cognito-idp/cognito-client.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { stackOutputs } from './graphql-client.js';
import { notesAssembly } from './notes-app.js';

describe('AppSync request traces', () => {
  const local = restartableRuntime({ assembly: notesAssembly });
  let outputs: Record<string, string>;
  beforeAll(async () => {
    outputs = await stackOutputs(local.runtime, 'Notes');
  });

  const graphql = async (query: string, headers: Record<string, string>) => {
    const response = await fetch(outputs.Url ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    return { requestId: response.headers.get('x-amzn-requestid') ?? '', body: (await response.json()) as Record<string, unknown> };
  };

  /** The spans of the traces the read API finds by `id` (a trace id, or a request id a span names). */
  const spansOf = async (id: string): Promise<DecodedSpan[]> => {
    const response = await fetch(`${local.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.traces}${id}`);
    expect(response.status).toBe(200);
    return spansOfOtlpJson(await response.json());
  };

  it("runs a request's Lambda resolver in the trace of its X-Amzn-Trace-Id, under the request's own span", async () => {
    const traceId = randomBytes(16).toString('hex');
    const caller = randomBytes(8).toString('hex');
    const header = `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${caller};Sampled=1`;
    const answer = await graphql('query Mine { lambdaNote(id: "t1") { id } }', {
      'x-api-key': outputs.ApiKey ?? '',
      'x-amzn-trace-id': header,
    });
    expect(answer.body).toEqual({ data: { lambdaNote: { id: 't1' } } });

    const spans = await spansOf(traceId);
    const request = spans.find((span) => span.name === 'graphql Mine') as DecodedSpan;
    expect(request).toMatchObject({
      traceId,
      parentSpanId: caller,
      kind: 2,
      attributes: expect.objectContaining({
        'aws.appsync.api.name': 'notes',
        'aws.appsync.auth_mode': 'API_KEY',
        'graphql.operation.type': 'query',
        'graphql.operation.name': 'Mine',
        'switchyard.graphql.fields': ['Query.lambdaNote'],
        'aws.request_id': answer.requestId,
      }),
    });
    // The key is the secret itself: the span keeps only enough of it to tell keys apart.
    expect(request.attributes['switchyard.appsync.api_key']).toBe(`da2-…${outputs.ApiKey?.slice(-4)}`);
    const invocation = spans.find((span) => span.attributes['faas.invocation_id'] !== undefined);
    expect(invocation).toMatchObject({ traceId, parentSpanId: request.spanId });
  });

  it('starts a trace for a request that came without one, which the read API finds by its request id, and marks its errors', async () => {
    const answer = await graphql('{ lambdaNote(id: "boom") { id } }', { 'x-api-key': outputs.ApiKey ?? '' });
    expect(answer.body.errors).toEqual([expect.objectContaining({ errorType: 'Lambda:Unhandled' })]);

    const spans = await spansOf(answer.requestId);
    const request = spans.find((span) => span.name === 'graphql Query.lambdaNote') as DecodedSpan;
    expect(request.parentSpanId).toBeFalsy();
    expect(request.status).toMatchObject({ code: 2, message: 'Lambda:Unhandled: the function failed on purpose' });
    const invocation = spans.find((span) => span.attributes['faas.invocation_id'] !== undefined);
    expect(invocation).toMatchObject({ traceId: request.traceId, parentSpanId: request.spanId });
  });

  it("names a Cognito user's sub and username on the span of the request they made", async () => {
    const call = cognitoClient(local.runtime.url);
    const UserPoolId = outputs.PoolId;
    await call('AdminCreateUser', { UserPoolId, Username: 'grace', MessageAction: 'SUPPRESS' });
    await call('AdminSetUserPassword', { UserPoolId, Username: 'grace', Password: 'Password-123', Permanent: true });
    const user = await call('AdminGetUser', { UserPoolId, Username: 'grace' });
    const sub = (user.UserAttributes as { Name: string; Value: string }[]).find((a) => a.Name === 'sub')?.Value;
    const signedIn = await call('InitiateAuth', {
      ClientId: outputs.ClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'grace', PASSWORD: 'Password-123' },
    });
    const answer = await graphql('{ whoAmI }', { authorization: signedIn.AuthenticationResult.IdToken });
    expect(answer.body.errors).toBeUndefined();

    const request = (await spansOf(answer.requestId)).find((span) => span.name === 'graphql Query.whoAmI');
    expect(request?.attributes).toMatchObject({
      'aws.appsync.auth_mode': 'AMAZON_COGNITO_USER_POOLS',
      'enduser.id': sub,
      'switchyard.enduser.name': 'grace',
    });
    expect(sub).toMatch(/^[0-9a-f-]{36}$/);
    // The user's sub finds the traces of what they asked.
    const byUser = await spansOf(sub ?? '');
    expect(byUser.some((span) => span.attributes['aws.request_id'] === answer.requestId)).toBe(true);
  });

  it('records a request no auth mode let in, as an error with no caller', async () => {
    const answer = await graphql('{ whoAmI }', { 'x-api-key': 'da2-notakeyofthisapi' });
    const request = (await spansOf(answer.requestId)).find((span) => span.name === 'graphql Query.whoAmI');
    expect(request?.status).toMatchObject({ code: 2, message: expect.stringMatching(/^UnauthorizedException: /) });
    expect(request?.attributes['aws.appsync.auth_mode']).toBeUndefined();
    expect(request?.attributes['switchyard.appsync.api_key']).toBeUndefined();
  });
});
