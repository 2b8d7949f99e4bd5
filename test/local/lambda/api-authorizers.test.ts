import { describe, expect, it } from 'vitest';
import { functionDefinitions } from '../../../local/lambda/definitions.js';
import type { LoadedResource } from '../../../local/template/load.js';

const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

/** A template's resources as the loader gives them, of the few types the definitions read here. */
function byType(resources: Record<string, Partial<LoadedResource>[]>) {
  return (type: string) => (resources[type] ?? []) as LoadedResource[];
}

const fn = (name: string): Partial<LoadedResource> => ({
  logicalId: name,
  stackName: 'Test',
  type: 'AWS::Lambda::Function',
  physicalName: name,
  ref: name,
  attributes: { Arn: ARN(name) },
  assetPath: '/tmp/asset',
  properties: { Handler: 'index.handler', Runtime: 'nodejs22.x' },
});

describe('functionDefinitions invokedByServices', () => {
  it("names the functions a REST or HTTP API authorizer's AuthorizerUri invokes, not the others", () => {
    const uri = (name: string) => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${ARN(name)}/invocations`;
    const { invokedByServices } = functionDefinitions(
      byType({
        'AWS::Lambda::Function': [fn('tokens'), fn('requests'), fn('handler'), fn('token')],
        'AWS::ApiGateway::Authorizer': [
          { type: 'AWS::ApiGateway::Authorizer', properties: { Type: 'TOKEN', AuthorizerUri: uri('tokens') } },
        ],
        'AWS::ApiGatewayV2::Authorizer': [{ type: 'AWS::ApiGatewayV2::Authorizer', properties: { AuthorizerUri: uri('requests') } }],
      }),
    );
    // `token` is a prefix of `tokens`'s ARN: it is not taken for it.
    expect(invokedByServices).toEqual(['tokens', 'requests']);
  });

  it("names the functions an AppSync API invokes, its Lambda data sources and Lambda authorizers, whose events are AppSync's", () => {
    // serverless-patterns appsync-direct-lambda-resolver: the start-up report invoked its resolver with `{}`, which fails it.
    const { invokedByServices } = functionDefinitions(
      byType({
        'AWS::Lambda::Function': [fn('resolver'), fn('authorizer'), fn('other')],
        'AWS::AppSync::DataSource': [
          { type: 'AWS::AppSync::DataSource', properties: { Type: 'AWS_LAMBDA', LambdaConfig: { LambdaFunctionArn: ARN('resolver') } } },
        ],
        'AWS::AppSync::GraphQLApi': [
          {
            type: 'AWS::AppSync::GraphQLApi',
            properties: {
              AuthenticationType: 'API_KEY',
              AdditionalAuthenticationProviders: [
                { AuthenticationType: 'AWS_LAMBDA', LambdaAuthorizerConfig: { AuthorizerUri: ARN('authorizer') } },
              ],
            },
          },
        ],
      }),
    );
    expect(invokedByServices).toEqual(['resolver', 'authorizer']);
  });

  it("names a Firehose stream's Lambda processors, whose event is the stream's batch of records", () => {
    // serverless-patterns firehose-transformation-cdk-typescript: `{}` failed its processor on `event.records`.
    const { invokedByServices } = functionDefinitions(
      byType({
        'AWS::Lambda::Function': [fn('transform'), fn('other')],
        'AWS::KinesisFirehose::DeliveryStream': [
          {
            type: 'AWS::KinesisFirehose::DeliveryStream',
            properties: {
              DeliveryStreamType: 'DirectPut',
              ExtendedS3DestinationConfiguration: {
                ProcessingConfiguration: {
                  Enabled: true,
                  Processors: [{ Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: ARN('transform') }] }],
                },
              },
            },
          },
        ],
      }),
    );
    expect(invokedByServices).toEqual(['transform']);
  });
});
