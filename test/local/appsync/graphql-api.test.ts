import { beforeAll, describe, expect, it } from 'vitest';
import { cognitoClient } from '../cognito-idp/cognito-client.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { stackOutputs } from './graphql-client.js';
import { notesAssembly } from './notes-app.js';

// biome-ignore lint/suspicious/noExplicitAny: a GraphQL answer is JSON the tests read member by member and check with expect
type Answer = { status: number; body: Record<string, any> };

describe('AppSync GraphQL APIs', () => {
  const lines: string[] = [];
  const local = restartableRuntime({ assembly: notesAssembly, ownsAssembly: true, options: { log: (line) => lines.push(line) } });
  let outputs: Record<string, string>;
  beforeAll(async () => {
    outputs = await stackOutputs(local.runtime, 'Notes');
  });

  const graphql = async (
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = { 'x-api-key': outputs.ApiKey ?? '' },
  ): Promise<Answer> => {
    const response = await fetch(outputs.Url ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  };

  it("gives the API's GraphQLUrl and ApiKey as local values a client posts to", () => {
    expect(outputs.Url).toMatch(new RegExp(`^${local.runtime.url}/_aws/appsync/[a-z0-9]{26}/graphql$`));
    expect(outputs.ApiKey).toMatch(/^da2-[a-z0-9]{26}$/);
  });

  it('writes and reads notes through DynamoDB resolvers, and lists them with a Scan', async () => {
    const put = await graphql('mutation($id: ID!, $text: String!) { putNote(id: $id, text: $text) { id text by } }', {
      id: 'n1',
      text: 'hello',
    });
    expect(put).toEqual({ status: 200, body: { data: { putNote: { id: 'n1', text: 'hello', by: 'api' } } } });
    const got = await graphql('query { getNote(id: "n1") { id text } missing: getNote(id: "none") { id } }');
    expect(got.body).toEqual({ data: { getNote: { id: 'n1', text: 'hello' }, missing: null } });
    const listed = await graphql('{ listNotes(limit: 10) { items { id } nextToken } }');
    expect(listed.body.data.listNotes).toEqual({ items: [{ id: 'n1' }], nextToken: null });
  });

  it("fails an update whose condition does not hold with DynamoDB's errorType, and the field is null", async () => {
    await graphql('mutation { putNote(id: "n2", text: "first") { id } }');
    const answer = await graphql('mutation { updateText(id: "n2", text: "second", expected: "other") { text } }');
    expect(answer.body.data).toEqual({ updateText: null });
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        path: ['updateText'],
        errorType: 'DynamoDB:ConditionalCheckFailedException',
        locations: [{ line: 1, column: 12, sourceName: null }],
      }),
    ]);
    const updated = await graphql('mutation { updateText(id: "n2", text: "second", expected: "first") { text } }');
    expect(updated.body).toEqual({ data: { updateText: { text: 'second' } } });
  });

  it("calls a Lambda data source without templates with AppSync's direct event, and reports its error as Lambda:Unhandled", async () => {
    const answer = await graphql('{ lambdaNote(id: "l1") { id text by } }');
    expect(answer.body).toEqual({ data: { lambdaNote: { id: 'l1', text: 'from Query.lambdaNote', by: 'null' } } });
    const failed = await graphql('{ lambdaNote(id: "boom") { id } }');
    expect(failed.body.errors).toEqual([
      expect.objectContaining({ path: ['lambdaNote'], errorType: 'Lambda:Unhandled', message: 'the function failed on purpose' }),
    ]);
  });

  it('runs a pipeline: before, each function with the previous result and the stash, after', async () => {
    const answer = await graphql('{ staged(word: "hey") }');
    expect(answer.body).toEqual({ data: { staged: 'HEY HEY (stash: HEY)' } });
  });

  it("reports $util.error in AppSync's shape: path, data, errorType, errorInfo, locations, message", async () => {
    const answer = await graphql('{ fails }');
    expect(answer.body).toEqual({
      data: { fails: null },
      errors: [
        {
          path: ['fails'],
          data: { why: 'a test' },
          errorType: 'Custom:Failure',
          errorInfo: { hint: 1 },
          locations: [{ line: 1, column: 3, sourceName: null }],
          message: 'it failed on purpose',
        },
      ],
    });
  });

  it('resolves a field without a resolver to null, and fields of a returned object from it by name', async () => {
    expect((await graphql('{ noResolver }')).body).toEqual({ data: { noResolver: null } });
  });

  it('fails a query that does not validate against the schema with no data and the error located', async () => {
    const answer = await graphql('{ getNote(id: "n1") { nope } }');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        path: null,
        locations: [{ line: 1, column: 23, sourceName: null }],
        message: expect.stringContaining('nope'),
      }),
    ]);
  });

  it('fails a request without credentials, with an unknown key or an expired key with 401 UnauthorizedException', async () => {
    for (const headers of <Record<string, string>[]>[{}, { 'x-api-key': 'da2-notakey' }, { 'x-api-key': outputs.OldApiKey ?? '' }]) {
      const answer = await graphql('{ noResolver }', {}, headers);
      expect(answer.status).toBe(401);
      expect(answer.body.errors).toEqual([{ errorType: 'UnauthorizedException', message: expect.any(String) }]);
    }
  });

  it("lets a Cognito user in by its token, with its identity and groups, and refuses a field that its mode's directives do not allow", async () => {
    const call = cognitoClient(local.runtime.url);
    const UserPoolId = outputs.PoolId;
    await call('CreateGroup', { UserPoolId, GroupName: 'readers' });
    await call('AdminCreateUser', { UserPoolId, Username: 'ada', MessageAction: 'SUPPRESS' });
    await call('AdminSetUserPassword', { UserPoolId, Username: 'ada', Password: 'Password-123', Permanent: true });
    await call('AdminAddUserToGroup', { UserPoolId, Username: 'ada', GroupName: 'readers' });
    const signedIn = await call('InitiateAuth', {
      ClientId: outputs.ClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'ada', PASSWORD: 'Password-123' },
    });
    const token = { authorization: signedIn.AuthenticationResult.IdToken };
    expect((await graphql('{ whoAmI }', {}, token)).body).toEqual({ data: { whoAmI: 'ada in [readers]' } });
    // getNote has no directive: only the default mode (API_KEY) may call it.
    const refused = await graphql('{ getNote(id: "n1") { id } }', {}, token);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ path: ['getNote'], errorType: 'Unauthorized', message: 'Not Authorized to access getNote on type Query' }),
    ]);
    const forged = await graphql('{ whoAmI }', {}, { authorization: `${token.authorization.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(401);
  });

  it('refuses a field its type allows to the API key but that asks for a Cognito group the caller is not in', async () => {
    const answer = await graphql('{ getNote(id: "n1") { id secret } }');
    expect(answer.body.data).toEqual({ getNote: { id: 'n1', secret: null } });
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        path: ['getNote', 'secret'],
        errorType: 'Unauthorized',
        message: 'Not Authorized to access secret on type Note',
      }),
    ]);
  });

  it("describes the app's APIs through the control plane, with their local uris", async () => {
    const apiId = new URL(outputs.Url ?? '').pathname.split('/')[3];
    const listed = (await (await fetch(`${local.runtime.url}/v1/apis`)).json()) as { graphqlApis: Record<string, unknown>[] };
    expect(listed.graphqlApis).toEqual([
      expect.objectContaining({
        name: 'notes',
        apiId,
        authenticationType: 'API_KEY',
        additionalAuthenticationProviders: [
          expect.objectContaining({ authenticationType: 'AMAZON_COGNITO_USER_POOLS', userPoolConfig: { userPoolId: outputs.PoolId } }),
        ],
        uris: { GRAPHQL: outputs.Url, REALTIME: outputs.RealtimeUrl },
      }),
    ]);
    const got = await fetch(`${local.runtime.url}/v1/apis/${apiId}`);
    expect(((await got.json()) as { graphqlApi: { apiId: string } }).graphqlApi.apiId).toBe(apiId);
    const missing = await fetch(`${local.runtime.url}/v1/apis/nosuchapi`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ message: 'GraphQL API nosuchapi not found.' });
  });

  it('says at start-up where each API is served and what differs from AppSync', async () => {
    const reports = await local.runtime.serviceReports();
    const served = reports.flatMap((r) => r.serves ?? []);
    expect(served).toContainEqual(
      expect.stringMatching(/graphql api notes \([a-z0-9]{26}\): http.*\/graphql .*auth API_KEY, AMAZON_COGNITO_USER_POOLS; 8 resolvers/),
    );
    expect(served).toContainEqual(expect.stringContaining('appsync differs: subscriptions are served at <GraphQLUrl>/realtime'));
  });
});
