import {
  DeleteIntegrationResponseCommand,
  DeleteMethodResponseCommand,
  GetIntegrationCommand,
  GetIntegrationResponseCommand,
  GetMethodCommand,
  GetMethodResponseCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  UpdateIntegrationCommand,
  UpdateIntegrationResponseCommand,
  UpdateMethodResponseCommand,
} from '@aws-sdk/client-api-gateway';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded tests of integrations, integration responses and method responses
 * (TestApigatewayIntegration, TestApigatewayIntegrationResponse, TestApigatewayMethodResponse),
 * replayed call by call as test_apigateway_api.py makes them; each returns the answers by
 * snapshot key.
 */

type Operation = { op: string; path: string; value?: string };
type Ids = { restApiId: string; resourceId: string; httpMethod: string };

/** API Gateway's `${stageVariables.name}` reference (the VPC link test's connection id). */
const stageVariable = (name: string) => `\${stageVariables.${name}}`;

const MOCK_TEMPLATES = { 'application/json': '{"statusCode": 200}' };

/** A fresh API (with `description`) and the ids of its root's GET. */
async function rootGet(c: ReplayContext, description?: string): Promise<Ids> {
  const api = await c.api(description === undefined ? {} : { description });
  return { restApiId: String(api.id), resourceId: String(api.rootResourceId), httpMethod: 'GET' };
}

/** The root's GET with a MOCK integration, as most of these tests set it up. */
async function mockGet(c: ReplayContext): Promise<Ids> {
  const ids = await rootGet(c);
  await c.send(new PutMethodCommand({ ...ids, authorizationType: 'NONE' }));
  await c.send(new PutIntegrationCommand({ ...ids, type: 'MOCK', requestTemplates: MOCK_TEMPLATES }));
  return ids;
}

/** mockGet with a 200 method response with a header and a model. */
async function withMethodResponse(c: ReplayContext): Promise<Ids> {
  const ids = await mockGet(c);
  await c.send(
    new PutMethodResponseCommand({
      ...ids,
      statusCode: '200',
      responseParameters: { 'method.response.header.my-header': false },
      responseModels: { 'application/json': 'Empty' },
    }),
  );
  return ids;
}

const updateMethodResponse = (c: ReplayContext, ids: Ids, ops: Operation[], statusCode = '200') =>
  c.call(new UpdateMethodResponseCommand({ ...ids, statusCode, patchOperations: ops as never }));
const HEADER = '/responseParameters/method.response.header.my-header';
const MODEL = '/responseModels/application~1json';

export const INTEGRATION_CASES: Record<string, Replay> = {
  async 'TestApigatewayIntegration::test_put_integration_wrong_type'(c) {
    const ids = await rootGet(c, 'APIGW test PutIntegration Types');
    return { 'put-integration-wrong-type': await c.call(new PutIntegrationCommand({ ...ids, type: 'HTTPS_PROXY' as never })) };
  },

  async 'TestApigatewayIntegration::test_put_integration_response_templates'(c) {
    const ids = { ...(await rootGet(c, 'testing PutIntegrationResponse method exc')), httpMethod: 'POST' };
    await c.send(new PutMethodCommand({ ...ids, authorizationType: 'NONE' }));
    await c.send(new PutIntegrationCommand({ ...ids, integrationHttpMethod: 'GET', type: 'MOCK', requestTemplates: MOCK_TEMPLATES }));
    const put = (responseTemplates?: Record<string, string | null>) =>
      c.call(
        new PutIntegrationResponseCommand({
          ...ids,
          statusCode: '200',
          selectionPattern: '',
          responseTemplates: responseTemplates as never,
        }),
      );
    return {
      'put-integration-response-template-none': await put({ 'application/json': null }),
      'put-integration-response-template-empty': await put({ 'application/json': '' }),
      'put-integration-no-response-template': await put(),
    };
  },

  async 'TestApigatewayIntegration::test_create_integration_with_vpc_link'(c) {
    const ids = await rootGet(c);
    await c.send(new PutMethodCommand({ ...ids, authorizationType: 'NONE' }));
    const put = await c.call(
      new PutIntegrationCommand({
        ...ids,
        type: 'HTTP_PROXY',
        uri: 'http://my-vpclink-test-nlb-1234567890abcdef.us-east-1.amazonaws.com',
        integrationHttpMethod: 'GET',
        connectionType: 'VPC_LINK',
        connectionId: stageVariable('vpcLinkId'),
      }),
    );
    const got = await c.call(new GetIntegrationCommand(ids));
    const ops = [{ op: 'replace', path: '/connectionId', value: stageVariable('vpcLinkIdBeta') }];
    return {
      'put-integration-vpc-link': put,
      'get-integration-vpc-link': got,
      'update-integration-vpc-link': await c.call(new UpdateIntegrationCommand({ ...ids, patchOperations: ops as never })),
      'get-integration-update-vpc-link': await c.call(new GetIntegrationCommand(ids)),
    };
  },

  async 'TestApigatewayIntegration::test_get_integration_non_existent'(c) {
    const ids = await rootGet(c, 'APIGW test PutIntegration Types');
    const out: Answer = {
      'get-integration-no-api': await c.call(new GetIntegrationCommand({ ...ids, restApiId: 'a1b2c3d4' })),
      'get-integration-no-resource': await c.call(new GetIntegrationCommand({ ...ids, resourceId: 'a1b2c3d4' })),
      'get-integration-no-method': await c.call(new GetIntegrationCommand(ids)),
    };
    await c.send(new PutMethodCommand({ ...ids, authorizationType: 'NONE' }));
    return { ...out, 'get-integration-no-integration': await c.call(new GetIntegrationCommand(ids)) };
  },
};

