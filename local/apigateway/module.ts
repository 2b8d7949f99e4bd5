import type { JsonWebKey } from 'node:crypto';
import type { LocalUrl, LocalUrlContext } from '../cloudformation/local-urls.js';
import { AwsError } from '../endpoint/aws-error.js';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelRestJsonProtocol } from '../endpoint/model-protocols/rest-json-codec.js';
import { loadModel } from '../endpoint/validation/model.js';
import { modelValidator } from '../endpoint/validation/validator.js';
import type { IamCheck } from '../iam/iam-check.js';
import type { LambdaService } from '../lambda/lambda-service.js';
import { apiOperations, operationTable } from '../service-registry/operation-table.js';
import type { ServiceModule, ServiceTypes } from '../service-registry/service-module.js';
import type { LoadedApp, LoadedResource } from '../template/load.js';
import type { LocalUserPools } from './authorizers/user-pools.js';
import { httpApiDefinitions } from './definitions.js';
import { HttpApiService, type HttpApiUrl } from './http-api-service.js';
import { apiGatewayIam } from './iam-authorizations.js';
import type { LambdaInvoker } from './lambda-invoker.js';
import { API_GATEWAY_RESOURCE_TYPES } from './resource-types.js';
import { RestApiControl } from './rest-api-control.js';
import { restApiDefinitions } from './rest-api-definitions.js';
import { RestApiEdits } from './rest-api-edits.js';
import { RestApiMethodEdits } from './rest-api-method-edits.js';
import { RestApiModels } from './rest-api-models.js';
import { RestApiService } from './rest-api-service.js';
import { RestApiStore } from './rest-api-store.js';
import { RestApiTags } from './rest-api-tags.js';
import { apiLines, apiTryIt } from './startup-lines.js';
import { apiGatewayStepFunctions } from './step-functions.js';

/** API Gateway's REST and HTTP APIs (HTTP APIs serve the REST ones' URLs too). */
export interface LocalApiGateway {
  readonly restApis: RestApiService;
  readonly httpApis: HttpApiService;
  /** Each REST and HTTP API stage's local URL, with its routes (API Gateway's `https://<api-id>.execute-api...` stands in for these). */
  urls(): HttpApiUrl[];
}

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    apigateway: LocalApiGateway;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    apigateway: 'apigateway';
  }
}

/**
 * API Gateway: the template's REST and HTTP APIs in front of the local functions, the REST APIs
 * its API makes (kept in the data folder), and Step Functions' `apigateway:invoke`.
 */
export const apiGatewayModule: ServiceModule<'apigateway', ReturnType<typeof apiDefinitions>> = {
  name: 'apigateway',
  iam: apiGatewayIam,
  // The operations it serves are RestApiControl's methods.
  apis: [
    {
      model: 'apigateway',
      operations: [
        ...apiOperations(RestApiControl),
        ...apiOperations(RestApiEdits),
        ...apiOperations(RestApiMethodEdits),
        ...apiOperations(RestApiModels),
        ...apiOperations(RestApiTags),
      ],
      protocolFromModel: true,
    },
  ],
  sdkClients: [{ package: '@aws-sdk/client-api-gateway', serviceId: 'API Gateway' }],
  stepFunctions: apiGatewayStepFunctions,
  localUrls: apiLocalUrls,
  needs: ['lambda', 'logs', 'iam'],
  databases: ['apigateway'],
  resourceTypes: API_GATEWAY_RESOURCE_TYPES,
  definitions: apiDefinitions,
  create({ settings, services, database }, template) {
    const { clock, accountId, region } = settings;
    // API Gateway invokes a function as apigateway.amazonaws.com (the function's permission must let it in), or as the integration's role.
    const lambda = invokerFor(services.get('lambda'), () => services.get('iam'), accountId);
    const logs = services.get('logs');
    const awsEndpoint = {
      url: settings.url,
      credentials: settings.credentials,
      roleCredentials: (roleArn: string) => services.get('iam').principals.credentialsFor(roleArn, 'apigateway'),
    };
    const userPools = localUserPools(() => services.get('cognito'));
    const restApis = new RestApiService({
      apis: template.rest.apis,
      lambda,
      logs,
      clock,
      accountId,
      region,
      // `AWS` service integrations call the runtime's own endpoint, signed as their role's session (IAM checks it), else as its own clients sign.
      awsEndpoint,
      log: (line) => settings.log(`[apigateway] ${line}`),
      userPools,
    });
    const httpApis = new HttpApiService({
      apis: template.http.apis,
      lambda,
      logs,
      clock,
      accountId,
      region,
      restApis,
      // Service integrations go through the same loopback client as the REST APIs' `AWS` integrations.
      awsEndpoint,
      log: (line) => settings.log(`[apigateway] ${line}`),
      userPools,
    });
    const control = new RestApiControl({
      store: new RestApiStore(database('apigateway'), region),
      deployed: restApis,
      clock,
      accountId,
      log: (line) => settings.log(`[apigateway] ${line}`),
    });
    return {
      service: { restApis, httpApis, urls: () => httpApis.urls(settings.url) },
      mounts: { httpApis: [httpApis], rest: [restApiProtocol(control)] },
    };
  },
  report: (apigateway, { url }) => ({ serves: apiLines(apigateway.urls(), url), ...apiTryIt(apigateway.urls()) }),
};

