import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { inlineFunction, restMethod, restResource, restRoot } from '../template-resources.js';
import { fnArn, restApiWith } from './rest-api-fixture.js';

// A Lambda proxy integration for response streaming, as
// https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode-lambda.html
// describes it: API Gateway invokes the function with InvokeWithResponseStream (this URI), and
// the function writes a JSON metadata object (statusCode, headers, multiValueHeaders, cookies),
// a delimiter of 8 null bytes, then the payload. CDK writes this URI for
// `LambdaIntegration(fn, { responseTransferMode: ResponseTransferMode.STREAM })`.
const streamingUri = `arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/${fnArn}/response-streaming-invocations`;
const streamed = { Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: streamingUri, ResponseTransferMode: 'STREAM' } };
const DELIMITER = '\0'.repeat(8);

describe('RestApiService with a Lambda proxy integration for response streaming', () => {
  it('runs the method: the integration is the function, and the start-up report says its answer comes whole', () => {
    const { warnings, apis } = restApiWith(streamed);
    expect(warnings).toEqual([expect.stringMatching(/: response streaming is buffered locally: .*, not as it writes \(POST \/.*\)$/)]);
    expect(apis[0]?.resources[0]?.methods.get('POST')?.integration).toMatchObject({ kind: 'lambda', functionArn: fnArn, streaming: true });
  });

  it("answers with the metadata's status, headers and cookies, and the payload after the delimiter as the body", async () => {
    const metadata = {
      statusCode: 201,
      headers: { 'Content-Type': 'text/event-stream', 'X-One': 'a' },
      multiValueHeaders: { 'X-Many': ['b', 'c'] },
      cookies: ['session=1; Path=/', 'theme=dark'],
    };
    const { send, invocations } = restApiWith(streamed, {}, () => ({
      ok: true,
      payload: `${JSON.stringify(metadata)}${DELIMITER}data: {"text":"Hel"}\n\ndata: {"text":"lo"}\n\n`,
    }));
    const response = await send({ body: '{"prompt":"hi"}', headers: { 'content-type': 'application/json' } });
    expect(invocations[0]?.event).toMatchObject({ httpMethod: 'POST', body: '{"prompt":"hi"}', pathParameters: { id: '42' } });
    expect(response.status).toBe(201);
    expect(response.headers).toMatchObject({
      'content-type': 'text/event-stream',
      'x-one': 'a',
      'x-many': ['b', 'c'],
      'set-cookie': ['session=1; Path=/', 'theme=dark'],
    });
    expect(response.text).toBe('data: {"text":"Hel"}\n\ndata: {"text":"lo"}\n\n');
  });

  it('answers 200 when the metadata names no status, and keeps null bytes of the payload past the delimiter', async () => {
    const { send } = restApiWith(streamed, {}, () => ({ ok: true, payload: `{}${DELIMITER}a${DELIMITER}b` }));
    const response = await send();
    expect(response.status).toBe(200);
    expect(response.text).toBe(`a${DELIMITER}b`);
  });

  it('fails with 502 when the function writes no metadata and delimiter, or metadata that is not a JSON object', async () => {
    for (const payload of ['just text', `[1]${DELIMITER}body`, `{"statusCode": "soon"}${DELIMITER}body`]) {
      const { send } = restApiWith(streamed, {}, () => ({ ok: true, payload }));
      const response = await send();
      expect([payload, response.status]).toEqual([payload, 502]);
    }
  });
});

/** A streaming function, as AWS's example writes one, behind `POST /chat` with response streaming. */
const STREAMING_HANDLER = `exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const body = JSON.parse(event.body || '{}');
  responseStream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' },
  });
  for (const word of String(body.prompt).split(' ')) responseStream.write('data: ' + JSON.stringify({ text: word }) + '\\n\\n');
  responseStream.write('data: [DONE]\\n\\n');
  responseStream.end();
});`;

describe('a REST API method streaming a Lambda function under the local runtime', () => {
  const app = restartableRuntime({
    assembly: () => {
      const uri = {
        'Fn::Join': [
          '',
          [
            'arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/',
            { 'Fn::GetAtt': ['Fn', 'Arn'] },
            '/response-streaming-invocations',
          ],
        ],
      };
      return assemblyOf(
        {
          Fn: inlineFunction(STREAMING_HANDLER),
          Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'chat' } },
          ChatResource: restResource(restRoot, 'chat'),
          Post: restMethod({ Ref: 'ChatResource' }, 'POST', {
            Integration: {
              Type: 'AWS_PROXY',
              IntegrationHttpMethod: 'POST',
              Uri: uri,
              ResponseTransferMode: 'STREAM',
              TimeoutInMillis: 300000,
            },
          }),
          Deployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'prod' } },
        },
        'Chat',
      );
    },
    ownsAssembly: true,
  });

  it('answers with the status and headers the function gave HttpResponseStream.from, and what it wrote after them', async () => {
    const api = app.runtime.httpApiUrls.find((u) => u.kind === 'rest');
    const response = await fetch(`${api?.url}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"prompt":"hello there"}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe('data: {"text":"hello"}\n\ndata: {"text":"there"}\n\ndata: [DONE]\n\n');
  });
});
