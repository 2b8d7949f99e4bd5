import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
} from '@aws-sdk/client-api-gateway';
import { credentials, region } from '../helpers.js';
import { deployedScenario } from './recorded-cases-sfn-scenarios.js';
import { lambdaFunction, recordExecution, template } from './recorded-executions.js';
import type { Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded API Gateway task tests, replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/services/test_apigetway_task_service.py makes them: a
 * Python function (templates/services/lambdafunctions/id_function.py) behind a REST API made
 * through API Gateway's API (a resource, a POST method with a Lambda custom integration as the
 * integration's role, its 200 responses, a deployment to stage `sfn-apigw-api`), then a state
 * machine calling it through `arn:aws:states:::apigateway:invoke` with the input naming the API's
 * host, the method, the path and the stage.
 */

/** templates/services/lambdafunctions/id_function.py. */
const ID_FUNCTION = 'def handler(event, context):\n    return event\n';
const STAGE = 'sfn-apigw-api';
const HTTP_METHOD = 'POST';

/** The test's mapping of the query string into the function's event (`pipe_query_parameters`), as it wrote it. */
const QUERY_TEMPLATE = `
                            {
                                "body": $input.json('$'),
                                "queryStringParameters": "$input.params().querystring"
                            }
                        `;

/**
 * The test's `_create_lambda_api_response`: the function, the API (`create_rest_apigw`), its
 * resource `pathPart`, the method and its integration to the function, their responses and the
 * deployment; the API's host, as the test gives it on AWS.
 */
async function lambdaApi(context: ReplayContext, pathPart: string, pipeQueryParameters = false): Promise<string> {
  const { arn } = await lambdaFunction(context, ID_FUNCTION, '<lambda_function_name>', { prefix: 'sfn-apigw-test-' });
  const client = new APIGatewayClient({ endpoint: context.endpoint, region, credentials, maxAttempts: 1 });
  try {
    const api = await client.send(new CreateRestApiCommand({ name: context.name('sfn-test-api-') }));
    const restApiId = api.id as string;
    const resource = await client.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId, pathPart }));
    const ids = { restApiId, resourceId: resource.id as string, httpMethod: HTTP_METHOD };
    await client.send(
      new PutMethodCommand({
        ...ids,
        authorizationType: 'NONE',
        ...(pipeQueryParameters ? { requestParameters: { 'method.request.path.param1': false, 'method.request.path.param2': false } } : {}),
      }),
    );
    await client.send(
      new PutIntegrationCommand({
        ...ids,
        type: 'AWS',
        integrationHttpMethod: HTTP_METHOD,
        // arns.apigateway_invocations_arn: API Gateway's URI of Lambda's Invoke of the function.
        uri: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
        // The test's role, which API Gateway assumes to invoke the function (create_role_with_policy).
        credentials: 'arn:aws:iam::000000000000:role/recorded-apigateway-role',
        ...(pipeQueryParameters
          ? {
              requestParameters: {
                'integration.request.querystring.param1': 'method.request.querystring.param1',
                'integration.request.querystring.param2': 'method.request.querystring.param2',
              },
              requestTemplates: { 'application/json': QUERY_TEMPLATE },
            }
          : {}),
      }),
    );
    await client.send(new PutIntegrationResponseCommand({ ...ids, statusCode: '200' }));
    await client.send(new PutMethodResponseCommand({ ...ids, statusCode: '200' }));
    await client.send(new CreateDeploymentCommand({ restApiId, stageName: STAGE }));
    return `${restApiId}.execute-api.${region}.amazonaws.com`;
  } finally {
    client.destroy();
  }
}

/** A test of the file: its API on `pathPart`, a template (`services/statemachines/<machine>.json`) and the input beyond the API's address. */
const invokeCase =
  (machine: string, extra: Record<string, unknown>, { path = 'id_func', pipeQueryParameters = false } = {}): Replay =>
  async (context) => {
    const endpoint = await lambdaApi(context, path, pipeQueryParameters);
    const input = JSON.stringify({ ApiEndpoint: endpoint, Method: HTTP_METHOD, Path: path, Stage: STAGE, ...extra });
    return { get_execution_history: await recordExecution(context, template(`services/statemachines/${machine}.json`), input) };
  };

/** test_invoke_with_body_post's request bodies, by the ids pytest gave them. */
const BODIES: Record<string, unknown> = { None: null, '': '', HelloWorld: 'HelloWorld', request_body3: { message: 'HelloWorld!' } };
/** test_invoke_with_headers's header values, by the ids pytest gave them. */
const HEADERS: Record<string, unknown> = {
  singleStringHeader: 'singleStringHeader',
  custom_header1: ['arrayHeader0'],
  custom_header2: ['arrayHeader0', 'arrayHeader1'],
};

/**
 * v2/scenarios/test_sfn_scenarios.py's `test_step_functions_calling_api_gateway` (serverlessland's
 * "step-functions-calling-api-gateway"): its CloudFormation template (a Python function behind a
 * CDK LambdaRestApi, a machine calling it through apigateway:invoke and choosing on its answer)
 * deployed as an app of its own, described, and run to failure and to success.
 */
const callingApiGateway = deployedScenario(
  'step-functions-calling-api-gateway',
  // The test's run names are the other way round from their inputs.
  { success: { fail: true }, failure: { fail: false } },
  { app: 'CallingApiGateway', hidden: ['Via', 'X-Amz-Cf-Pop', 'X-Amz-Cf-Id', 'X-Amzn-Trace-Id', 'x-amz-apigw-id', 'x-amzn-RequestId'] },
);

export const API_GATEWAY_CASES: Record<string, Replay> = {
  test_step_functions_calling_api_gateway: callingApiGateway,
  test_invoke_base: invokeCase('api_gateway_invoke_base', {}, { path: 'get_constant' }),
  ...Object.fromEntries(
    Object.entries(BODIES).map(([id, body]) => [
      `test_invoke_with_body_post[${id}]`,
      invokeCase('api_gateway_invoke_with_body', { RequestBody: body }),
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(HEADERS).map(([id, header]) => [
      `test_invoke_with_headers[${id}]`,
      invokeCase('api_gateway_invoke_with_headers', { RequestBody: { message: 'HelloWorld!' }, Headers: { custom_header: header } }),
    ]),
  ),
  test_invoke_with_query_parameters: invokeCase(
    'api_gateway_invoke_with_query_parameters',
    {
      RequestBody: { message: ['Hello', 'World!'] },
      AllowNullValues: true,
      QueryParameters: { param1: ['Hello'], param2: ['World'] },
    },
    { pipeQueryParameters: true },
  ),
  // The path of a resource the API does not have: API Gateway's 403, the task's ApiGateway.403.
  async test_invoke_error(context) {
    const endpoint = await lambdaApi(context, 'id_func');
    const input = JSON.stringify({
      ApiEndpoint: endpoint,
      Method: HTTP_METHOD,
      Path: 'id_funcinvalid',
      Stage: STAGE,
      RequestBody: 'HelloWorld',
    });
    return {
      get_execution_history: await recordExecution(context, template('services/statemachines/api_gateway_invoke_with_body.json'), input),
    };
  },
};
