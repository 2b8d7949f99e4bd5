import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { spansOfOtlpJson } from '../../helpers/otlp-spans.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { idTable, inlinePolicy, serviceRole } from '../template-resources.js';
import { graphqlDataSource, keyedGraphqlApi } from './appsync-resources.js';

const api = { 'Fn::GetAtt': ['Api', 'ApiId'] };
const tableArn = { 'Fn::GetAtt': ['Notes', 'Arn'] };
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own ${...} references, not a template literal
const busArn = { 'Fn::Sub': 'arn:aws:events:${AWS::Region}:${AWS::AccountId}:event-bus/default' };

/** Two DynamoDB data sources on one table, one whose role may read it and one whose role may not, and an EventBridge data source. */
function assembly(): string {
  const dataSource = (name: string, role: string, config: Record<string, unknown>) =>
    graphqlDataSource(name, { ServiceRoleArn: { 'Fn::GetAtt': [role, 'Arn'] }, ...config });
  const resolver = (field: string, source: string, request: string) => ({
    Type: 'AWS::AppSync::Resolver',
    Properties: {
      ApiId: api,
      TypeName: 'Query',
      FieldName: field,
      DataSourceName: source,
      RequestMappingTemplate: request,
      ResponseMappingTemplate: '$util.toJson($ctx.result)',
    },
    DependsOn: ['Schema', 'Allowed', 'Refused', 'Bus'],
  });
  const get = '{"version":"2017-02-28","operation":"GetItem","key":{"id":{"S":"n1"}}}';
  return assemblyOf({
    Notes: idTable(),
    Reader: serviceRole('appsync.amazonaws.com', {
      Policies: [inlinePolicy('read', { Action: ['dynamodb:GetItem'], Resource: [tableArn] })],
    }),
    Nobody: serviceRole('appsync.amazonaws.com'),
    Publisher: serviceRole('appsync.amazonaws.com', {
      Policies: [inlinePolicy('publish', { Action: ['events:PutEvents'], Resource: [busArn] })],
    }),
    ...keyedGraphqlApi('roles', 'type Query { allowed: AWSJSON refused: AWSJSON publish: AWSJSON }'),
    Allowed: dataSource('allowed', 'Reader', {
      Type: 'AMAZON_DYNAMODB',
      DynamoDBConfig: { TableName: { Ref: 'Notes' }, AwsRegion: 'us-east-1' },
    }),
    Refused: dataSource('refused', 'Nobody', {
      Type: 'AMAZON_DYNAMODB',
      DynamoDBConfig: { TableName: { Ref: 'Notes' }, AwsRegion: 'us-east-1' },
    }),
    Bus: dataSource('bus', 'Publisher', { Type: 'AMAZON_EVENTBRIDGE', EventBridgeConfig: { EventBusArn: busArn } }),
    AllowedResolver: resolver('allowed', 'allowed', get),
    RefusedResolver: resolver('refused', 'refused', get),
    PublishResolver: resolver(
      'publish',
      'bus',
      '{"version":"2018-05-29","operation":"PutEvents","events":[{"source":"notes.api","detailType":"NoteRead","detail":{"id":"n1"}}]}',
    ),
  });
}

describe('AppSync data sources under IAM', () => {
  const local = restartableRuntime({ assembly, ownsAssembly: true, options: { iam: 'enforce' } });
  let url: string;
  let key: string;
  beforeAll(() => {
    const [definition] = local.runtime.appsync.apis;
    url = definition?.url ?? '';
    key = definition?.apiKeys[0]?.id ?? '';
  });

  // biome-ignore lint/suspicious/noExplicitAny: a GraphQL answer is JSON the tests read member by member and check with expect
  const graphql = async (query: string): Promise<Record<string, any>> =>
    (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ query }),
      })
    ).json() as Promise<Record<string, unknown>>;

  it('calls a data source whose ServiceRoleArn IAM lets make the call', async () => {
    expect(await graphql('{ allowed }')).toEqual({ data: { allowed: null } });
  });

  it("fails a field whose data source's role may not make the call, naming the action", async () => {
    const answer = await graphql('{ refused }');
    expect(answer.data).toEqual({ refused: null });
    expect(answer.errors).toEqual([
      expect.objectContaining({
        path: ['refused'],
        errorType: 'DynamoDB:AccessDeniedException',
        message: expect.stringContaining('dynamodb:GetItem'),
      }),
    ]);
  });

  it('puts events on the bus through an EventBridge data source', async () => {
    const answer = await graphql('{ publish }');
    expect(JSON.parse(answer.data.publish)).toEqual({ Entries: [{ EventId: expect.any(String) }], FailedEntryCount: 0 });
  });

  it("puts the events in the GraphQL request's trace, under the request's span", async () => {
    const traceId = randomBytes(16).toString('hex');
    await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': key,
        'x-amzn-trace-id': `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)}`,
      },
      body: JSON.stringify({ query: '{ publish }' }),
    });
    const spans = spansOfOtlpJson(await (await fetch(`${local.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.traces}${traceId}`)).json());
    const request = spans.find((span) => span.name === 'graphql Query.publish');
    expect(request?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spans.find((span) => span.name === 'PutEvents default')).toMatchObject({ traceId, parentSpanId: request?.spanId });
  });
});
