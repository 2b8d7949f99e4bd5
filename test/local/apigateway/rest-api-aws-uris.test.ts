import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { httpRequestOf, LoopbackAwsClient, type MappedRequest } from '../../../local/apigateway/rest-api-aws-client.js';
import { awsTargetOf } from '../../../local/apigateway/rest-api-integrations.js';
import { verifySignature } from '../../../local/endpoint/sigv4.js';
import { oneMethodRestApi } from './rest-api-fixture.js';

/**
 * The forms of an `AWS` integration's URI, as API Gateway documents them for `Integration.uri`:
 * `arn:aws:apigateway:{region}:{subdomain.service|service}:path|action/{service_api}`, where an
 * action is "an `Action={name}&{p1}={v1}&p2={v2}...` query string" and a path "the path to an
 * AWS service resource", e.g. `s3:action/GetObject&Bucket={bucket}&Key={key}` or
 * `s3:path/{bucket}/{key}`. https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html
 */
const mapped = (over: Partial<MappedRequest> = {}): MappedRequest => ({
  body: '',
  headers: { 'Content-Type': 'application/json' },
  querystring: {},
  path: {},
  ...over,
});

describe('awsTargetOf', () => {
  it('reads an action, and the parameters CDK writes after it with & (actionParameters)', () => {
    expect(awsTargetOf('arn:aws:apigateway:us-east-1:sns:action/Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At', 'POST')).toEqual({
      service: 'sns',
      region: 'us-east-1',
      action: 'Publish',
      query: { TopicArn: 'arn:aws:sns:us-east-1:1:t' },
      httpMethod: 'POST',
    });
    expect(awsTargetOf('arn:aws:apigateway:us-east-1:states:action/StartSyncExecution', 'POST')).toEqual({
      service: 'states',
      region: 'us-east-1',
      action: 'StartSyncExecution',
      httpMethod: 'POST',
    });
  });

  it("reads a path, the root's `path//` and `path/`, and a query string after the path", () => {
    expect(awsTargetOf('arn:aws:apigateway:eu-west-1:sns:path//', 'POST')).toMatchObject({ service: 'sns', path: '/' });
    expect(awsTargetOf('arn:aws:apigateway:eu-west-1:sns:path/', 'POST')).toMatchObject({ service: 'sns', path: '' });
    expect(awsTargetOf('arn:aws:apigateway:eu-west-1:sns:path//?Action=Publish&TopicArn=t', 'POST')).toMatchObject({
      path: '/',
      query: { Action: 'Publish', TopicArn: 't' },
    });
    expect(awsTargetOf('arn:aws:apigateway:eu-west-1:sqs:path/123456789012/inbox', 'POST')).toMatchObject({
      service: 'sqs',
      path: '123456789012/inbox',
    });
  });

  it('reads a subdomain before the service', () => {
    expect(awsTargetOf('arn:aws:apigateway:us-east-1:my-bucket.s3:path/{key}', 'GET')).toEqual({
      service: 's3',
      subdomain: 'my-bucket',
      region: 'us-east-1',
      path: '{key}',
      httpMethod: 'GET',
    });
  });

  it('answers undefined for a URI of no known form', () => {
    expect(awsTargetOf('arn:aws:apigateway:us-east-1:sns:publish/x', 'POST')).toBeUndefined();
    expect(awsTargetOf('https://example.com/', 'POST')).toBeUndefined();
  });
});