/**
 * API Gateway's REST-JSON protocol over the REST API operations, from its model: every path
 * under `/restapis`, and `/tags/` of its own ARNs, is its own (a method or path none of its routes
 * takes is its UnknownOperationException); its other routes (`/apikeys`, ...) are not.
 */
function restApiProtocol(control: RestApiControl): ModelRestJsonProtocol {
  return new ModelRestJsonProtocol(
    loadModel('apigateway'),
    {
      ...operationTable(control, RestApiControl),
      ...operationTable(new RestApiEdits(control), RestApiEdits),
      ...operationTable(new RestApiMethodEdits(control), RestApiMethodEdits),
      ...operationTable(new RestApiModels(control), RestApiModels),
      ...operationTable(new RestApiTags(control), RestApiTags),
    } as ModelOperations,
    {
      serviceName: 'API Gateway',
      // Its refusals name the operation's input, come body first and list enums in its Java sets' order (as recorded).
      validate: modelValidator('apigateway', { inputNamed: true, bodyFirst: true, enumOrders: API_GATEWAY_ENUM_ORDERS }),
    },
    // `/tags/<ARN>` is many services' path: API Gateway's are those of its ARNs, whose `/` (`::/restapis/<id>`) the decoded path holds.
    { paths: /^\/(restapis(\/|$)|tags\/arn:[^:/]+:apigateway:)/, greedyLabels: ['resource_arn'] },
  );
}

/** The enums API Gateway lists in its refusals in another order than its model's (LocalStack's recordings). */
const API_GATEWAY_ENUM_ORDERS = [
  ['PRIVATE', 'EDGE', 'REGIONAL'],
  ['add', 'remove', 'move', 'test', 'replace', 'copy'],
  ['HTTP', 'MOCK', 'AWS_PROXY', 'HTTP_PROXY', 'AWS'],
];

/**
 * The local Cognito pools for the authorizers, looked up at each request (the Cognito service
 * is created after this one): a pool's local issuer and its JWKS.
 */
function localUserPools(cognito: () => ServiceTypes['cognito']): LocalUserPools {
  return (poolId) => {
    const { context } = cognito();
    if (context.store.pools.get(poolId) === undefined) return undefined;
    return { id: poolId, issuer: context.issuer(poolId), keys: context.keys.jwks(poolId).keys as JsonWebKey[] };
  };
}

/** The template's HTTP and REST APIs, with what does not run of them. */
function apiDefinitions(app: LoadedApp) {
  const http = httpApiDefinitions(app);
  const rest = restApiDefinitions(app);
  return { http, rest, warnings: [...http.warnings, ...rest.warnings] };
}

/**
 * Lambda as API Gateway reaches it under IAM: each invocation a method or authorizer makes is
 * authorized first, as `apigateway.amazonaws.com` with the method's or authorizer's
 * `execute-api` ARN as `aws:SourceArn` (what CDK's LambdaIntegration permission names), or
 * as the integration's credentials role. A refusal rejects: API Gateway answers 500
 * ("Execution failed due to configuration error: Invalid permissions on Lambda function").
 */
function invokerFor(lambda: LambdaService, iam: () => IamCheck, accountId: string): LambdaInvoker {
  return {
    invoke: async (functionNameOrArn, event, caller, invocationType) => {
      if (caller !== undefined) {
        const from = caller.roleArn
          ? ({ kind: 'role', roleArn: caller.roleArn, sessionName: 'apigateway' } as const)
          : ({ kind: 'service', service: 'apigateway.amazonaws.com' } as const);
        const source = { arn: caller.sourceArn, account: accountId };
        const refusal = await iam().authorizeDelivery(from, functionNameOrArn, source, `API Gateway ${caller.sourceArn}`);
        if (refusal) {
          throw new AwsError(
            'AccessDeniedException',
            `Execution failed due to configuration error: Invalid permissions on Lambda function (${refusal.message})`,
            403,
          );
        }
      }
      if (invocationType === 'Event') {
        await lambda.invokeAsync(functionNameOrArn, event);
        return { ok: true, payload: '' };
      }
      return lambda.invoke(functionNameOrArn, event);
    },
  };
}

/**
 * The template's REST and HTTP APIs at `https://<api-id>.execute-api.<region>.amazonaws.com`
 * (the HTTP API's `ApiEndpoint`, the host of CDK's `url` for both), served path-style here
 * (`/_aws/execute-api/<api-id>/<stage>/<path>`, the stage optional for an HTTP API's `$default`).
 * A WebSocket API is not served, so its `wss://` address stays.
 */
function apiLocalUrls(resources: readonly LoadedResource[], { url, region }: LocalUrlContext): LocalUrl[] {
  return resources
    .filter(
      (r) => r.type === 'AWS::ApiGateway::RestApi' || (r.type === 'AWS::ApiGatewayV2::Api' && r.properties.ProtocolType !== 'WEBSOCKET'),
    )
    .map((r) => ({ aws: `https://${r.ref}.execute-api.${region}.amazonaws.com`, local: `${url}/_aws/execute-api/${r.ref}` }));
}
