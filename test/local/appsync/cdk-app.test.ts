import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { restartableRuntime } from '../restartable-runtime.js';
import { stackOutputs } from './graphql-client.js';

/** The app in test/fixtures/small-apps/synth.ts (`appSyncNotes`): CDK's GraphqlApi with its own mapping templates and data source roles, synthesized and checked in; run under IAM enforce, so CDK's grants are what let the resolvers in. */
const ASSEMBLY = fileURLToPath(new URL('../../fixtures/small-apps/appsync-notes', import.meta.url));

describe('AppSync GraphQL APIs of a CDK app', () => {
  const local = restartableRuntime({ assembly: () => ASSEMBLY, options: { iam: 'enforce' } });
  let url: string;
  let apiKey: string;

  beforeAll(async () => {
    const outputs = await stackOutputs(local.runtime, 'Notes');
    url = outputs.GraphQLUrl ?? '';
    apiKey = outputs.ApiKey ?? '';
  });

  // biome-ignore lint/suspicious/noExplicitAny: a GraphQL answer is JSON the tests read member by member and check with expect
  const graphql = async (query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ query, variables }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };

  it("runs CDK's DynamoDB mapping templates: PutItem with an auto id and the input projected, GetItem, Scan and Query on an index", async () => {
    const added = await graphql('mutation($input: NoteInput!) { addNote(input: $input) { id owner text } }', {
      input: { owner: 'ada', text: 'first' },
    });
    expect(added).toEqual({ data: { addNote: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), owner: 'ada', text: 'first' } } });
    await graphql('mutation { addNote(input: { owner: "bob", text: "second" }) { id } }');
    const id = added.data.addNote.id;
    expect(await graphql('query($id: ID!) { getNote(id: $id) { owner text } }', { id })).toEqual({
      data: { getNote: { owner: 'ada', text: 'first' } },
    });
    const all = await graphql('{ allNotes { owner } }');
    expect(all.data.allNotes.map((n: { owner: string }) => n.owner).sort()).toEqual(['ada', 'bob']);
    expect(await graphql('{ notesOf(owner: "bob") { text } }')).toEqual({ data: { notesOf: [{ text: 'second' }] } });
  });

  it('runs a direct Lambda resolver (no mapping templates) with the arguments AppSync sends', async () => {
    expect(await graphql('{ echo(text: "abc") }')).toEqual({ data: { echo: 'cba' } });
  });

  it('serves the API without a start-up warning on any of its resources', async () => {
    const reports = await local.runtime.serviceReports();
    expect(reports.flatMap((r) => r.serves ?? [])).toContainEqual(expect.stringContaining('graphql api notes'));
    expect(local.runtime.warnings.filter((line) => line.includes('AppSync'))).toEqual([]);
  });
});
