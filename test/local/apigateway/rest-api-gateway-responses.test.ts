import { describe, expect, it } from 'vitest';
import { restApiWith } from './rest-api-fixture.js';

const authorizerArn = 'arn:aws:lambda:us-east-1:000000000000:function:auth';
const authorizerUri = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${authorizerArn}/invocations`;

const gatewayResponse = (type: string, props: Record<string, unknown> = {}) => ({
  Type: 'AWS::ApiGateway::GatewayResponse',
  Properties: { RestApiId: { Ref: 'Api' }, ResponseType: type, ...props },
});

/** POST /{id} behind a TOKEN authorizer that answers "Unauthorized" (a 401), with these gateway responses. */
function guardedWith(responses: Record<string, ReturnType<typeof gatewayResponse>>) {
  return restApiWith(
    { AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: 'Auth' } },
    {
      Auth: {
        Type: 'AWS::ApiGateway::Authorizer',
        Properties: { RestApiId: { Ref: 'Api' }, Name: 'auth', Type: 'TOKEN', AuthorizerUri: authorizerUri },
      },
      ...responses,
    },
    () => ({ ok: false, error: { errorMessage: 'Unauthorized', errorType: 'Error' } }),
  );
}

describe('RestApiService gateway responses', () => {
  it("answers an authorizer's 401 with the UNAUTHORIZED response's status, literal headers and template over $context.error", async () => {
    const { send, warnings } = guardedWith({
      Unauthorized: gatewayResponse('UNAUTHORIZED', {
        StatusCode: '401',
        ResponseParameters: {
          'gatewayresponse.header.WWW-Authenticate': "'Basic'",
          'gatewayresponse.header.X-Asked': 'method.request.header.x-asked',
        },
        ResponseTemplates: { 'application/json': '{"message":$context.error.messageString,"type":"$context.error.responseType"}' },
      }),
    });
    const answer = await send({ headers: { Authorization: 'Basic dXNlcjE6cGFzcw==', 'X-Asked': 'yes' } });
    expect(warnings).toEqual([]);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Basic');
    expect(answer.headers['x-asked']).toBe('yes');
    expect(answer.headers['x-amzn-errortype']).toBe('UnauthorizedException');
    expect(JSON.parse(answer.text)).toEqual({ message: 'Unauthorized', type: 'UNAUTHORIZED' });
  });

  it('falls back to DEFAULT_4XX for a 4XX type the API does not customize', async () => {
    const { send } = guardedWith({
      Default: gatewayResponse('DEFAULT_4XX', { ResponseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" } }),
    });
    const missing = await send({ path: '/42/nowhere' });
    expect(missing.status).toBe(403);
    expect(missing.headers['access-control-allow-origin']).toBe('*');
    expect(JSON.parse(missing.text)).toEqual({ message: 'Missing Authentication Token' });
    const unauthorized = await send({ headers: { Authorization: 'x' } });
    expect(unauthorized.headers['access-control-allow-origin']).toBe('*');
  });

  it("answers API Gateway's defaults when the API has no gateway response for the error", async () => {
    const { send } = guardedWith({ Throttled: gatewayResponse('THROTTLED', { StatusCode: '503' }) });
    const answer = await send({ headers: { Authorization: 'x' } });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBeUndefined();
    expect(JSON.parse(answer.text)).toEqual({ message: 'Unauthorized' });
  });

  it('warns of a response parameter whose source is not read locally, naming it', () => {
    const { warnings } = guardedWith({
      Odd: gatewayResponse('DEFAULT_5XX', { ResponseParameters: { 'gatewayresponse.header.X-Ctx': 'context.requestId' } }),
    });
    expect(warnings).toEqual([expect.stringContaining('gatewayresponse.header.X-Ctx = context.requestId is not applied locally')]);
  });
});
