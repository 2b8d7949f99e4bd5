import { readFileSync } from 'node:fs';
import type { LoadedApp, LoadedResource } from '../template/load.js';
import { whereOf } from '../template/not-run.js';
import type { Json } from '../template/resolve.js';
import { tagMap } from '../template/tags.js';

/** An authorization mode of an API: its default or one of its AdditionalAuthenticationProviders. */
export interface AuthProvider {
  readonly type: 'API_KEY' | 'AWS_IAM' | 'AMAZON_COGNITO_USER_POOLS' | 'OPENID_CONNECT' | 'AWS_LAMBDA';
  readonly userPoolId?: string;
  readonly appIdClientRegex?: string;
  readonly issuer?: string;
  readonly clientId?: string;
  readonly authorizerUri?: string;
}

/** A data source as the resolvers reach it. */
export interface DataSourceDefinition {
  readonly name: string;
  readonly type: string;
  readonly lambdaArn?: string;
  readonly tableName?: string;
  readonly httpEndpoint?: string;
  /** An HTTP data source's SigV4 signing (AuthorizationConfig AWS_IAM): the service and region it signs for. */
  readonly httpSigning?: { readonly service: string; readonly region?: string };
  readonly eventBusArn?: string;
  readonly serviceRoleArn?: string;
}

/** What runs one step: a unit resolver, a pipeline function, or a pipeline's before and after. */
export interface ResolverCode {
  readonly request?: string;
  readonly response?: string;
  /** APPSYNC_JS code (Runtime APPSYNC_JS); VTL when undefined. */
  readonly code?: string;
}

export interface FunctionDefinition extends ResolverCode {
  readonly id: string;
  readonly name: string;
  readonly dataSourceName: string;
}

export interface ResolverDefinition extends ResolverCode {
  readonly typeName: string;
  readonly fieldName: string;
  readonly kind: 'UNIT' | 'PIPELINE';
  readonly dataSourceName?: string;
  readonly functionIds: readonly string[];
}

export interface ApiKeyDefinition {
  readonly id: string;
  /** Seconds since the epoch; undefined: AppSync's default of 7 days from creation, which locally never passes. */
  readonly expires?: number;
}

