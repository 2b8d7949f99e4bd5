import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleSite } from '../../local/console-site/console-site.js';
import { EndpointGuard } from '../../local/endpoint/guard.js';
import { Endpoint } from '../../local/endpoint/server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const target = new URL(options.path ?? '/', url);
  return new Promise((resolve, reject) => {
    const req = request(target, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** An endpoint with the console and no AWS services: what reaches a service answers UnknownOperation or MissingAction. */
async function endpoint(verify = false): Promise<{ url: string; stop: () => Promise<void> }> {
  const guard = new EndpointGuard(verify ? { credentials: [{ accessKeyId: 'id', secretAccessKey: 'secret' }] } : {});
  const server = new Endpoint({ port: 0, guard });
  const url = await server.start();
  server.mount({ jsonServices: [], queryServices: [], console: new ConsoleSite() });
  return { url, stop: () => server.stop() };
}

let plain: { url: string; stop: () => Promise<void> };
let verifying: { url: string; stop: () => Promise<void> };

beforeAll(async () => {
  [plain, verifying] = await Promise.all([endpoint(), endpoint(true)]);
});
afterAll(async () => {
  await Promise.all([plain?.stop(), verifying?.stop()]);
});

const navigation = { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', accept: 'text/html' };

describe('ConsoleSite on the endpoint', () => {
  it('serves the page with a policy that allows no inline script, style or other origin', async () => {
    const page = await send(plain.url, { headers: navigation });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).not.toMatch(/<script>|<style>|style="|https?:\/\//);
  });

  it('serves the bundle under a content hash, cached for good, and nothing else under /console/', async () => {
    const page = await send(plain.url, { headers: navigation });
    const [, hash] = /\/console\/app\.([0-9a-f]{16})\.js/.exec(page.body) ?? [];
    const js = await send(plain.url, { path: `/console/app.${hash}.js`, headers: { 'sec-fetch-site': 'same-origin' } });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // Reasonably small: the graph layout, the signer and the pages, minified.
    expect(js.body.length).toBeLessThan(300_000);
    expect(js.body).not.toMatch(/new Function|eval\(/);
    const css = await send(plain.url, { path: `/console/app.${hash}.css` });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).not.toMatch(/@import|url\(\s*['"]?https?:/);
    expect((await send(plain.url, { path: '/console/app.0000000000000000.js' })).status).toBe(404);
    expect((await send(plain.url, { path: '/console/../package.json' })).status).not.toBe(200);
  });

  it('leaves GET / with an Action to the query protocol, and signed or targeted requests to the services', async () => {
    const query = await send(plain.url, { path: '/?Action=ListQueues' });
    expect(query.body).toContain('InvalidAction');
    const signed = await send(plain.url, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/s3/aws4_request' },
    });
    expect(signed.headers['content-type']).not.toContain('text/html');
    const presigned = await send(plain.url, { path: '/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc' });
    expect(presigned.headers['content-type']).not.toContain('text/html');
    const json = await send(plain.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    expect(json.body).toContain('UnknownOperationException');
    const lambda = await send(plain.url, { path: '/2015-03-31/functions/' });
    expect(lambda.headers['content-type']).not.toContain('text/html');
  });

  it("leaves S3's requests for a bucket named console, and anything sent to S3's host names, to S3", async () => {
    const signedBucket = await send(plain.url, {
      path: '/console/app.js',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/s3/aws4_request' },
    });
    expect(signedBucket.headers['content-type']).not.toContain('text/html');
    expect(signedBucket.headers['content-type']).not.toContain('javascript');
    const presignedBucket = await send(plain.url, { path: '/console/x?X-Amz-Credential=a&X-Amz-Signature=abc' });
    expect(presignedBucket.headers['content-type']).not.toContain('text/html');
    const virtualHost = await send(plain.url, { headers: { ...navigation, host: 'attachments.s3.localhost' } });
    expect(virtualHost.headers['content-type'] ?? '').not.toContain('text/html');
  });

  it('answers HEAD without a body', async () => {
    const head = await send(plain.url, { method: 'HEAD', headers: navigation });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it("accepts the console's own same-origin calls", async () => {
    const port = new URL(plain.url).port;
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const call = await send(plain.url, {
        method: 'POST',
        headers: {
          origin,
          'sec-fetch-site': 'same-origin',
          'x-amz-target': 'AmazonSQS.ListQueues',
          'content-type': 'application/x-amz-json-1.0',
        },
        body: '{}',
      });
      expect(call.status, origin).not.toBe(403);
    }
  });

  it('fails if a page of another origin calls it, or loads the console across sites', async () => {
    const port = new URL(plain.url).port;
    const foreign: Record<string, string>[] = [
      { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: `http://127.0.0.1:${Number(port) + 1}`, 'sec-fetch-site': 'same-site' },
      { origin: 'null' },
    ];
    for (const headers of foreign) {
      const call = await send(plain.url, {
        method: 'POST',
        headers: { ...headers, 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' },
        body: '{}',
      });
      expect(call.status, JSON.stringify(headers)).toBe(403);
    }
    expect((await send(plain.url, { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } })).status).toBe(403);
    expect((await send(plain.url, { path: '/console/app.js', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await send(plain.url, { headers: { host: 'rebind.example' } })).status).toBe(403);
  });

  it('serves the page unsigned when signatures are verified, but no API call', async () => {
    expect((await send(verifying.url, { headers: navigation })).status).toBe(200);
    const unsigned = await send(verifying.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    expect(unsigned.status).toBe(400);
    expect(unsigned.body).toContain('MissingAuthenticationToken');
  });
});
