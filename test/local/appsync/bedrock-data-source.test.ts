import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { graphqlDataSource, keyedGraphqlApi } from './appsync-resources.js';
import { graphqlWithKey } from './graphql-client.js';

const api = { 'Fn::GetAtt': ['Api', 'ApiId'] };
const JS = { Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' };

/** A resolver of `field` on the Bedrock Runtime data source running `code`. */
function resolver(field: string, code: string) {
  return {
    Type: 'AWS::AppSync::Resolver',
    Properties: { ApiId: api, TypeName: 'Query', FieldName: field, DataSourceName: 'models', Runtime: JS, Code: code },
    DependsOn: ['Schema', 'Models'],
  };
}

const RAISE = `if (ctx.error) util.error(ctx.error.message, ctx.error.type);`;

describe('AppSync Bedrock Runtime data sources', () => {
  const local = restartableRuntime({
    assembly: () => {
      const cdkOut = assemblyOf({
        ...keyedGraphqlApi('ask', 'type Query { converse(prompt: String!, model: String): String invoke(prompt: String!): String }'),
        Models: graphqlDataSource('models', { Type: 'AMAZON_BEDROCK_RUNTIME' }),
        Converse: resolver(
          'converse',
          `import { util } from '@aws-appsync/utils';
        import { converse } from '@aws-appsync/utils/ai';
        export function request(ctx) {
          return converse({ modelId: ctx.args.model ?? 'amazon.nova-lite-v1:0', messages: [{ role: 'user', content: [{ text: ctx.args.prompt }] }] });
        }
        export function response(ctx) { ${RAISE} return ctx.result.stopReason + ':' + typeof ctx.result.output.message.content[0].text; }`,
        ),
        Invoke: resolver(
          'invoke',
          `import { util } from '@aws-appsync/utils';
        export function request(ctx) {
          return { operation: 'InvokeModel', modelId: 'amazon.nova-lite-v1:0', body: { messages: [{ role: 'user', content: [{ text: ctx.args.prompt }] }] } };
        }
        export function response(ctx) { ${RAISE} return ctx.result.stopReason; }`,
        ),
      });
      return cdkOut;
    },
  });

  const graphql = (query: string, headers: Record<string, string> = {}) => graphqlWithKey(local.runtime, query, headers);

  it("calls Converse with the helper's request and gives the response Converse's answer", async () => {
    expect(await graphql('{ converse(prompt: "Say hello") }')).toEqual({ data: { converse: 'end_turn:string' } });
  });

  it("calls InvokeModel with the request's body as the model's native request and gives the response its answer", async () => {
    expect(await graphql('{ invoke(prompt: "Say hello") }')).toEqual({ data: { invoke: 'end_turn' } });
  });

  it('fails the field if the model is not one Bedrock serves, with Bedrock’s error code', async () => {
    const answer = await graphql('{ converse(prompt: "Say hello", model: "no.such-model-v1:0") }');
    expect(answer.errors).toEqual([expect.objectContaining({ path: ['converse'], errorType: expect.stringMatching(/^Bedrock:/) })]);
  });
});
