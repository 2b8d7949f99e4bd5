import type { ServiceModule } from '../services/service-module.js';
import { HTTP_API_RESOURCE_TYPES, httpApiDefinitions } from './definitions.js';
import { HttpApiService } from './http-api-service.js';
import { REST_API_RESOURCE_TYPES, restApiDefinitions } from './rest-api-definitions.js';
import { RestApiService } from './rest-api-service.js';

/** API Gateway's REST and HTTP APIs (HTTP APIs serve the REST ones' URLs too). */
export interface LocalApiGateway {
  readonly restApis: RestApiService;
  readonly httpApis: HttpApiService;
}

declare module '../services/service-module.js' {
  interface ServiceTypes {
    apigateway: LocalApiGateway;
  }
}

/** API Gateway: the template's REST and HTTP APIs in front of the local functions. */
export const apiGatewayModule: ServiceModule<'apigateway'> = {
  name: 'apigateway',
  needs: ['template', 'lambda', 'logs'],
  resourceTypes: [...HTTP_API_RESOURCE_TYPES, ...REST_API_RESOURCE_TYPES],
  create({ settings, services, warn }) {
    const { clock, accountId, region } = settings;
    const { app } = services.get('template');
    const httpTemplate = httpApiDefinitions(app);
    warn(httpTemplate.warnings);
    const restTemplate = restApiDefinitions(app);
    warn(restTemplate.warnings);
    const lambda = services.get('lambda');
    const logs = services.get('logs');
    const restApis = new RestApiService({
      apis: restTemplate.apis,
      lambda,
      logs,
      clock,
      accountId,
      region,
      // `AWS` service integrations call the runtime's own endpoint, signed as its own clients sign.
      awsEndpoint: { url: settings.url, credentials: settings.credentials },
      log: (line) => settings.log(`[apigateway] ${line}`),
    });
    const httpApis = new HttpApiService({ apis: httpTemplate.apis, lambda, logs, clock, accountId, region, restApis });
    return { service: { restApis, httpApis }, mounts: { httpApis } };
  },
};