export const INTEGRATION_RESPONSE_CASES: Record<string, Replay> = {
  async 'TestApigatewayIntegrationResponse::test_integration_response_wrong_api'(c) {
    const ids = { restApiId: 'wrong-api', resourceId: 'dummy-value', httpMethod: 'GET', statusCode: '200' };
    return {
      'put-integration-response-wrong-api': await c.call(new PutIntegrationResponseCommand(ids)),
      'get-integration-response-wrong-api': await c.call(new GetIntegrationResponseCommand(ids)),
    };
  },

  async 'TestApigatewayIntegrationResponse::test_integration_response_wrong_resource'(c) {
    const ids = { ...(await rootGet(c, 'APIGW test Integration Resource')), resourceId: 'wrong-resource', statusCode: '200' };
    return {
      'put-integration-response-wrong-resource': await c.call(new PutIntegrationResponseCommand(ids)),
      'get-integration-response-wrong-resource': await c.call(new GetIntegrationResponseCommand(ids)),
    };
  },

  async 'TestApigatewayIntegrationResponse::test_integration_response_wrong_method'(c) {
    const ids = { ...(await rootGet(c, 'APIGW test Integration Method')), httpMethod: 'wrong-method', statusCode: '200' };
    return {
      'put-integration-response-wrong-method': await c.call(new PutIntegrationResponseCommand(ids)),
      'get-integration-response-wrong-method': await c.call(new GetIntegrationResponseCommand(ids)),
    };
  },

  async 'TestApigatewayIntegrationResponse::test_integration_response_invalid_statuscode'(c) {
    const ids = { ...(await rootGet(c, 'APIGW test Integration Invalid StatusCode')), statusCode: 'wrong' };
    return {
      'put-integration-response-invalid-statusCode': await c.call(
        new PutIntegrationResponseCommand({ ...ids, responseTemplates: { 'application/json': '"created"' }, selectionPattern: '' }),
      ),
      'get-integration-response-invalid-statusCode': await c.call(new GetIntegrationResponseCommand(ids)),
    };
  },

  async 'TestApigatewayIntegrationResponse::test_integration_response_invalid_integration'(c) {
    const ids = await rootGet(c);
    await c.send(new PutMethodCommand({ ...ids, authorizationType: 'NONE' }));
    return {
      'get-integration-response-without-integration': await c.call(new GetIntegrationResponseCommand({ ...ids, statusCode: '200' })),
    };
  },

  async 'TestApigatewayIntegrationResponse::test_integration_response_wrong_status_code'(c) {
    const ids = await mockGet(c);
    return { 'get-integration-response-wrong-status-code': await c.call(new GetIntegrationResponseCommand({ ...ids, statusCode: '201' })) };
  },

  async 'TestApigatewayIntegrationResponse::test_lifecycle_integration_response'(c) {
    const ids = { ...(await mockGet(c)), statusCode: '200' };
    const put = (template: string, selectionPattern: string) =>
      c.call(new PutIntegrationResponseCommand({ ...ids, responseTemplates: { 'application/json': template }, selectionPattern }));
    const ops = [{ op: 'replace', path: '/selectionPattern', value: 'updated-pattern' }];
    return {
      'put-integration-response': await put('"created"', ''),
      'get-integration-response': await c.call(new GetIntegrationResponseCommand(ids)),
      'update-integration-response': await c.call(new UpdateIntegrationResponseCommand({ ...ids, patchOperations: ops as never })),
      'overwrite-integration-response': await put('overwrite', 'overwrite-pattern'),
      'get-method': await c.call(new GetMethodCommand(ids)),
      'delete-integration-response': await c.call(new DeleteIntegrationResponseCommand(ids)),
    };
  },

  async 'TestApigatewayIntegrationResponse::test_delete_integration_response_errors'(c) {
    const ids = { ...(await mockGet(c)), statusCode: '200' };
    const put = await c.call(
      new PutIntegrationResponseCommand({ ...ids, responseTemplates: { 'application/json': '"created"' }, selectionPattern: '' }),
    );
    const remove = (changed: Partial<typeof ids>) => c.call(new DeleteIntegrationResponseCommand({ ...ids, ...changed }));
    return {
      'put-integration-response': put,
      'non-existent-resource': await remove({ resourceId: 'bad-resource' }),
      'non-existent-api-id': await remove({ restApiId: 'bad-api-id' }),
      'non-existent-method': await remove({ httpMethod: 'POST' }),
      'non-existent-status-code': await remove({ statusCode: '201' }),
      'bad-method': await remove({ httpMethod: 'WRONG', statusCode: '201' }),
    };
  },
};

