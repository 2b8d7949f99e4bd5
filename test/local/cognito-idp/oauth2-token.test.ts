import { createPublicKey, verify } from 'node:crypto';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { userPool } from '../template-resources.js';

const pool = { Ref: 'Pool' };
/** A machine client of the pool: a secret, the client credentials grant, and the scopes it is allowed (or none of that). */
const client = (oauth: boolean) => ({
  Type: 'AWS::Cognito::UserPoolClient',
  Properties: {
    UserPoolId: pool,
    GenerateSecret: true,
    ...(oauth
      ? {
          AllowedOAuthFlowsUserPoolClient: true,
          AllowedOAuthFlows: ['client_credentials'],
          AllowedOAuthScopes: ['orders/read', 'orders/write'],
        }
      : {}),
  },
});

describe('a user pool domain’s token endpoint (client credentials)', () => {
  const local = restartableRuntime({
    ownsAssembly: true,
    assembly: () =>
      writeAssembly(tempAssemblyDir(), {
        Auth: {
          template: {
            Resources: {
              Pool: userPool('machines'),
              Orders: {
                Type: 'AWS::Cognito::UserPoolResourceServer',
                Properties: {
                  UserPoolId: pool,
                  Identifier: 'orders',
                  Name: 'orders',
                  Scopes: [
                    { ScopeName: 'read', ScopeDescription: 'read' },
                    { ScopeName: 'write', ScopeDescription: 'write' },
                  ],
                },
              },
              Machine: client(true),
              Person: client(false),
              Domain: { Type: 'AWS::Cognito::UserPoolDomain', Properties: { UserPoolId: pool, Domain: 'orders-auth' } },
            },
            Outputs: {
              TokenUrl: {
                Value: {
                  'Fn::Join': ['', ['https://', { Ref: 'Domain' }, '.auth.', { Ref: 'AWS::Region' }, '.amazoncognito.com/oauth2/token']],
                },
              },
              PoolId: { Value: pool },
              Machine: { Value: { Ref: 'Machine' } },
              MachineSecret: { Value: { 'Fn::GetAtt': ['Machine', 'ClientSecret'] } },
              Person: { Value: { Ref: 'Person' } },
              PersonSecret: { Value: { 'Fn::GetAtt': ['Person', 'ClientSecret'] } },
            },
          },
        },
      }),
    clients: ({ url }) => ({ cloudFormation: new CloudFormationClient(sdkConfig(url)) }),
  });

  async function outputs(): Promise<Record<string, string>> {
    const { Stacks = [] } = await local.cloudFormation.send(new DescribeStacksCommand({ StackName: 'Auth' }));
    return Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  }

  /** A POST to the token endpoint: the form, with the client's id and secret in a Basic header when given. */
  async function token(form: Record<string, string>, basic?: readonly [string, string], url?: string) {
    const response = await fetch(url ?? (await outputs()).TokenUrl ?? '', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(basic ? { authorization: `Basic ${Buffer.from(basic.join(':')).toString('base64')}` } : {}),
      },
      body: new URLSearchParams(form),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('gives a machine client an access token of the scopes it asks for, signed by the pool, at the URL the output names', async () => {
    const out = await outputs();
    expect(out.TokenUrl).toBe(`${local.runtime.url}/_aws/cognito-idp/orders-auth/oauth2/token`);
    const { status, body } = await token({ grant_type: 'client_credentials', scope: 'orders/read' }, [
      out.Machine ?? '',
      out.MachineSecret ?? '',
    ]);
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const [header, claims, signature] = String(body.access_token).split('.');
    const decoded = JSON.parse(Buffer.from(claims ?? '', 'base64url').toString());
    expect(decoded).toMatchObject({ sub: out.Machine, client_id: out.Machine, token_use: 'access', scope: 'orders/read' });
    expect(decoded.iss).toBe(`${local.runtime.url}/${out.PoolId}`);
    const { kid } = JSON.parse(Buffer.from(header ?? '', 'base64url').toString());
    const jwks = (await (await fetch(`${decoded.iss}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    const key = createPublicKey({ key: jwks.keys.find((k) => k.kid === kid) as never, format: 'jwk' });
    expect(verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), key, Buffer.from(signature ?? '', 'base64url'))).toBe(true);
  });

  it('gives every scope the client is allowed when it asks for none, its id and secret in the form', async () => {
    const out = await outputs();
    const { body } = await token({
      grant_type: 'client_credentials',
      client_id: out.Machine ?? '',
      client_secret: out.MachineSecret ?? '',
    });
    const claims = JSON.parse(Buffer.from(String(body.access_token).split('.')[1] ?? '', 'base64url').toString());
    expect(claims.scope).toBe('orders/read orders/write');
  });

  it('fails if the secret is wrong, a scope is not the client’s, the grant is another, or the client may not use it', async () => {
    const out = await outputs();
    const machine = [out.Machine ?? '', out.MachineSecret ?? ''] as const;
    expect(await token({ grant_type: 'client_credentials' }, [machine[0], 'not-the-secret'])).toEqual({
      status: 400,
      body: { error: 'invalid_client' },
    });
    expect(await token({ grant_type: 'client_credentials' })).toEqual({ status: 400, body: { error: 'invalid_client' } });
    expect(await token({ grant_type: 'client_credentials', scope: 'orders/delete' }, machine)).toEqual({
      status: 400,
      body: { error: 'invalid_scope' },
    });
    expect(await token({ grant_type: 'password' }, machine)).toEqual({ status: 400, body: { error: 'unsupported_grant_type' } });
    expect(await token({ scope: 'orders/read' }, machine)).toEqual({ status: 400, body: { error: 'invalid_request' } });
    expect(await token({ grant_type: 'client_credentials' }, [out.Person ?? '', out.PersonSecret ?? ''])).toEqual({
      status: 400,
      body: { error: 'unauthorized_client' },
    });
  });

  it('names the token endpoint in the start-up report, and what of the domain is not served', async () => {
    const serves = (await local.runtime.serviceReports()).flatMap((report) => report.serves ?? []);
    expect(serves).toContainEqual(
      expect.stringMatching(
        /cognito domain orders-auth \(us-east-1_\w+\): token endpoint http.*\/_aws\/cognito-idp\/orders-auth\/oauth2\/token \(the client credentials grant; the hosted UI and the other grants are not served\)/,
      ),
    );
  });

  it('fails if the domain is none of the app’s', async () => {
    const { status, body } = await token(
      { grant_type: 'client_credentials' },
      undefined,
      `${local.runtime.url}/_aws/cognito-idp/elsewhere/oauth2/token`,
    );
    expect(status).toBe(404);
    expect(body.error_description).toContain('no user pool domain elsewhere');
  });
});
