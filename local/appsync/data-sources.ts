import type { LoopbackAwsClient } from '../apigateway/rest-api-aws-client.js';
import type { BedrockService } from '../bedrock/bedrock-service.js';
import type { DynamoDbForTasks } from '../dynamodb/step-functions.js';
import { currentTraceHeader } from '../endpoint/trace-header.js';
import type { EventsService } from '../events/events-service.js';
import type { LambdaService } from '../lambda/lambda-service.js';
import type { DataSourceDefinition } from './definitions.js';
import { dynamoDbRequest } from './dynamodb-requests.js';
import { AppSyncResolverError } from './errors.js';
import type { AppSyncJsContext } from './resolvers/appsync-js.js';

/** The runtime's services the data sources reach, in-process. */
export interface DataSourceServices {
  readonly lambda: () => Pick<LambdaService, 'invoke'>;
  readonly dynamodb: () => DynamoDbForTasks;
  readonly events: () => Pick<EventsService, 'PutEvents'>;
  /** Bedrock Runtime's model calls (AMAZON_BEDROCK_RUNTIME data sources). */
  readonly bedrock: () => Pick<BedrockService, 'converse' | 'invokeModel'>;
  /**
   * Whether the data source's ServiceRoleArn may do `action` on `resource`, as IAM decides it
   * where the runtime evaluates IAM: the refusal's message, or undefined.
   */
  readonly authorize: (roleArn: string, action: string, resource: string, where: string) => Promise<string | undefined>;
  readonly region: string;
  readonly accountId: string;
  /**
   * The runtime's own endpoint in place of an AWS service's host (`https://<service>.<region>.amazonaws.com`),
   * signed as the data source's role: what an HTTP data source calling an AWS API reaches (API Gateway's AWS integrations' client).
   */
  readonly aws?: Pick<LoopbackAwsClient, 'send'>;
  /**
   * The runtime's log: an HTTP data source that could not reach its endpoint is said there with
   * the cause, since a response handler that ignores `ctx.error` answers only its own failure
   * (`Cannot read properties of null (reading 'statusCode')`), naming neither the host nor why.
   */
  readonly log?: (line: string) => void;
}

/** What a data source's call asks IAM for: the action and resource its role must be allowed. */
function permissionOf(
  services: DataSourceServices,
  source: DataSourceDefinition,
  request: unknown,
): { action: string; resource: string } | undefined {
  const operation = (request as { operation?: unknown } | null | undefined)?.operation;
  if (source.type === 'AWS_LAMBDA' && source.lambdaArn) return { action: 'lambda:InvokeFunction', resource: source.lambdaArn };
  if (source.type === 'AMAZON_DYNAMODB' && source.tableName && typeof operation === 'string') {
    const action = operation === 'BatchPutItem' || operation === 'BatchDeleteItem' ? 'BatchWriteItem' : operation;
    return {
      action: `dynamodb:${action}`,
      resource: `arn:aws:dynamodb:${services.region}:${services.accountId}:table/${source.tableName}`,
    };
  }
  if (source.type === 'AMAZON_EVENTBRIDGE' && source.eventBusArn) return { action: 'events:PutEvents', resource: source.eventBusArn };
  const modelId = (request as { modelId?: unknown } | null | undefined)?.modelId;
  if (source.type === 'AMAZON_BEDROCK_RUNTIME' && typeof modelId === 'string') {
    // Converse is authorized as InvokeModel, on the model's ARN (an ARN given as the id is its own).
    const resource = modelId.startsWith('arn:') ? modelId : `arn:aws:bedrock:${services.region}::foundation-model/${modelId}`;
    return { action: 'bedrock:InvokeModel', resource };
  }
  return undefined;
}

/** The service a data source's errors are prefixed with (`Lambda:AccessDeniedException`). */
const PREFIXES: Readonly<Record<string, string>> = {
  AWS_LAMBDA: 'Lambda',
  AMAZON_DYNAMODB: 'DynamoDB',
  AMAZON_EVENTBRIDGE: 'EventBridge',
  AMAZON_BEDROCK_RUNTIME: 'Bedrock',
};

/** Refuses the call when IAM does not let the data source's role make it (AppSync assumes that role for each call). */
async function checkRole(services: DataSourceServices, source: DataSourceDefinition, request: unknown): Promise<void> {
  const permission = source.serviceRoleArn === undefined ? undefined : permissionOf(services, source, request);
  if (source.serviceRoleArn === undefined || permission === undefined) return;
  const refusal = await services.authorize(
    source.serviceRoleArn,
    permission.action,
    permission.resource,
    `AppSync data source ${source.name}`,
  );
  if (refusal !== undefined) {
    const prefix = PREFIXES[source.type] ?? source.type;
    throw new AppSyncResolverError(refusal, `${prefix}:AccessDeniedException`);
  }
}

