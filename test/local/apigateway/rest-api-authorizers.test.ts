import { describe, expect, it } from 'vitest';
import { fnArn, restApiWith } from './rest-api-fixture.js';

const authorizerArn = 'arn:aws:lambda:us-east-1:000000000000:function:auth';
const authorizerUri = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${authorizerArn}/invocations`;
const methodArn = 'arn:aws:execute-api:us-east-1:000000000000:';

function authorizer(props: Record<string, unknown>) {
  return {
    Type: 'AWS::ApiGateway::Authorizer',
    Properties: { RestApiId: { Ref: 'Api' }, Name: 'auth', AuthorizerUri: authorizerUri, ...props },
  };
}

const policy = (effect: 'Allow' | 'Deny', resource: string, extra: Record<string, unknown> = {}) => ({
  principalId: 'user-7',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
  context: { tenant: 'acme', tier: 3 },
  ...extra,
});

type Answer = { ok: true; payload: string } | { ok: false; error: unknown };

/** An API whose POST /{id} is guarded by this authorizer; `decide` is the authorizer function. */
function guarded(props: Record<string, unknown>, decide: (event: Record<string, unknown>) => Answer, method: Record<string, unknown> = {}) {
  return restApiWith(
    { AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: 'Auth' }, ...method },
    { Auth: authorizer(props) },
    (functionArn, event) =>
      functionArn === authorizerArn
        ? decide(event as Record<string, unknown>)
        : { ok: true, payload: JSON.stringify({ statusCode: 200, body: 'reached' }) },
  );
}
const allowAll = (): Answer => ({ ok: true, payload: JSON.stringify(policy('Allow', `${methodArn}*/*`)) });
const calls = (invocations: { functionArn: string }[], arn: string) => invocations.filter((i) => i.functionArn === arn).length;

describe('RestApiService Lambda authorizers', () => {
  it("calls a TOKEN authorizer with the token and method ARN, and gives its principalId and context to the integration's event", async () => {
    const { send, invocations, warnings } = guarded({ Type: 'TOKEN', IdentitySource: 'method.request.header.Authorization' }, allowAll);
    const answer = await send({ headers: { authorization: 'Bearer abc' } });
    expect(answer.status).toBe(200);
    expect(warnings).toEqual([]);
    expect(invocations[0]).toEqual({
      functionArn: authorizerArn,
      event: {
        type: 'TOKEN',
        authorizationToken: 'Bearer abc',
        methodArn: expect.stringMatching(/^arn:aws:execute-api:us-east-1:000000000000:[a-z0-9]+\/prod\/POST\/42$/),
      },
    });
    const integration = invocations.find((i) => i.functionArn === fnArn)?.event as { requestContext: { authorizer: unknown } };
    expect(integration.requestContext.authorizer).toEqual({ principalId: 'user-7', tenant: 'acme', tier: 3 });
  });

  it('gives the principalId and context to mapping templates as $context.authorizer', async () => {
    const { send, invocations } = guarded({ Type: 'TOKEN' }, allowAll, {
      Integration: {
        Type: 'AWS',
        IntegrationHttpMethod: 'POST',
        Uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn}/invocations`,
        RequestTemplates: { 'application/json': '{"who": "$context.authorizer.principalId", "tenant": "$context.authorizer.tenant"}' },
        IntegrationResponses: [{ StatusCode: '200' }],
      },
    });
    expect((await send({ headers: { authorization: 't', 'content-type': 'application/json' }, body: '{}' })).status).toBe(200);
    expect(invocations.find((i) => i.functionArn === fnArn)?.event).toEqual({ who: 'user-7', tenant: 'acme' });
  });

  it('fails if the token is missing or does not match the validation expression: 401 Unauthorized, the authorizer not called', async () => {
    const { send, invocations } = guarded(
      { Type: 'TOKEN', IdentitySource: 'method.request.header.Authorization', IdentityValidationExpression: 'Bearer .+' },
      allowAll,
    );
    for (const options of [{}, { headers: { authorization: 'Basic x' } }, { headers: { authorization: '' } }]) {
      const answer = await send(options);
      expect({ options, status: answer.status, body: JSON.parse(answer.text) }).toEqual({
        options,
        status: 401,
        body: { message: 'Unauthorized' },
      });
    }
    expect(invocations).toHaveLength(0);
  });

  it('answers 401 when the authorizer fails with Unauthorized, and 500 with a null message when it fails otherwise', async () => {
    const unauthorized = guarded({ Type: 'TOKEN' }, () => ({ ok: false, error: { errorMessage: 'Unauthorized', errorType: 'Error' } }));
    const first = await unauthorized.send({ headers: { authorization: 't' } });
    expect([first.status, JSON.parse(first.text)]).toEqual([401, { message: 'Unauthorized' }]);
    const broken = guarded({ Type: 'TOKEN' }, () => ({ ok: false, error: { errorMessage: 'boom' } }));
    const second = await broken.send({ headers: { authorization: 't' } });
    expect([second.status, JSON.parse(second.text), second.headers['x-amzn-errortype']]).toEqual([
      500,
      { message: null },
      'AuthorizerConfigurationException',
    ]);
    expect(calls(broken.invocations, fnArn)).toBe(0);
  });

  it('fails if the policy denies the method: 403 naming an explicit deny, or no matching Allow', async () => {
    const deny = guarded({ Type: 'TOKEN' }, () => ({ ok: true, payload: JSON.stringify(policy('Deny', `${methodArn}*`)) }));
    const denied = await deny.send({ headers: { authorization: 't' } });
    expect([denied.status, JSON.parse(denied.text)]).toEqual([
      403,
      { message: 'User is not authorized to access this resource with an explicit deny' },
    ]);
    const elsewhere = guarded({ Type: 'TOKEN' }, () => ({
      ok: true,
      payload: JSON.stringify(policy('Allow', `${methodArn}*/prod/GET/*`)),
    }));
    const implicit = await elsewhere.send({ headers: { authorization: 't' } });
    expect([implicit.status, JSON.parse(implicit.text)]).toEqual([403, { message: 'User is not authorized to access this resource' }]);
    expect(calls(deny.invocations, fnArn) + calls(elsewhere.invocations, fnArn)).toBe(0);
  });

  it('keeps the answer for AuthorizerResultTtlInSeconds, keyed by the identity', async () => {
    const { send, invocations, clock } = guarded({ Type: 'TOKEN', AuthorizerResultTtlInSeconds: 60 }, allowAll);
    await send({ headers: { authorization: 'a' } });
    await send({ headers: { authorization: 'a' } });
    await send({ headers: { authorization: 'b' } });
    expect(calls(invocations, authorizerArn)).toBe(2);
    clock.advance(60_000);
    await send({ headers: { authorization: 'a' } });
    expect(calls(invocations, authorizerArn)).toBe(3);
  });

  it('calls a REQUEST authorizer with the request, and answers 401 without it when a cached identity source is missing', async () => {
    const { send, invocations } = guarded(
      {
        Type: 'REQUEST',
        IdentitySource: 'method.request.header.X-Tenant, method.request.querystring.key',
        AuthorizerResultTtlInSeconds: 300,
      },
      allowAll,
    );
    expect((await send({ headers: { 'x-tenant': 'acme' } })).status).toBe(401);
    expect(invocations).toHaveLength(0);
    expect((await send({ headers: { 'x-tenant': 'acme' }, query: 'key=k' })).status).toBe(200);
    const event = invocations[0]?.event ?? {};
    expect(event).toMatchObject({
      type: 'REQUEST',
      headers: { 'x-tenant': 'acme' },
      queryStringParameters: { key: 'k' },
      pathParameters: { id: '42' },
    });
    expect(event.methodArn).toMatch(/\/prod\/POST\/42$/);
    expect(event).not.toHaveProperty('body');
  });

  it('fails at start-up if a Cognito authorizer names no user pool by ARN in ProviderARNs, and is quiet when it does', () => {
    const cognito = (arn: string) =>
      restApiWith(
        { AuthorizationType: 'COGNITO_USER_POOLS', AuthorizerId: { Ref: 'Auth' } },
        { Auth: authorizer({ Type: 'COGNITO_USER_POOLS', ProviderARNs: [arn] }) },
      ).warnings;
    expect(cognito('arn:aws:cognito-idp:us-east-1:000000000000:userpool/x')).toEqual([
      expect.stringMatching(
        /COGNITO_USER_POOLS authorizers need ProviderARNs of user pools .*: no token of theirs is accepted, answering 401 \(POST \/\{id\}\)/,
      ),
    ]);
    expect(cognito('arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_AbCdEf123')).toEqual([]);
  });
});
