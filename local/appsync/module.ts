import { JwksSource } from '../apigateway/authorizers/jwks.js';
import { LoopbackAwsClient } from '../apigateway/rest-api-aws-client.js';
import { sdkDynamoDb } from '../dynamodb/step-functions.js';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelRestJsonProtocol } from '../endpoint/model-protocols/rest-json-codec.js';
import { loadModel } from '../endpoint/validation/model.js';
import { modelValidator } from '../endpoint/validation/validator.js';
import { apiOperations, operationTable } from '../service-registry/operation-table.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { TagStore } from '../store/tag-store.js';
import { AppSyncControl, templateTags } from './control-plane.js';
import { appSyncDefinitions } from './definitions.js';
import { eventApiDefinitions } from './event-api/definitions.js';
import { APPSYNC_RESOURCE_TYPES } from './resource-types.js';
import { AppSyncService } from './service.js';
import { appSyncLines, eventApiLines } from './startup-lines.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    appsync: AppSyncService;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    appsync: 'appsync';
  }
}

/**
 * AppSync: the template's GraphQL APIs served on the endpoint, their resolvers (VTL unit and
 * pipeline, APPSYNC_JS through its evaluator) over Lambda, DynamoDB, NONE, HTTP and
 * EventBridge data sources, and their auth modes; and the template's Event APIs (AppSync Events:
 * publish over HTTP and WebSocket, subscriptions by channel) (docs/local-runtime/appsync.md).
 */
export const appSyncModule: ServiceModule<
  'appsync',
  ReturnType<typeof appSyncDefinitions> & { eventApis: ReturnType<typeof eventApiDefinitions> }
> = {
  name: 'appsync',
  // The control plane's reads and tags; the GraphQL APIs themselves are served as front doors (service.ts).
  apis: [{ model: 'appsync', operations: apiOperations(AppSyncControl), protocolFromModel: true }],
  needs: ['iam', 'lambda', 'dynamodb', 'events', 'cognito', 'bedrock', 'traces'],
  // Only the GraphQL APIs' tags: the APIs are the template's, read again at each start.
  databases: ['appsync'],
  resourceTypes: APPSYNC_RESOURCE_TYPES,
  // A GraphQL API's parts serve the next request (service.ts reload); Event APIs apply after a restart.
  reloads: {
    types: [
      'AWS::AppSync::GraphQLApi',
      'AWS::AppSync::GraphQLSchema',
      'AWS::AppSync::ApiKey',
      'AWS::AppSync::DataSource',
      'AWS::AppSync::Resolver',
      'AWS::AppSync::FunctionConfiguration',
    ],
  },
  definitions: (app) => {
    const graphql = appSyncDefinitions(app);
    return { ...graphql, eventApis: eventApiDefinitions(app, graphql.warnings) };
  },
  async create({ settings, services, database }, template) {
    const { clock, region, accountId } = settings;
    const tags = templateTags(new TagStore(database('appsync')), template.apis);
    // DynamoDB data sources reach the engine's own port (its thread serves DynamoDB), as Step Functions' tasks do.
    let dynamodb: ReturnType<typeof sdkDynamoDb> | undefined;
    const { spans } = services.get('traces');
    const service = await AppSyncService.start({
      // Each request's span, the parent of its resolvers' calls' (local/traces/graphql-spans.ts).
      onRequest: (note) => spans.graphqlRequest(note),
      apis: template.apis,
      eventApis: template.eventApis,
      now: () => clock.now(),
      log: (line) => settings.log(`[appsync] ${line}`),
      dataSources: {
        region,
        accountId,
        log: (line) => settings.log(`[appsync] ${line}`),
        // HTTP data sources to an AWS service's host reach the local service, signed as their role (IAM checks it).
        aws: new LoopbackAwsClient(
          {
            url: settings.url,
            credentials: settings.credentials,
            roleCredentials: (roleArn) => services.get('iam').principals.credentialsFor(roleArn, 'appsync'),
          },
          region,
        ),
        // AppSync calls a data source as its ServiceRoleArn's session: IAM decides (under warn it records, under enforce it refuses).
        authorize: async (roleArn, action, resource, where) =>
          (await services.get('iam').authorize({ kind: 'role', roleArn, sessionName: 'appsync' }, [{ action, resource }], where))?.message,
        lambda: () => services.get('lambda'),
        events: () => services.get('events'),
        bedrock: () => services.get('bedrock'),
        dynamodb: () => {
          dynamodb ??= sdkDynamoDb({ endpoint: services.get('dynamodb').host.url, region, credentials: settings.credentials });
          return dynamodb;
        },
      },
      auth: {
        cognito: () => services.get('cognito'),
        lambda: () => services.get('lambda'),
        jwks: new JwksSource(process.env),
        guard: settings.guard,
        now: () => clock.now(),
        accountId,
      },
    });
    return {
      service,
      mounts: {
        httpApis: [service],
        rest: [
          controlProtocol(
            new AppSyncControl(
              () => service.apis,
              tags,
              (apiId) => [...service.apis, ...service.eventApis].find((api) => api.id === apiId)?.apiKeys,
              () => clock.now(),
            ),
          ),
        ],
      },
      reload: ({ app, before }) => {
        const graphql = appSyncDefinitions(app);
        // What the new template's APIs hold that AppSync would not run as written, said once: the last one's was said already.
        const said = new Set(appSyncDefinitions(before.app).warnings);
        for (const line of graphql.warnings) if (!said.has(line)) settings.log(`[appsync] ${line}`);
        return service.reload(graphql.apis);
      },
      stop: () => service.close(),
      close: () => dynamodb?.destroy(),
    };
  },
  report: async (appsync, { url }) => {
    const { apis, eventApis } = appsync;
    if (apis.length === 0 && eventApis.length === 0) return {};
    return {
      counts: {
        ...(apis.length > 0 ? { 'graphql apis': apis.length } : {}),
        ...(eventApis.length > 0 ? { 'event apis': eventApis.length } : {}),
      },
      serves: [...(apis.length > 0 ? appSyncLines(apis, url) : []), ...eventApiLines(eventApis)],
      ...(apis.length > 0 ? (await import('./try-it.js')).graphqlTryIt(apis) : {}),
    };
  },
};

/** AppSync's REST-JSON protocol from its model: every path under `/v1/apis` and `/v1/tags` is its own (an operation it does not serve is answered so, by name). */
function controlProtocol(control: AppSyncControl): ModelRestJsonProtocol {
  return new ModelRestJsonProtocol(
    loadModel('appsync'),
    operationTable(control, AppSyncControl) as ModelOperations,
    { serviceName: 'AppSync', validate: modelValidator('appsync') },
    // A GraphQL API's ARN holds `/` (`...:apis/<id>`) once the endpoint has decoded the path.
    { paths: /^\/v1\/(apis|tags)(\/|$)/, greedyLabels: ['resourceArn'] },
  );
}
