import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpApiAuthorization } from '../../../local/apigateway/authorizers/authorize.js';
import { JwksSource, JwksUnavailableError } from '../../../local/apigateway/authorizers/jwks.js';
import type { JwtAuthorizerDefinition } from '../../../local/apigateway/http-api-access-definitions.js';
import { testIssuer } from './jwt-tokens.js';

const issuer = testIssuer('disc-1');
let server: Server;
let base: string;
let jwksFetches = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/realm/.well-known/openid-configuration') {
      response.end(JSON.stringify({ issuer: `${base}/realm`, jwks_uri: `${base}/realm/keys` }));
    } else if (request.url === '/realm/keys') {
      jwksFetches++;
      response.end(JSON.stringify(issuer.jwks));
    } else if (request.url === '/remote/.well-known/openid-configuration') {
      response.end(JSON.stringify({ jwks_uri: 'https://keys.example.com/jwks' }));
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const authorizer = (issuerUrl: string): JwtAuthorizerDefinition => ({
  kind: 'jwt',
  id: 'abc1234567',
  logicalId: 'Jwt',
  name: 'jwt',
  identitySource: ['$request.header.Authorization'],
  issuer: issuerUrl,
  audience: ['shop'],
});

describe('JwksSource', () => {
  it("finds a loopback issuer's keys through its OpenID configuration, once", async () => {
    const source = new JwksSource({});
    const before = jwksFetches;
    expect(await source.keys(authorizer(`${base}/realm`))).toEqual(issuer.keys);
    await source.keys(authorizer(`${base}/realm`));
    expect(jwksFetches).toBe(before + 1);
  });

  it('fails with JwksUnavailableError if the issuer is not on this machine, without reaching it', async () => {
    await expect(new JwksSource({}).keys(authorizer('https://id.example.com'))).rejects.toThrow(JwksUnavailableError);
  });

  it("fails with JwksUnavailableError if the issuer's jwks_uri is not on this machine", async () => {
    await expect(new JwksSource({}).keys(authorizer(`${base}/remote`))).rejects.toThrow(/jwks_uri https:\/\/keys.example.com/);
  });

  it('fails with JwksUnavailableError if the named JWKS file cannot be read', async () => {
    const source = new JwksSource({ SWITCHYARD_JWT_JWKS_Jwt: '/nonexistent/jwks.json' });
    await expect(source.keys(authorizer('https://id.example.com'))).rejects.toThrow(/could not be read/);
  });
});

describe('HttpApiAuthorization with a JWT authorizer', () => {
  const request = (token: string | undefined, issuerUrl: string) => ({
    authorizer: authorizer(issuerUrl),
    scopes: [],
    mapping: {
      headers: token === undefined ? {} : { authorization: [`Bearer ${token}`] },
      rawQueryString: '',
      pathParameters: {},
      body: Buffer.alloc(0),
      context: {},
      stageVariables: {},
    },
    arn: 'arn:aws:execute-api:us-east-1:1:abc/$default/GET/me',
    eventOf: () => ({}),
    now: Date.now(),
  });
  const lambda = { invoke: async () => ({ ok: true as const, payload: '{}' }) };

  it('lets a token from a loopback issuer through', async () => {
    const log: string[] = [];
    const authorization = new HttpApiAuthorization({ lambda, jwks: new JwksSource({}), log: (line) => log.push(line) });
    const token = issuer.token({ iss: `${base}/realm`, aud: 'shop', exp: Math.floor(Date.now() / 1000) + 60 });
    expect(await authorization.authorize(request(token, `${base}/realm`))).toMatchObject({ ok: true });
    expect(log).toEqual([]);
  });

  it('answers 401 with a runtime log line if the keys cannot be had', async () => {
    const log: string[] = [];
    const authorization = new HttpApiAuthorization({ lambda, jwks: new JwksSource({}), log: (line) => log.push(line) });
    const token = issuer.token({ iss: 'https://id.example.com', aud: 'shop', exp: Math.floor(Date.now() / 1000) + 60 });
    const outcome = await authorization.authorize(request(token, 'https://id.example.com'));
    expect(outcome.ok ? 200 : outcome.response.status).toBe(401);
    expect(log).toEqual([expect.stringContaining('authorizer jwt: the issuer https://id.example.com is not on this machine')]);
  });

  it('answers 401 without a token', async () => {
    const authorization = new HttpApiAuthorization({ lambda, jwks: new JwksSource({}), log: () => undefined });
    const outcome = await authorization.authorize(request(undefined, `${base}/realm`));
    expect(outcome.ok ? 200 : outcome.response.status).toBe(401);
  });
});
