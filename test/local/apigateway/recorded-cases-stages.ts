import { CreateDeploymentCommand, GetStagesCommand, PutIntegrationCommand, PutMethodCommand } from '@aws-sdk/client-api-gateway';
import type { Replay } from './recorded-replay.js';

/** The recorded tests of stages (TestApiGatewayStage) whose operations are served, replayed call by call as test_apigateway_api.py makes them. */
export const STAGE_CASES: Record<string, Replay> = {
  async 'TestApiGatewayStage::test_get_stages_filters_by_deployment_id'(c) {
    // The test's create_api_for_deployment: a MOCK GET on the root.
    const api = await c.api();
    const restApiId = String(api.id);
    const ids = { restApiId, resourceId: String(api.rootResourceId), httpMethod: 'GET' };
    await c.send(new PutMethodCommand({ ...ids, authorizationType: 'NONE' }));
    await c.send(new PutIntegrationCommand({ ...ids, type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }));
    const first = await c.send<{ id: string }>(new CreateDeploymentCommand({ restApiId, stageName: 'stage1' }));
    const second = await c.send<{ id: string }>(new CreateDeploymentCommand({ restApiId, stageName: 'stage2' }));
    return {
      'all-stages': await c.call(new GetStagesCommand({ restApiId })),
      'stages-deploy1': await c.call(new GetStagesCommand({ restApiId, deploymentId: first.id })),
      'stages-deploy2': await c.call(new GetStagesCommand({ restApiId, deploymentId: second.id })),
    };
  },
};