export const METHOD_RESPONSE_CASES: Record<string, Replay> = {
  async 'TestApigatewayMethodResponse::test_update_method_wrong_param_names'(c) {
    const ids = await withMethodResponse(c);
    const wrong = (op: string, path: string) => updateMethodResponse(c, ids, [{ op, path, value: 'true' }]);
    return {
      'update-method-response-operation-with-wrong-param-name-1': await wrong('replace', '/responseParameters/wrong'),
      'update-method-response-operation-with-wrong-param-name-2': await wrong('remove', '/responseParameters/wrong'),
      'update-method-response-operation-with-wrong-param-name-3': await wrong('replace', '/responseModels/wrong'),
      'update-method-response-operation-with-wrong-param-name-4': await wrong('remove', '/responseModels/wrong'),
    };
  },

  async 'TestApigatewayMethodResponse::test_update_method_response'(c) {
    const ids = await withMethodResponse(c);
    return {
      'remove-update-method-response': await updateMethodResponse(c, ids, [
        { op: 'remove', path: HEADER, value: 'true' },
        { op: 'remove', path: MODEL, value: 'Empty' },
      ]),
      'add-update-method-response': await updateMethodResponse(c, ids, [
        { op: 'add', path: HEADER, value: 'true' },
        { op: 'add', path: MODEL, value: 'Empty' },
      ]),
    };
  },

  async 'TestApigatewayMethodResponse::test_lifecycle_method_response'(c) {
    const ids = { ...(await mockGet(c)), statusCode: '200' };
    const put = await c.call(new PutMethodResponseCommand({ ...ids, responseParameters: {}, responseModels: {} }));
    const got = await c.call(new GetMethodResponseCommand(ids));
    const both = (op: string) => [
      { op, path: HEADER, value: 'true' },
      { op, path: MODEL, value: 'Empty' },
    ];
    return {
      'put-method-response': put,
      'get-integration-response': got,
      'add-method-responses': await updateMethodResponse(c, ids, both('add')),
      'update-method-responses': await updateMethodResponse(c, ids, both('replace')),
      'get-method': await c.call(new GetMethodCommand(ids)),
      'delete-method-response': await c.call(new DeleteMethodResponseCommand(ids)),
    };
  },

  async 'TestApigatewayMethodResponse::test_update_method_lack_response_parameters_and_models'(c) {
    const ids = await mockGet(c);
    await c.send(new PutMethodResponseCommand({ ...ids, statusCode: '200' }));
    const remove = (path: string) => updateMethodResponse(c, ids, [{ op: 'remove', path }]);
    return {
      'update-method-response-operation-without-response-parameters': await remove(HEADER),
      'update-method-response-operation-without-response-models': await remove(MODEL),
      'update-method-response-operation-with-wrong-path': await remove('/wrong/method.response.header.my-header'),
    };
  },

  async 'TestApigatewayMethodResponse::test_update_method_response_negative_tests'(c) {
    const ids = await withMethodResponse(c);
    const replace = [{ op: 'replace', path: HEADER, value: 'true' }];
    return {
      'update-method-response-wrong-statuscode': await updateMethodResponse(c, ids, replace, '201'),
      'update-method-response-invalid-statuscode': await updateMethodResponse(c, ids, replace, 'wrong'),
      'update-method-response-invalid-statuscode-and-wrong-op': await updateMethodResponse(
        c,
        ids,
        [{ op: 'wrong_op', path: HEADER, value: 'true' }],
        'wrong',
      ),
      'update-method-response-wrong-resource': await updateMethodResponse(c, { ...ids, resourceId: 'wrong' }, replace),
      'update-method-response-wrong-method': await updateMethodResponse(c, { ...ids, httpMethod: 'POST' }, replace),
    };
  },

  async 'TestApigatewayMethodResponse::test_update_method_response_wrong_operations'(c) {
    const ids = await withMethodResponse(c);
    const header = (op: string) => ({ op, path: HEADER, value: 'true' });
    const model = (op: string) => ({ op, path: MODEL, value: 'Empty' });
    const wrong = 'wrong_op';
    return {
      'update-method-response-wrong-operation-1': await updateMethodResponse(c, ids, [header(wrong)]),
      'update-method-response-wrong-operation-2': await updateMethodResponse(c, ids, [model(wrong)]),
      'update-method-response-wrong-operation-3': await updateMethodResponse(c, ids, [header(wrong), model(wrong)]),
      'update-method-response-wrong-operation-4': await updateMethodResponse(c, ids, [
        header(wrong),
        model(wrong),
        header(wrong),
        model(wrong),
      ]),
      'update-method-response-wrong-operation-5': await updateMethodResponse(c, ids, [header(wrong), model('remove'), model(wrong)]),
    };
  },
};
