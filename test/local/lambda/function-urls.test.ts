import { SignatureV4 } from '@smithy/signature-v4';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { synthesizedIn } from '../assembly.js';
import { synthStack } from '../cdk-stack.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { Sha256 } from '../sha256.js';

/** Echoes its event; `/fail` throws, `/text` answers a string, `/plain` an object without statusCode, `/bad-status` a statusCode that is none. */
const ECHO = `
exports.handler = async (event) => {
  if (event.rawPath === '/fail') throw new Error('asked to fail');
  if (event.rawPath === '/text') return 'Hello, world!';
  if (event.rawPath === '/plain') return { message: 'no status' };
  if (event.rawPath === '/bad-status') return { statusCode: 'abc', body: 'x' };
  return {
    statusCode: 201,
    headers: { 'x-custom': 'yes', 'access-control-allow-origin': 'https://from-the-function.example' },
    cookies: ['a=1', 'b=2'],
    body: JSON.stringify(event),
  };
};`;

/** A response-streaming function that sets its status and headers through HttpResponseStream. */
const STREAMER = `
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, { statusCode: 202, headers: { 'content-type': 'text/plain' } });
  stream.write('part one, ');
  stream.write('part two');
  stream.end();
});`;

const ROLE_NAME = 'UrlCaller';
const FORBIDDEN =
  'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html';
const OTHER_ROLE_NAME = 'NotACaller';

/**
 * Function URLs as CDK writes them: a public one with CORS, an AWS_IAM one answering as a
 * stream that one role is granted, and a hand-written public URL without the permissions
 * `addFunctionUrl` adds (so IAM refuses it).
 */
function synthApp(outdir: string): void {
  synthStack(
    'Urls',
    (stack) => {
      const echo = new lambda.Function(stack, 'Echo', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(ECHO),
      });
      echo.addFunctionUrl({
        authType: lambda.FunctionUrlAuthType.NONE,
        cors: {
          allowedOrigins: ['https://app.example'],
          allowedMethods: [lambda.HttpMethod.GET, lambda.HttpMethod.POST],
          exposedHeaders: ['x-custom'],
        },
      });
      const streamer = new lambda.Function(stack, 'Streamer', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(STREAMER),
      });
      const privateUrl = streamer.addFunctionUrl({ invokeMode: lambda.InvokeMode.RESPONSE_STREAM });
      const caller = new iam.Role(stack, 'Caller', { roleName: ROLE_NAME, assumedBy: new iam.AccountRootPrincipal() });
      privateUrl.grantInvokeUrl(caller);
      new iam.Role(stack, 'Other', { roleName: OTHER_ROLE_NAME, assumedBy: new iam.AccountRootPrincipal() });
      const unpermitted = new lambda.Function(stack, 'Unpermitted', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(ECHO),
      });
      new lambda.CfnUrl(stack, 'BareUrl', { authType: 'NONE', targetFunctionArn: unpermitted.functionArn });
    },
    outdir,
  );
}

const app = restartableRuntime({
  assembly: () => synthesizedIn(synthApp),
  ownsAssembly: true,
  options: { iam: 'enforce' },
  timeoutMs: 120_000,
});

/** The local path-style URL of the function URL whose function's name contains `fn`. */
function urlOf(fn: string): string {
  const address = app.runtime.lambda.functionUrls?.addresses(app.runtime.url).find((a) => a.definition.functionName.includes(fn));
  if (!address) throw new Error(`no function URL for ${fn}`);
  return address.url;
}