type Request = Record<string, unknown>;
const isObject = (value: unknown): value is Request => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Calls a data source with what the request mapping gave (`request`; undefined for a Lambda
 * resolver without a request template: AppSync's direct Lambda event), and answers what
 * `$ctx.result` is for the response mapping.
 * (https://docs.aws.amazon.com/appsync/latest/devguide/resolver-mapping-template-reference.html)
 */
export async function callDataSource(
  services: DataSourceServices,
  source: DataSourceDefinition,
  request: unknown,
  ctx: AppSyncJsContext,
): Promise<unknown> {
  await checkRole(services, source, request);
  switch (source.type) {
    case 'NONE':
      // A NONE data source hands the request's payload to the response mapping as the result.
      return isObject(request) && 'payload' in request ? request.payload : (request ?? null);
    case 'AWS_LAMBDA':
      return invokeLambda(services, source, request, ctx);
    case 'AMAZON_DYNAMODB':
      return dynamoDbRequest(services.dynamodb(), source, requestOf(source, request));
    case 'HTTP':
      return httpRequest(services, source, requestOf(source, request));
    case 'AMAZON_EVENTBRIDGE':
      return putEvents(services, source, requestOf(source, request));
    case 'AMAZON_BEDROCK_RUNTIME':
      return callModel(services, requestOf(source, request));
    default:
      throw new AppSyncResolverError(
        `data source ${source.name} is of type ${source.type}, which the local runtime does not run (docs/local-runtime/appsync.md)`,
        'DataSourceNotRunLocally',
      );
  }
}

function requestOf(source: DataSourceDefinition, request: unknown): Request {
  if (isObject(request)) return request;
  throw new AppSyncResolverError(
    `the request mapping for data source ${source.name} (${source.type}) gave ${JSON.stringify(request)}; it must give an object with an "operation"`,
    'MappingTemplate',
  );
}

async function invokeLambda(services: DataSourceServices, source: DataSourceDefinition, request: unknown, ctx: AppSyncJsContext) {
  if (source.lambdaArn === undefined)
    throw new AppSyncResolverError(`data source ${source.name} names no LambdaFunctionArn`, 'MappingTemplate');
  let event: unknown;
  if (request === undefined) {
    // Direct Lambda resolvers: AppSync sends the context itself.
    const { arguments: args, identity, source: parent, request: req, prev, info, stash } = ctx;
    event = { arguments: args, identity, source: parent, request: req, prev, info, stash };
  } else {
    const r = requestOf(source, request);
    if (r.operation !== 'Invoke') {
      throw new AppSyncResolverError(
        `the Lambda request mapping's operation is ${JSON.stringify(r.operation)}; locally only "Invoke" runs (BatchInvoke does not)`,
        'MappingTemplate',
      );
    }
    event = r.payload ?? null;
  }
  const outcome = await services.lambda().invoke(source.lambdaArn, event);
  if (!outcome.ok) {
    // AppSync reports a function's error as Lambda:Unhandled, with the function's message.
    throw new AppSyncResolverError(outcome.error.errorMessage ?? 'the function failed', 'Lambda:Unhandled');
  }
  return outcome.payload === '' ? null : JSON.parse(outcome.payload);
}

/** HTTP data sources: the request's method, resourcePath, params (query, headers, body) against the data source's Endpoint. */
/** AppSync gives a data source's request 30 seconds (its resolver timeout). */
const HTTP_TIMEOUT_MS = 30_000;

/** An AWS service's public host: its endpoint prefix (`bedrock-runtime`, `sync-states`) and region. */
const AWS_HOST = /^([a-z0-9-]+)\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/;

/**
 * HTTP data sources: the request's method, resourcePath, query and headers to the endpoint. One
 * whose endpoint is an AWS service's host (Bedrock Runtime, Step Functions...) reaches the local
 * service on the runtime's endpoint, signed as its role for the service its AuthorizationConfig
 * names, as AppSync signs it for AWS; any other endpoint is fetched as it is.
 */
async function httpRequest(services: DataSourceServices, source: DataSourceDefinition, request: Request): Promise<unknown> {
  if (source.httpEndpoint === undefined)
    throw new AppSyncResolverError(`data source ${source.name} names no HttpConfig.Endpoint`, 'MappingTemplate');
  const params = isObject(request.params) ? request.params : {};
  const url = new URL(String(request.resourcePath ?? '/'), source.httpEndpoint);
  for (const [name, value] of Object.entries(isObject(params.query) ? params.query : {})) url.searchParams.set(name, String(value));
  const headers = Object.fromEntries(Object.entries(isObject(params.headers) ? params.headers : {}).map(([k, v]) => [k, String(v)]));
  const body = params.body === undefined ? undefined : typeof params.body === 'string' ? params.body : JSON.stringify(params.body);
  const method = String(request.method ?? 'GET');
  const aws = AWS_HOST.exec(url.hostname);
  try {
    if (aws && services.aws) {
      const [, prefix, region] = aws as unknown as [string, string, string];
      // The service called is in the request's trace (an execution started carries it), as AppSync's X-Ray tracing passes it on.
      const trace = currentTraceHeader();
      // AppSync sends the resolver's headers as they are: no Accept of JSON (API Gateway's AWS integrations add one, and a
      // query service such as SQS then answers JSON), so SQS answers the XML a resolver reads with util.xml.toMap.
      const sent = 'accept' in lowerKeys(headers) ? headers : { ...headers, accept: '*/*' };
      const traced = trace === undefined || 'x-amzn-trace-id' in lowerKeys(sent) ? sent : { ...sent, 'X-Amzn-Trace-Id': trace };
      const answer = await services.aws.send(
        {
          service: source.httpSigning?.service ?? prefix,
          region: source.httpSigning?.region ?? region,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          httpMethod: method,
          ...(source.serviceRoleArn === undefined ? {} : { roleArn: source.serviceRoleArn }),
        },
        { body: body ?? '', headers: traced, querystring: {}, path: {} },
        AbortSignal.timeout(HTTP_TIMEOUT_MS),
      );
      return { statusCode: answer.status, headers: answer.headers, body: answer.body };
    }
    const response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    return { statusCode: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
  } catch (error) {
    const message = `the HTTP data source ${source.name} could not reach ${url.origin}${aws ? " (the local service on the runtime's endpoint)" : ''}: ${failureOf(error as Error)}`;
    services.log?.(`${message} (${method} ${url.pathname}); the resolver's response handler gets it as ctx.error`);
    throw new AppSyncResolverError(message, 'HttpRequestFailed', null, null, { cause: error });
  }
}

/**
 * What went wrong with a request, with its cause: fetch rejects with only `fetch failed`, and
 * the reason (`getaddrinfo ENOTFOUND <host>`, `connect ECONNREFUSED ...`) is its cause's.
 */
function failureOf(error: Error): string {
  const cause = error.cause instanceof Error ? error.cause : undefined;
  if (cause === undefined || error.message.includes(cause.message)) return error.message;
  return `${error.message} (${cause.message})`;
}

/**
 * Bedrock Runtime data sources: the request's `InvokeModel` (its `body` as the model's native
 * request; `ctx.result` the model's answer) or `Converse` (`ctx.result` Converse's answer), on
 * the local Bedrock (https://docs.aws.amazon.com/appsync/latest/devguide/resolver-reference-bedrock-js.html).
 * A refusal comes as errorType `Bedrock:<its code>`.
 */
async function callModel(services: DataSourceServices, request: Request): Promise<unknown> {
  const { operation, modelId, body, ...converse } = request;
  if (typeof modelId !== 'string' || modelId === '') {
    throw new AppSyncResolverError('the Bedrock Runtime request must give a "modelId"', 'MappingTemplate');
  }
  try {
    if (operation === 'Converse') return await services.bedrock().converse(modelId, converse);
    if (operation === 'InvokeModel') {
      const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body ?? {}));
      return JSON.parse((await services.bedrock().invokeModel(modelId, raw, undefined)).body.toString('utf8'));
    }
  } catch (error) {
    const code = (error as { code?: unknown; name?: unknown }).code ?? (error as Error).name;
    throw new AppSyncResolverError((error as Error).message, `Bedrock:${String(code)}`, null, null, { cause: error });
  }
  throw new AppSyncResolverError(
    `the Bedrock Runtime request's operation is ${JSON.stringify(operation)}: "InvokeModel" or "Converse" (AppSync calls no stream API)`,
    'MappingTemplate',
  );
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** EventBridge data sources: PutEvents of the request's events to the data source's bus. */
async function putEvents(services: DataSourceServices, source: DataSourceDefinition, request: Request): Promise<unknown> {
  if (request.operation !== 'PutEvents' || !Array.isArray(request.events)) {
    throw new AppSyncResolverError(
      'the EventBridge request mapping must give "operation": "PutEvents" and a list of "events"',
      'MappingTemplate',
    );
  }
  const entries = request.events.map((event: Request) => ({
    Source: event.source,
    DetailType: event.detailType,
    Detail: typeof event.detail === 'string' ? event.detail : JSON.stringify(event.detail ?? {}),
    EventBusName: source.eventBusArn,
    ...(Array.isArray(event.resources) ? { Resources: event.resources } : {}),
    ...(event.time === undefined ? {} : { Time: new Date(String(event.time)) }),
  }));
  const answer = (await services.events().PutEvents({ Entries: entries as never })) as {
    Entries?: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
    FailedEntryCount?: number;
  };
  return {
    Entries: (answer.Entries ?? []).map((e) => ({ EventId: e.EventId, ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorMessage })),
    FailedEntryCount: answer.FailedEntryCount ?? 0,
  };
}
