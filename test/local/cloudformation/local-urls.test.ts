import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { localized } from '../../../local/cloudformation/local-urls.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { arnOf, httpApi, httpIntegration, httpRoute, httpStage, inlineFunction } from '../template-resources.js';

const HELLO = `exports.handler = async (event) => ({ statusCode: 200, body: 'hello from ' + (event.rawPath ?? '') });`;
/** CDK's `HttpApi.url` and `RestApi.url`: the API's AWS host joined from its id, the region and the URL suffix. */
const cdkUrl = (api: string, path: string) => ({
  'Fn::Join': ['', ['https://', { Ref: api }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, path]],
});

describe('CloudFormation outputs that hold an address of the app on AWS', () => {
  const local = restartableRuntime({
    ownsAssembly: true,
    assembly: () =>
      writeAssembly(tempAssemblyDir(), {
        Stack: {
          template: {
            Resources: {
              Fn: inlineFunction(HELLO, { FunctionName: 'hello', Role: 'arn:aws:iam::000000000000:role/hello' }),
              Api: httpApi('hello-api'),
              Integration: httpIntegration({ IntegrationType: 'AWS_PROXY', IntegrationUri: arnOf('Fn'), PayloadFormatVersion: '2.0' }),
              Route: httpRoute('GET /hello', 'Integration'),
              Stage: httpStage('$default', { AutoDeploy: true }),
              Url: { Type: 'AWS::Lambda::Url', Properties: { TargetFunctionArn: arnOf('Fn'), AuthType: 'NONE' } },
              Sockets: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'sockets', ProtocolType: 'WEBSOCKET' } },
            },
            Outputs: {
              HttpUrl: { Value: cdkUrl('Api', '/') },
              Endpoint: { Value: { 'Fn::GetAtt': ['Api', 'ApiEndpoint'] } },
              FunctionUrl: { Value: { 'Fn::GetAtt': ['Url', 'FunctionUrl'] } },
              SocketUrl: { Value: { 'Fn::GetAtt': ['Sockets', 'ApiEndpoint'] } },
              Other: { Value: 'https://example.com/docs' },
              LookAlike: { Value: cdkUrl('Api', '.example.net/') },
            },
          },
        },
      }),
    clients: ({ url }) => ({ cloudFormation: new CloudFormationClient(sdkConfig(url)) }),
  });

  async function outputs(): Promise<Record<string, string>> {
    const { Stacks = [] } = await local.cloudFormation.send(new DescribeStacksCommand({ StackName: 'Stack' }));
    return Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  }

  it('shows an HTTP API URL and a function URL as their local URLs, which a README curl reaches', async () => {
    const { HttpUrl, Endpoint, FunctionUrl } = await outputs();
    expect(HttpUrl).toMatch(new RegExp(`^${local.runtime.url}/_aws/execute-api/[a-z0-9]{10}/$`));
    expect(Endpoint).toBe(HttpUrl?.slice(0, -1));
    expect(FunctionUrl).toMatch(new RegExp(`^${local.runtime.url}/_aws/lambda-url/[a-z0-9]+/$`));
    // A README's `curl ${API_URL}/hello`: CDK's URL ends in a slash, and API Gateway reads `//` as `/`.
    const viaApi = await fetch(`${HttpUrl}/hello`);
    expect([viaApi.status, await viaApi.text()]).toEqual([200, 'hello from /hello']);
    const viaUrl = await fetch(`${FunctionUrl}there`);
    expect([viaUrl.status, await viaUrl.text()]).toEqual([200, 'hello from /there']);
  });

  it('names the outputs it shows otherwise than AWS in the start-up report', async () => {
    const lines = (await local.runtime.serviceReports()).flatMap((report) => report.lines ?? []).join('\n');
    expect(lines).toContain('cloudformation differs: describe-stacks shows Stack.HttpUrl, Stack.Endpoint, Stack.FunctionUrl as local URLs');
  });

  it('leaves other values as resolved: a WebSocket API, another host, a host that only begins like the API', async () => {
    const { SocketUrl, Other, LookAlike } = await outputs();
    expect(SocketUrl).toMatch(/^wss:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com$/);
    expect(Other).toBe('https://example.com/docs');
    expect(LookAlike).toMatch(/^https:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com\.example\.net\/$/);
  });
});

describe('localized', () => {
  const urls = [{ aws: 'https://abc.execute-api.us-east-1.amazonaws.com', local: 'http://127.0.0.1:4566/_aws/execute-api/abc' }];

  it('keeps the stage, path and query after the address', () => {
    expect(localized('https://abc.execute-api.us-east-1.amazonaws.com/prod/items?x=1', urls)).toBe(
      'http://127.0.0.1:4566/_aws/execute-api/abc/prod/items?x=1',
    );
  });

  it('changes no value that only begins like an address or holds one further in', () => {
    expect(localized('https://abc.execute-api.us-east-1.amazonaws.com.evil.example/', urls)).toBe(
      'https://abc.execute-api.us-east-1.amazonaws.com.evil.example/',
    );
    expect(localized('see https://abc.execute-api.us-east-1.amazonaws.com/', urls)).toBe(
      'see https://abc.execute-api.us-east-1.amazonaws.com/',
    );
  });
});
