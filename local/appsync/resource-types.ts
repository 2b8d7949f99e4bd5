import { derivedId } from '../cognito-idp/resource-types.js';
import { arn, type IdentityInput, type ResourceTypes, text, unnamed } from '../template/resource-spec.js';

const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Where the endpoint serves an API's GraphQL requests: `<endpoint>/_aws/appsync/<apiId>/graphql` (or the Host `<apiId>.appsync-api.localhost`). */
export const GRAPHQL_PATH_PREFIX = '/_aws/appsync/';

/** The local stand-in of `https://<id>.appsync-api.<region>.amazonaws.com/graphql`. */
export const graphqlUrl = (baseUrl: string, apiId: string) => `${baseUrl}${GRAPHQL_PATH_PREFIX}${apiId}/graphql`;

/** The real-time endpoint's local stand-in (`wss://<id>.appsync-realtime-api.<region>.amazonaws.com/graphql`): `<GraphQLUrl>/realtime`, where Amplify addresses an API on a custom domain. */
export const realtimeUrl = (baseUrl: string, apiId: string) => `${graphqlUrl(baseUrl, apiId).replace(/^http/, 'ws')}/realtime`;

/** An Event API's local `Dns.Http` and `Dns.Realtime`: the endpoint's host and the API's path (`<host>/_aws/appsync/<apiId>`), under which `/event` and `/event/realtime` are served. */
export const eventApiDns = (baseUrl: string, apiId: string) => `${new URL(baseUrl).host}${GRAPHQL_PATH_PREFIX}${apiId}`;

const seedOf = (input: IdentityInput) => `${input.accountId}/${input.region}/${input.stackName}/${input.logicalId}`;

/** An API's id as AppSync writes it: 26 lower-case letters and digits, the same at every start. */
export const appSyncApiId = (input: IdentityInput) => derivedId(seedOf(input), LOWER_ALPHANUMERIC, 26);

/** The API id a part of an API (`ApiId`) names; a part without one gets an empty id (its definition is then left out, named). */
const apiIdOf = (input: IdentityInput) => text(input.properties, 'ApiId') ?? '';

/**
 * AppSync's resource types as the template loader names them, with their return values
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-appsync-graphqlapi.html#aws-resource-appsync-graphqlapi-return-values):
 * Ref of an API, data source, resolver, function or API key is its ARN.
 */
export const APPSYNC_RESOURCE_TYPES: ResourceTypes = {
  'AWS::AppSync::GraphQLApi': {
    name: { property: 'Name', max: 65536, invalid: /[^\w\s-]/g },
    identify: (input) => {
      const id = appSyncApiId(input);
      const apiArn = arn(input, 'appsync', `apis/${id}`);
      const url = graphqlUrl(input.baseUrl, id);
      const realtime = realtimeUrl(input.baseUrl, id);
      return {
        ref: apiArn,
        attributes: {
          ApiId: id,
          Arn: apiArn,
          GraphQLUrl: url,
          GraphQLDns: new URL(url).host,
          RealtimeUrl: realtime,
          RealtimeDns: new URL(realtime).host,
          GraphQLEndpointArn: apiArn,
        },
      };
    },
  },
  // An Event API (AppSync Events): its Dns.Http and Dns.Realtime are hosts AWS serves `/event` and
  // `/event/realtime` on; locally the endpoint with the API's path, so `https://${Dns.Http}/event`
  // names the right path (over http: docs/local-runtime/appsync.md).
  'AWS::AppSync::Api': {
    name: { property: 'Name', max: 50, invalid: /[^\w\s-]/g },
    identify: (input) => {
      const id = appSyncApiId(input);
      const apiArn = arn(input, 'appsync', `apis/${id}`);
      const dns = eventApiDns(input.baseUrl, id);
      return { ref: apiArn, attributes: { ApiId: id, ApiArn: apiArn, 'Dns.Http': dns, 'Dns.Realtime': dns } };
    },
  },
  'AWS::AppSync::ChannelNamespace': {
    name: { property: 'Name', max: 50, invalid: /[^\w-]/g },
    identify: (input, name) => {
      const namespaceArn = arn(input, 'appsync', `apis/${apiIdOf(input)}/channelNamespace/${name}`);
      return { ref: namespaceArn, attributes: { ChannelNamespaceArn: namespaceArn } };
    },
  },
  'AWS::AppSync::GraphQLSchema': unnamed(),
  'AWS::AppSync::ApiKey': {
    name: { max: 128, invalid: /[^\w-]/g },
    identify: (input) => {
      const keyId = `da2-${derivedId(seedOf(input), LOWER_ALPHANUMERIC, 26)}`;
      const keyArn = arn(input, 'appsync', `apis/${apiIdOf(input)}/apikeys/${keyId}`);
      return { ref: keyArn, attributes: { ApiKey: keyId, ApiKeyId: keyId, Arn: keyArn } };
    },
  },
  'AWS::AppSync::DataSource': {
    name: { property: 'Name', max: 65536, invalid: /[^\w]/g },
    identify: (input, name) => {
      const dataSourceArn = arn(input, 'appsync', `apis/${apiIdOf(input)}/datasources/${name}`);
      return { ref: dataSourceArn, attributes: { DataSourceArn: dataSourceArn, Name: name } };
    },
  },
  'AWS::AppSync::Resolver': {
    name: { max: 65536, invalid: /[^\w]/g },
    identify: (input) => {
      const type = text(input.properties, 'TypeName') ?? '';
      const field = text(input.properties, 'FieldName') ?? '';
      const resolverArn = arn(input, 'appsync', `apis/${apiIdOf(input)}/types/${type}/resolvers/${field}`);
      return { ref: resolverArn, attributes: { ResolverArn: resolverArn, TypeName: type, FieldName: field } };
    },
  },
  'AWS::AppSync::FunctionConfiguration': {
    name: { property: 'Name', max: 65536, invalid: /[^\w]/g },
    identify: (input, name) => {
      const functionId = derivedId(seedOf(input), LOWER_ALPHANUMERIC, 26);
      const functionArn = arn(input, 'appsync', `apis/${apiIdOf(input)}/functions/${functionId}`);
      return {
        ref: functionArn,
        attributes: {
          FunctionArn: functionArn,
          FunctionId: functionId,
          Name: name,
          DataSourceName: text(input.properties, 'DataSourceName') ?? '',
        },
      };
    },
  },
};
