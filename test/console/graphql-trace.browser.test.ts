import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime.js';
import { BROWSER_TESTS_RUN, useConsoleBrowser } from '../helpers/console-browser.js';
import { stackOutputs } from '../local/appsync/graphql-client.js';
import { notesAssembly } from '../local/appsync/notes-app.js';
import { cognitoClient } from '../local/cognito-idp/cognito-client.js';
import { disposableData } from '../local/helpers.js';
import { textBoxOf } from './drawn.js';

/** The console's trace page drawing an AppSync request (npm run test:browser); skipped where chromium is missing, failing in CI. */
let outputs: Record<string, string>;
let runtimeUrl: string;

describe.skipIf(!BROWSER_TESTS_RUN)("the console's trace page for a GraphQL request, in a browser", () => {
  const { open } = useConsoleBrowser({
    async start() {
      const runtime = await LocalRuntime.start({
        cdkOut: notesAssembly(),
        ...disposableData(),
        port: 0,
        logEvents: false,
        log: () => {},
      });
      outputs = await stackOutputs(runtime, 'Notes');
      runtimeUrl = runtime.url;
      return runtime;
    },
    stop: (runtime) => runtime.stop(),
    url: (runtime) => runtime.url,
    timeoutMs: 60_000,
  });

  const graphql = async (query: string, headers: Record<string, string>) => {
    const response = await fetch(outputs.Url ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
  };

  it("draws the request's span with its fields, auth mode and key, and its resolver's invocation under it", async () => {
    const traceId = randomBytes(16).toString('hex');
    const header = `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
    await graphql('query Mine { lambdaNote(id: "t1") { id } }', { 'x-api-key': outputs.ApiKey ?? '', 'x-amzn-trace-id': header });
    const page = await open(`#/trace/${traceId}`);
    const rows = page.locator('[data-testid="waterfall"] [data-testid="span-row"]');
    const request = rows.filter({ hasText: /^graphql Mine/ });
    await request.waitFor({ timeout: 15_000 });
    expect(await request.locator('[data-testid="span-detail"]').textContent()).toBe(
      `Query.lambdaNote · API_KEY · by da2-…${outputs.ApiKey?.slice(-4)}`,
    );
    // The Lambda data source's invocation hangs under the request, drawn indented deeper.
    const invocation = rows.filter({ hasNotText: /^graphql/ }).first();
    await invocation.waitFor({ timeout: 15_000 });
    expect((await textBoxOf(invocation.locator('.span-name'))).x).toBeGreaterThan((await textBoxOf(request.locator('.span-name'))).x);
  });

  it('draws who asked by their username for a signed-in Cognito user, found by their sub', async () => {
    const call = cognitoClient(runtimeUrl);
    const UserPoolId = outputs.PoolId;
    await call('AdminCreateUser', { UserPoolId, Username: 'grace', MessageAction: 'SUPPRESS' });
    await call('AdminSetUserPassword', { UserPoolId, Username: 'grace', Password: 'Password-123', Permanent: true });
    const user = await call('AdminGetUser', { UserPoolId, Username: 'grace' });
    const sub = (user.UserAttributes as { Name: string; Value: string }[]).find((a) => a.Name === 'sub')?.Value ?? '';
    const signedIn = await call('InitiateAuth', {
      ClientId: outputs.ClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'grace', PASSWORD: 'Password-123' },
    });
    await graphql('{ whoAmI }', { authorization: signedIn.AuthenticationResult.IdToken });
    const page = await open(`#/trace/${sub}`);
    const request = page.locator('[data-testid="span-row"]').filter({ hasText: /^graphql Query\.whoAmI/ });
    await request.waitFor({ timeout: 15_000 });
    expect(await request.locator('[data-testid="span-detail"]').textContent()).toBe('Query.whoAmI · AMAZON_COGNITO_USER_POOLS · by grace');
  });
});
