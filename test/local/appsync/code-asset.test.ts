import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempAssemblyDir } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { graphqlDataSource, keyedGraphqlApi } from './appsync-resources.js';
import { graphqlWithKey } from './graphql-client.js';

const api = { 'Fn::GetAtt': ['Api', 'ApiId'] };
const CODE = `export function request(ctx) { return { payload: { greeting: 'hello ' + ctx.args.name } }; }
export function response(ctx) { return ctx.result.greeting; }`;

/** A cloud assembly as `cdk synth` writes one for Code.fromAsset: the code a file asset, the template naming its S3 URL. */
function assemblyWithCodeAsset(): string {
  const dir = tempAssemblyDir();
  writeFileSync(path.join(dir, 'asset.abc123.js'), CODE);
  writeFileSync(
    path.join(dir, 'Stack.assets.json'),
    JSON.stringify({
      version: '48.0.0',
      files: {
        abc123: {
          source: { path: 'asset.abc123.js', packaging: 'file' },
          destinations: { current: { bucketName: 'cdk-assets', objectKey: 'abc123.js' } },
        },
      },
    }),
  );
  const resources = {
    ...keyedGraphqlApi('hello', 'type Query { hello(name: String!): String }'),
    None: graphqlDataSource('none', { Type: 'NONE' }),
    Hello: {
      Type: 'AWS::AppSync::Resolver',
      Properties: {
        ApiId: api,
        TypeName: 'Query',
        FieldName: 'hello',
        DataSourceName: 'none',
        Runtime: { Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub, as CDK writes it.
        CodeS3Location: { 'Fn::Sub': 's3://cdk-assets-${AWS::AccountId}-${AWS::Region}/abc123.js' },
      },
      DependsOn: ['Schema', 'None'],
    },
  };
  writeFileSync(path.join(dir, 'Stack.template.json'), JSON.stringify({ Resources: resources }));
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      version: '48.0.0',
      artifacts: {
        'Stack.assets': { type: 'cdk:asset-manifest', properties: { file: 'Stack.assets.json' } },
        Stack: {
          type: 'aws:cloudformation:stack',
          environment: 'aws://unknown-account/unknown-region',
          properties: { templateFile: 'Stack.template.json' },
          dependencies: ['Stack.assets'],
        },
      },
    }),
  );
  return dir;
}

describe('AppSync APPSYNC_JS code from an asset', () => {
  const local = restartableRuntime({ assembly: assemblyWithCodeAsset, ownsAssembly: true });

  it("runs the code file CodeS3Location names (CDK's Code.fromAsset), read from the cloud assembly", async () => {
    expect(await graphqlWithKey(local.runtime, '{ hello(name: "ada") }')).toEqual({ data: { hello: 'hello ada' } });
  });
});