async function signedFetch(url: string, roleName: string | undefined, init: { method?: string; body?: string } = {}): Promise<Response> {
  const target = new URL(url);
  const credentials = roleName
    ? app.runtime.iam.principals.credentialsFor(`arn:aws:iam::000000000000:role/${roleName}`, 'tester')
    : { accessKeyId: 'AKIDADMIN', secretAccessKey: 'secret' };
  const signer = new SignatureV4({ service: 'lambda', region: 'us-east-1', credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: init.method ?? 'GET',
    protocol: 'http:',
    hostname: target.hostname,
    port: Number(target.port),
    path: target.pathname,
    query: {},
    headers: { host: target.host },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  return fetch(url, { method: signed.method, headers: signed.headers, ...(init.body === undefined ? {} : { body: init.body }) });
}

describe('Lambda function URLs', () => {
  it('sends the payload format 2.0 event Lambda builds, and answers with the function’s status, headers and cookies', async () => {
    const response = await fetch(`${urlOf('Echo')}items/42?a=1&a=2`, {
      method: 'POST',
      body: '{"x":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-custom')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const event = (await response.json()) as { requestContext: Record<string, unknown> };
    const urlId = urlOf('Echo').split('/').at(-2);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/items/42',
      rawQueryString: 'a=1&a=2',
      queryStringParameters: { a: '1,2' },
      body: '{"x":1}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: urlId,
        authentication: null,
        domainPrefix: urlId,
        http: { method: 'POST', path: '/items/42' },
        routeKey: '$default',
        stage: '$default',
      },
    });
    expect(event.requestContext.authorizer).toBeUndefined();
  });

  it('answers the same URL by Host, as `<url-id>.lambda-url.<region>.localhost`', async () => {
    const urlId = urlOf('Echo').split('/').at(-2);
    const port = new URL(app.runtime.url).port;
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/hello', headers: { host: `${urlId}.lambda-url.us-east-1.localhost:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(201);
  });

  it('answers a result without statusCode as a 200 JSON body, a string as its text', async () => {
    const text = await fetch(`${urlOf('Echo')}text`);
    expect(text.status).toBe(200);
    expect(text.headers.get('content-type')).toBe('application/json');
    expect(await text.text()).toBe('Hello, world!');
    const plain = await fetch(`${urlOf('Echo')}plain`);
    expect(await plain.json()).toEqual({ message: 'no status' });
  });

  it('fails with 502 if the function throws or answers a statusCode that is no HTTP status', async () => {
    for (const path of ['fail', 'bad-status']) {
      const response = await fetch(`${urlOf('Echo')}${path}`);
      expect(response.status).toBe(502);
      expect(await response.text()).toBe('Internal Server Error');
    }
  });

  it('answers a CORS preflight itself, and puts the configured CORS headers in place of the function’s', async () => {
    const preflight = await fetch(`${urlOf('Echo')}items`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,POST');
    const response = await fetch(`${urlOf('Echo')}items`, { headers: { origin: 'https://app.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('access-control-expose-headers')).toBe('x-custom');
  });

  it('fails with 403 if a request to an AWS_IAM URL is not signed', async () => {
    const response = await fetch(urlOf('Streamer'));
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    expect(await response.json()).toEqual({ Message: FORBIDDEN });
  });

  it('lets in a role granted the URL, and reads a RESPONSE_STREAM function’s status and headers from its stream', async () => {
    const response = await signedFetch(urlOf('Streamer'), ROLE_NAME);
    expect(response.status).toBe(202);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('part one, part two');
  });

  it('fails with 403 if the signing role may not invoke the URL, under enforce', async () => {
    const response = await signedFetch(urlOf('Streamer'), OTHER_ROLE_NAME);
    expect(response.status).toBe(403);
  });

  it('fails with 403 if a NONE URL’s function has no statement letting everyone invoke it, under enforce', async () => {
    const response = await fetch(urlOf('Unpermitted'));
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    expect(await response.json()).toEqual({ Message: FORBIDDEN });
  });

  it('says at start-up that a RESPONSE_STREAM URL answers once its function has ended', () => {
    expect(app.runtime.warnings.filter((w) => w.includes('RESPONSE_STREAM'))).toEqual([
      expect.stringMatching(
        /^Urls\/StreamerFunctionUrl\w+ \(AWS::Lambda::Url\): InvokeMode RESPONSE_STREAM is buffered locally: .*, not as it writes$/,
      ),
    ]);
  });

  it('lists each URL in the start-up report, with its local and AWS forms', async () => {
    const serves = (await app.runtime.serviceReports()).flatMap((report) => report.serves ?? []);
    const line = serves.find((l) => l.includes('function URL') && l.includes('Streamer'));
    expect(line).toMatch(
      /AWS_IAM: sign requests with SigV4, RESPONSE_STREAM\): http:\/\/127\.0\.0\.1:\d+\/_aws\/lambda-url\/[a-z0-9]+\/ \(or http:\/\/[a-z0-9]+\.lambda-url\.us-east-1\.localhost:\d+\/; https:\/\/[a-z0-9]+\.lambda-url\.us-east-1\.on\.aws\/ on AWS\)/,
    );
  });
});
