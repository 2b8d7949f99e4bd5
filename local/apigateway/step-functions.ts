import { STATUS_CODES } from 'node:http';
import { jsonOrText } from '../json/json-depth.js';
import { TaskFailure, type TaskRequest } from '../states/engine/index.js';
import { abortable, type TaskEnvironment } from '../states/integrations/shared.js';
import type { StepFunctionsIntegrations } from '../states/task-integrations.js';
import type { HttpApiService } from './http-api-service.js';
import type { HttpResponse } from './payload.js';
import type { RestApiService } from './rest-api-service.js';

/**
 * `arn:aws:states:::apigateway:invoke` (and `.waitForTaskToken`): Step Functions calling a
 * REST or HTTP API's stage as the Step Functions developer guide documents it ("Call API
 * Gateway with Step Functions"): ApiEndpoint `<api-id>.execute-api.<region>.amazonaws.com`
 * names a local API, Method, Stage, Path, QueryParameters and Headers (each a list of values),
 * RequestBody (JSON or text, sent as JSON), AuthType; the result is the answer's ResponseBody,
 * Headers, StatusCode and StatusText, and any status but 2XX fails the task as
 * `ApiGateway.<status>` with the answer's body as the cause.
 */

/** What the tasks call: the REST and HTTP APIs, by the same entry the endpoint hands their URLs to (the module's service is one). */
export interface ApiGatewayForTasks {
  readonly httpApis: HttpApiService;
  readonly restApis: RestApiService;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
const AUTH_TYPES = new Set(['NO_AUTH', 'IAM_ROLE', 'RESOURCE_POLICY']);
/** `<api-id>.execute-api.<region>.amazonaws.com` (`.com.cn` in China), or the local host name of an API. */
const API_ENDPOINT = /^([0-9a-z]+)\.execute-api\.(?:[a-z0-9-]+\.amazonaws\.com(?:\.cn)?|localhost)$/;
/** The headers Step Functions does not let a task send (the developer guide's list). */
const FORBIDDEN_HEADERS = new Set([
  'authorization',
  'connection',
  'content-md5',
  'expect',
  'host',
  'max-forwards',
  'proxy-authenticate',
  'server',
  'te',
  'transfer-encoding',
  'trailer',
  'upgrade',
  'via',
  'www-authenticate',
]);
const FORBIDDEN_PREFIXES = ['x-forwarded', 'x-amz', 'x-amzn'];

/** A map of lists of strings, as Headers and QueryParameters are given: "a list of values associated with the same key". */
const isValueLists = (value: unknown): value is Record<string, string[]> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((values) => Array.isArray(values) && values.every((v) => typeof v === 'string'));

/**
 * Why Step Functions refuses a task's parameters before it schedules it (its States.Runtime
 * cause after the state's prefix), or undefined: AWS's recorded answer for a header given as a
 * string rather than a list of values.
 */
export function refusedParameters(args: Record<string, unknown>): string | undefined {
  const field = invalidField(args);
  if (field === undefined) return undefined;
  return `The Parameters '${JSON.stringify(args)}' could not be used to start the Task: [${field}]`;
}

function invalidField(args: Record<string, unknown>): string | undefined {
  const format = (field: string) => `The value of the field '${field}' has an invalid format`;
  for (const field of ['ApiEndpoint', 'Method']) if (args[field] === undefined) return `The field '${field}' is required but was missing`;
  if (typeof args.ApiEndpoint !== 'string' || !API_ENDPOINT.test(args.ApiEndpoint)) return format('ApiEndpoint');
  if (typeof args.Method !== 'string' || !METHODS.has(args.Method)) return format('Method');
  for (const field of ['Stage', 'Path']) if (args[field] !== undefined && typeof args[field] !== 'string') return format(field);
  for (const field of ['Headers', 'QueryParameters']) if (args[field] !== undefined && !isValueLists(args[field])) return format(field);
  if (args.AuthType !== undefined && !AUTH_TYPES.has(String(args.AuthType))) return format('AuthType');
  const forbidden = Object.keys((args.Headers ?? {}) as object).find((name) => {
    const lower = name.toLowerCase();
    return FORBIDDEN_HEADERS.has(lower) || FORBIDDEN_PREFIXES.some((prefix) => lower.startsWith(prefix));
  });
  return forbidden === undefined ? undefined : `The header '${forbidden}' of the field 'Headers' is not one Step Functions sends`;
}

/**
 * The header names API Gateway's REST APIs (and the CloudFront distribution in front of an
 * edge-optimized one) write, as they write them: the runtime keeps every header in lower
 * case, and Step Functions reports the names as they came (AWS's recorded answers). HTTP APIs
 * write theirs in lower case.
 */
const REST_HEADER_NAMES = new Map(
  [
    'Connection',
    'Content-Length',
    'Content-Type',
    'Date',
    'Via',
    'X-Cache',
    'X-Amz-Cf-Pop',
    'X-Amz-Cf-Id',
    'x-amzn-RequestId',
    'x-amz-apigw-id',
    'X-Amzn-Trace-Id',
    'x-amzn-ErrorType',
  ].map((name) => [name.toLowerCase(), name]),
);

/** The API's answer as the task's result: its headers as lists (with what the connection carries), its body parsed when it is JSON. */
function invokeOutput(env: TaskEnvironment, response: HttpResponse, rest: boolean) {
  const text = response.body.toString('utf8');
  const headers: Record<string, string[]> = {};
  const wire = {
    ...response.headers,
    connection: 'keep-alive',
    'content-length': String(response.body.length),
    date: new Date(env.clock.now()).toUTCString(),
  };
  for (const [name, value] of Object.entries(wire)) {
    headers[rest ? (REST_HEADER_NAMES.get(name) ?? name) : name] = Array.isArray(value) ? value : [value];
  }
  return { Headers: headers, ResponseBody: jsonOrText(text), StatusCode: response.status, StatusText: STATUS_CODES[response.status] ?? '' };
}

/** The request Step Functions sends: the stage and path, each query parameter's values, each header's, the body as JSON. */
async function invoke(env: TaskEnvironment, apis: ApiGatewayForTasks, args: Record<string, unknown>, request: TaskRequest) {
  // The parameters passed refusedParameters before the task was scheduled.
  const endpoint = args.ApiEndpoint as string;
  const apiId = API_ENDPOINT.exec(endpoint)?.[1] as string;
  if (!apis.restApis.serves(apiId) && !apis.httpApis.serves(apiId)) {
    throw new TaskFailure('ApiGateway.UnknownHostException', `${endpoint}: no REST or HTTP API ${apiId} runs locally`);
  }
  const path = [args.Stage, args.Path]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .map((part) => part.replace(/^\/+/, ''))
    .join('/');
  const query = new URLSearchParams();
  for (const [name, values] of Object.entries((args.QueryParameters ?? {}) as Record<string, string[]>)) {
    for (const value of values) query.append(name, value);
  }
  const body = args.RequestBody === undefined || args.RequestBody === null ? undefined : JSON.stringify(args.RequestBody);
  const host = `${apiId}.execute-api.localhost`;
  // Each value of a header is sent, under its name as given (a REST API's event keeps the case).
  const sent: [string, string[]][] = [
    ['Host', [host]],
    ...(body === undefined ? [] : [['Content-Type', ['application/json']] as [string, string[]]]),
    ...Object.entries((args.Headers ?? {}) as Record<string, string[]>),
  ];
  const rest = apis.restApis.serves(apiId);
  const response = await abortable(
    apis.httpApis.handle({
      method: args.Method as string,
      host,
      url: `/${path}${query.size > 0 ? `?${query}` : ''}`,
      headers: Object.fromEntries(sent.map(([name, values]) => [name.toLowerCase(), values])),
      rawHeaders: sent.flatMap(([name, values]) => values.flatMap((value) => [name, value])),
      body: Buffer.from(body ?? ''),
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
    }),
    request.signal,
  );
  if (response.status < 200 || response.status > 299)
    throw new TaskFailure(`ApiGateway.${response.status}`, response.body.toString('utf8'));
  return invokeOutput(env, response, rest);
}

/** API Gateway's Step Functions integration: `apigateway:invoke`, answered or with a task token. */
export const apiGatewayStepFunctions: StepFunctionsIntegrations<ApiGatewayForTasks> = {
  optimized: {
    errors: { prefix: 'ApiGateway', service: 'AmazonApiGateway', accessDenied: 'AccessDeniedException' },
    exhaustive: true,
    actions: {
      invoke: {
        patterns: ['request-response', 'waitForTaskToken'],
        // The API authorizes the call, by its method's authorization and its resource policy (which the local API
        // Gateway does not check, for any caller), not Step Functions: nothing is asked of IAM here.
        request: () => undefined,
        refuses: refusedParameters,
        run: (env, apis, args, request) => invoke(env, apis, args, request),
      },
    },
  },
};
