import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestApiService } from '../../../local/apigateway/rest-api-service.js';
import { ManualClock } from '../../../local/time/clock.js';
import { oneMethodRestApi, postToProd } from './rest-api-fixture.js';

/** Bytes that are not UTF-8: decoded as text they would come out as replacement characters. */
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x80, 0x81, 0xfe, 0x00, 0xc3]);

// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html:
// with contentHandling undefined, a body whose Content-Type is one of binaryMediaTypes reaches the
// integration as binary data, and an answer to a request whose (first) Accept is one goes back as it came.
describe('RestApiService with binary media types on a non-proxy integration', () => {
  let server: Server;
  let endpoint = '';
  const received: Buffer[] = [];

  beforeAll(async () => {
    // An S3 stand-in: it keeps what a PUT sent and answers a GET with the same bytes.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        res.end(req.method === 'GET' ? JPEG : undefined);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function serviceFor(integrationHttpMethod: string) {
    const { apis } = oneMethodRestApi(
      {
        Integration: {
          Type: 'AWS',
          IntegrationHttpMethod: integrationHttpMethod,
          Uri: 'arn:aws:apigateway:us-east-1:s3:path/photos/{id}',
          RequestParameters: { 'integration.request.path.id': 'method.request.path.id' },
          PassthroughBehavior: 'WHEN_NO_TEMPLATES',
          IntegrationResponses: [{ StatusCode: '200' }],
        },
      },
      { extra: { Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'orders', BinaryMediaTypes: ['image/jpeg'] } } } },
    );
    const service = new RestApiService({
      apis,
      lambda: { invoke: async () => ({ ok: true, payload: '{}' }) },
      clock: new ManualClock(),
      accountId: '000000000000',
      region: 'us-east-1',
      log: () => {},
      awsEndpoint: { url: endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    });
    return (headers: Record<string, string>, body = Buffer.alloc(0)) =>
      service.handle({ ...postToProd({ headers }), body }, apis[0]?.id ?? '');
  }

  it('sends a body of a binary media type to the service as its bytes', async () => {
    received.length = 0;
    const response = await serviceFor('PUT')({ 'content-type': 'image/jpeg' }, JPEG);
    expect(response.status).toBe(200);
    expect(received[0]?.equals(JPEG)).toBe(true);
  });

  it('answers a request that accepts a binary media type with the bytes the service sent', async () => {
    const response = await serviceFor('GET')({ accept: 'image/jpeg' });
    expect(response.body.equals(JPEG)).toBe(true);
  });

  it('answers one whose first Accept is a text type as UTF-8 text, as API Gateway converts it', async () => {
    const response = await serviceFor('GET')({ accept: 'application/json, image/jpeg' });
    expect(response.body.equals(Buffer.from(JPEG.toString('utf8')))).toBe(true);
  });
});