export interface GraphqlApiDefinition {
  readonly id: string;
  readonly name: string;
  readonly arn: string;
  readonly url: string;
  readonly realtimeUrl: string;
  readonly auth: readonly AuthProvider[];
  readonly schema: string;
  readonly apiKeys: readonly ApiKeyDefinition[];
  readonly dataSources: ReadonlyMap<string, DataSourceDefinition>;
  readonly resolvers: readonly ResolverDefinition[];
  readonly functions: ReadonlyMap<string, FunctionDefinition>;
  readonly where: string;
  /** The template's Tags: the API's tags again at each start. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface AppSyncDefinitions {
  readonly apis: readonly GraphqlApiDefinition[];
  readonly warnings: string[];
}

type Props = Record<string, Json>;

const str = (value: Json | undefined): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const obj = (value: Json | undefined): Props => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {});

/** Data source types no local resolver reaches: the start-up report names them. */
const NOT_RUN_DATA_SOURCES = new Set(['RELATIONAL_DATABASE', 'AMAZON_OPENSEARCH_SERVICE', 'AMAZON_ELASTICSEARCH']);

function authProvider(p: Props): AuthProvider {
  const type = str(p.AuthenticationType) as AuthProvider['type'];
  const pool = obj(p.UserPoolConfig ?? p.CognitoUserPoolConfig);
  const oidc = obj(p.OpenIDConnectConfig);
  const lambda = obj(p.LambdaAuthorizerConfig);
  return {
    type,
    ...(str(pool.UserPoolId) ? { userPoolId: str(pool.UserPoolId) } : {}),
    ...(str(pool.AppIdClientRegex) ? { appIdClientRegex: str(pool.AppIdClientRegex) } : {}),
    ...(str(oidc.Issuer) ? { issuer: str(oidc.Issuer) } : {}),
    ...(str(oidc.ClientId) ? { clientId: str(oidc.ClientId) } : {}),
    ...(str(lambda.AuthorizerUri) ? { authorizerUri: str(lambda.AuthorizerUri) } : {}),
  };
}

/**
 * A template's request/response mapping template or code. APPSYNC_JS code in S3 (CDK's
 * Code.fromAsset writes `CodeS3Location`) is read from the cloud assembly's asset; mapping
 * templates in S3 are not read (CDK's fromFile writes them inline), so warned of.
 */
function codeOf(r: LoadedResource, warnings: string[]): ResolverCode {
  const p = r.properties;
  for (const key of ['RequestMappingTemplateS3Location', 'ResponseMappingTemplateS3Location']) {
    if (p[key] !== undefined)
      warnings.push(`${whereOf(r)}: its ${key} is not read locally (write it inline: CDK's fromFile does); it runs without it`);
  }
  const runtime = obj(p.Runtime);
  const js = str(runtime.Name) === 'APPSYNC_JS';
  return {
    ...(str(p.RequestMappingTemplate) ? { request: str(p.RequestMappingTemplate) } : {}),
    ...(str(p.ResponseMappingTemplate) ? { response: str(p.ResponseMappingTemplate) } : {}),
    ...(js ? { code: str(p.Code) ?? assetCode(r, warnings) ?? '' } : {}),
  };
}

/** The code file `CodeS3Location` names, when it is an asset of the cloud assembly (else warned of: the resolver runs no code). */
function assetCode(r: LoadedResource, warnings: string[]): string | undefined {
  if (r.properties.CodeS3Location === undefined) return undefined;
  if (r.assetPath === undefined) {
    warnings.push(`${whereOf(r)}: its CodeS3Location is not a file of the cloud assembly, so its code cannot be read; its fields fail`);
    return undefined;
  }
  try {
    return readFileSync(r.assetPath, 'utf8');
  } catch (error) {
    warnings.push(`${whereOf(r)}: its code file ${r.assetPath} cannot be read (${(error as Error).message}); its fields fail`);
    return undefined;
  }
}

/** The template's GraphQL APIs with their schema, keys, data sources, functions and resolvers, joined by ApiId. */
export function appSyncDefinitions(app: LoadedApp): AppSyncDefinitions {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const warnings: string[] = [];
  const ofType = (type: string) => resources.filter((r) => r.type === `AWS::AppSync::${type}`);
  const apiIds = new Set(ofType('GraphQLApi').map((r) => r.attributes.ApiId));
  const eventApiIds = new Set(ofType('Api').map((r) => r.attributes.ApiId));
  // A part whose ApiId names no API of the app belongs to none: left out, named (an Event API's key is its own).
  const partsOf = (type: string) =>
    ofType(type).filter((r) => {
      if (apiIds.has(String(r.properties.ApiId))) return true;
      if (type === 'ApiKey' && eventApiIds.has(String(r.properties.ApiId))) return false;
      warnings.push(`${whereOf(r)}: its ApiId ${JSON.stringify(r.properties.ApiId)} is none of the app's AppSync APIs; it is left out`);
      return false;
    });
  const schemas = partsOf('GraphQLSchema');
  const keys = partsOf('ApiKey');
  const sources = partsOf('DataSource');
  const functions = partsOf('FunctionConfiguration');
  const resolvers = partsOf('Resolver');
  const apis = ofType('GraphQLApi').map((r): GraphqlApiDefinition => {
    const id = r.attributes.ApiId as string;
    const mine = (parts: LoadedResource[]) => parts.filter((part) => part.properties.ApiId === id);
    const p = r.properties;
    const schemaResource = mine(schemas)[0];
    // CDK's SchemaFile and an L1's Definition put the text in the template; an S3 location is not read locally.
    const schema = str(schemaResource?.properties.Definition) ?? str(p.Definition) ?? '';
    if (schema === '') warnings.push(`${whereOf(r)}: no schema text (Definition) found; its requests are refused`);
    const extra = Array.isArray(p.AdditionalAuthenticationProviders) ? p.AdditionalAuthenticationProviders : [];
    const dataSources = new Map(mine(sources).map((source) => [source.physicalName, dataSourceOf(source, warnings)]));
    return {
      id,
      name: r.physicalName,
      arn: r.attributes.Arn as string,
      url: r.attributes.GraphQLUrl as string,
      realtimeUrl: r.attributes.RealtimeUrl as string,
      tags: tagMap(p.Tags),
      auth: [authProvider(p), ...extra.map((e) => authProvider(obj(e)))],
      schema,
      apiKeys: mine(keys).map((k) => ({
        id: k.attributes.ApiKey as string,
        ...(typeof k.properties.Expires === 'number' ? { expires: k.properties.Expires } : {}),
      })),
      dataSources,
      functions: new Map(
        mine(functions).map((f) => [
          f.attributes.FunctionId as string,
          {
            id: f.attributes.FunctionId as string,
            name: f.physicalName,
            dataSourceName: str(f.properties.DataSourceName) ?? '',
            ...codeOf(f, warnings),
          },
        ]),
      ),
      resolvers: mine(resolvers).map((res) => resolverOf(res, warnings)),
      where: whereOf(r),
    };
  });
  return { apis, warnings };
}

function dataSourceOf(source: LoadedResource, warnings: string[]): DataSourceDefinition {
  const sp = source.properties;
  const type = str(sp.Type) ?? 'NONE';
  if (NOT_RUN_DATA_SOURCES.has(type)) warnings.push(`${whereOf(source)}: data source type ${type} is not run locally; its resolvers fail`);
  const optional = (name: string, value: string | undefined) => (value === undefined ? {} : { [name]: value });
  return {
    name: source.physicalName,
    type,
    ...optional('lambdaArn', str(obj(sp.LambdaConfig).LambdaFunctionArn)),
    ...optional('tableName', str(obj(sp.DynamoDBConfig).TableName)),
    ...optional('httpEndpoint', str(obj(sp.HttpConfig).Endpoint)),
    ...httpSigningOf(obj(obj(sp.HttpConfig).AuthorizationConfig)),
    ...optional('eventBusArn', str(obj(sp.EventBridgeConfig).EventBusArn)),
    ...optional('serviceRoleArn', str(sp.ServiceRoleArn)),
  };
}

/** AuthorizationConfig `AWS_IAM`'s signing service and region, when an HTTP data source signs its requests. */
function httpSigningOf(config: Props): { httpSigning?: DataSourceDefinition['httpSigning'] } {
  const iam = obj(config.AwsIamConfig);
  const service = str(iam.SigningServiceName);
  if (str(config.AuthorizationType) !== 'AWS_IAM' || service === undefined) return {};
  const region = str(iam.SigningRegion);
  return { httpSigning: { service, ...(region === undefined ? {} : { region }) } };
}

function resolverOf(res: LoadedResource, warnings: string[]): ResolverDefinition {
  const rp = res.properties;
  const functionIds = obj(rp.PipelineConfig).Functions;
  return {
    typeName: str(rp.TypeName) ?? '',
    fieldName: str(rp.FieldName) ?? '',
    kind: str(rp.Kind) === 'PIPELINE' ? 'PIPELINE' : 'UNIT',
    ...(str(rp.DataSourceName) ? { dataSourceName: str(rp.DataSourceName) } : {}),
    functionIds: Array.isArray(functionIds) ? functionIds.map(String) : [],
    ...codeOf(res, warnings),
  };
}