describe('httpRequestOf', () => {
  it('sends a path-style SNS URI (`path//`) to the root with the form body and Content-Type the integration maps', () => {
    const request = httpRequestOf(
      target('arn:aws:apigateway:us-east-1:sns:path//'),
      mapped({ body: 'Action=Publish&TopicArn=t&Message=hi', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
    );
    expect(request).toMatchObject({ method: 'POST', path: '/', query: {}, body: 'Action=Publish&TopicArn=t&Message=hi' });
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it("sends an SQS queue's path (`path/{account}/{queue}`) as the queue's URL path", () => {
    const request = httpRequestOf(
      target('arn:aws:apigateway:us-east-1:sqs:path/000000000000/inbox'),
      mapped({ body: 'Action=SendMessage' }),
    );
    expect([request.method, request.path]).toEqual(['POST', '/000000000000/inbox']);
  });

  it("puts a query service's action and the URI's parameters in the query string, beside the mapped ones", () => {
    const request = httpRequestOf(
      target('arn:aws:apigateway:us-east-1:sns:action/Publish&TopicArn=t'),
      mapped({ querystring: { Message: 'hi' }, body: '{"a":1}' }),
    );
    expect(request).toMatchObject({
      method: 'POST',
      path: '/',
      query: { Action: 'Publish', TopicArn: 't', Message: 'hi' },
      body: '{"a":1}',
    });
  });

  it("names a JSON service's action with X-Amz-Target, unless the integration sets its own", () => {
    const request = httpRequestOf(target('arn:aws:apigateway:us-east-1:dynamodb:action/PutItem'), mapped({ body: '{}' }));
    expect(request.headers['x-amz-target']).toBe('DynamoDB_20120810.PutItem');
    expect(request.headers['content-type']).toBe('application/x-amz-json-1.0');
    const own = httpRequestOf(
      target('arn:aws:apigateway:us-east-1:events:action/PutEvents'),
      mapped({ headers: { 'X-Amz-Target': 'AWSEvents.PutRule' } }),
    );
    expect(own.headers['x-amz-target']).toBe('AWSEvents.PutRule');
  });

  it("sends a JSON service's path with the X-Amz-Target the integration maps into the headers", () => {
    const request = httpRequestOf(
      target('arn:aws:apigateway:us-east-1:events:path//'),
      mapped({ headers: { 'X-Amz-Target': 'AWSEvents.PutEvents', 'Content-Type': 'application/x-amz-json-1.1' } }),
    );
    expect(request).toMatchObject({ method: 'POST', path: '/' });
    expect(request.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
  });

  it('fills {name} in the path, the subdomain and the query from integration.request.path, URL-encoded in the path', () => {
    const s3 = httpRequestOf(
      target('arn:aws:apigateway:us-east-1:s3:path/{bucket}/{key}', 'PUT'),
      mapped({ path: { bucket: 'files', key: 'a b.txt' } }),
    );
    expect([s3.method, s3.path]).toEqual(['PUT', '/files/a%20b.txt']);
    const hosted = httpRequestOf(
      target('arn:aws:apigateway:us-east-1:{bucket}.s3:path/{key}', 'GET'),
      mapped({ path: { bucket: 'files', key: 'k' } }),
    );
    expect(hosted.path).toBe('/files/k');
    const query = httpRequestOf(target('arn:aws:apigateway:us-east-1:sns:path//?TopicArn={topic}'), mapped({ path: { topic: 'a:b' } }));
    expect(query.query).toEqual({ TopicArn: 'a:b' });
  });
});

describe('restApiDefinitions with AWS integration URIs', () => {
  const warningsFor = (uri: string) =>
    oneMethodRestApi({ Integration: { Type: 'AWS', IntegrationHttpMethod: 'GET', Uri: uri } }).warnings.filter((w) =>
      w.includes('AWS integrations'),
    );

  it("names at start-up an action/ URI of a service that answers by path (S3's documented action/GetObject), and not its path/ URI", () => {
    expect(warningsFor('arn:aws:apigateway:us-east-1:s3:action/GetObject&Bucket=b&Key=k')).toEqual([
      expect.stringContaining(
        'AWS integrations to s3 by an action/ URI are not run (its path/ URI is); these methods answer 500 (POST /{id})',
      ),
    ]);
    expect(warningsFor('arn:aws:apigateway:us-east-1:s3:path/b/k')).toEqual([]);
    expect(warningsFor('arn:aws:apigateway:us-east-1:sns:action/Publish')).toEqual([]);
  });
});

describe('LoopbackAwsClient', () => {
  it("signs a path as its service checks it (S3's path once encoded, the others' twice), and sends path// to the root", async () => {
    const problems: unknown[] = [];
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        seen.push(`${req.method} ${req.url}`);
        problems.push(
          await verifySignature(
            { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) },
            new Map([['AKID', 'secret']]),
          ),
        );
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const client = new LoopbackAwsClient({ url, credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } }, 'us-east-1');
      const signal = new AbortController().signal;
      await client.send(
        target('arn:aws:apigateway:us-east-1:s3:path/files/{key}', 'PUT'),
        mapped({ body: 'x', path: { key: 'a b+c.txt' } }),
        signal,
      );
      await client.send(
        target('arn:aws:apigateway:us-east-1:sqs:path/000000000000/in box'),
        mapped({ body: 'Action=SendMessage' }),
        signal,
      );
      await client.send(target('arn:aws:apigateway:us-east-1:sns:path//'), mapped({ body: 'Action=Publish' }), signal);
      expect(seen).toEqual(['PUT /files/a%20b%2Bc.txt', 'POST /000000000000/in%20box', 'POST /']);
      expect(problems).toEqual([undefined, undefined, undefined]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

const target = (uri: string, method = 'POST') => awsTargetOf(uri, method) ?? expect.unreachable(`no target for ${uri}`);
