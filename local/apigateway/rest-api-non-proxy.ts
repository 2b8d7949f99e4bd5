import { HttpIntegrationError } from './http-forward.js';
import { withTimeout } from './integration-timeout.js';
import type { LambdaInvoker } from './lambda-invoker.js';
import type { HttpResponse } from './payload.js';
import { restError } from './proxy-event-v1.js';
import { AwsIntegrationError, type LoopbackAwsClient, type ServiceAnswer } from './rest-api-aws-client.js';
import type { RestIntegration } from './rest-api-definitions.js';
import { callHttp, httpFailure } from './rest-api-http.js';
import { type IntegrationAnswer, type MethodRequest, mapRequest, mapResponse, selectResponse } from './rest-api-mapping.js';
import { MappingTemplateError } from './vtl/engine.js';

export type NonProxyIntegration = Extract<RestIntegration, { kind: 'aws' | 'lambda-custom' | 'mock' | 'http' }>;

export interface NonProxyServices {
  readonly lambda: LambdaInvoker;
  /** Undefined when the runtime gave no endpoint: `AWS` integrations then answer 500 and say why in the log. */
  readonly aws?: LoopbackAwsClient;
  readonly log: (line: string) => void;
}

/** Names the method in a log line: `API pets (abc123) POST /orders`. */
export interface MethodLabel {
  readonly apiName: string;
  readonly apiId: string;
  readonly httpMethod: string;
  readonly resourcePath: string;
  /** The method's `execute-api` ARN for this request: the source API Gateway invokes a function as. */
  readonly methodArn: string;
}

export interface IntegrationOutcome {
  readonly response: HttpResponse;
  readonly integrationStatus?: number;
  /** For the access log's `$context.error.message`. */
  readonly error?: string;
}

const internalError = () => restError(500, 'Internal server error', 'InternalServerErrorException');

/**
 * One request through a non-proxy integration: the request mapped (template, passthrough,
 * parameters), the service or function called, the integration response selected and mapped.
 * Nothing is answered until the whole mapping has succeeded, so a template that fails on the
 * way out answers 500 alone, never a half-mapped response.
 */
export async function runNonProxy(
  integration: NonProxyIntegration,
  request: MethodRequest,
  services: NonProxyServices,
  label: MethodLabel,
): Promise<IntegrationOutcome> {
  const where = `API ${label.apiName} (${label.apiId}) ${label.httpMethod} ${label.resourcePath}`;
  try {
    const mapping = mapRequest(integration, request);
    if (!mapping.ok) {
      // The client sees only "Unsupported Media Type": dev says which content type and which templates, as the execution log would.
      services.log(`${where}: ${mapping.reason}: answered ${mapping.response.status}, as API Gateway does`);
      return { response: mapping.response, error: mapping.reason };
    }
    const { body } = mapping.mapped;
    const called = await callIntegration(
      integration,
      typeof body === 'string' ? body : body.toString('utf8'),
      mapping.mapped,
      services,
      where,
      label,
    );
    if ('response' in called) return called;
    const chosen = selectResponse(integration.responses, called.selector);
    if (!chosen) {
      // API Gateway: "Execution failed due to configuration error: No match for output mapping and no default output mapping configured".
      services.log(
        `${where}: no integration response matches ${called.selector === undefined ? 'the answer' : `"${called.selector}"`} and none is the default: answered 500, as API Gateway does`,
      );
      return { response: internalError(), integrationStatus: called.status, error: 'No match for output mapping' };
    }
    if (integration.kind === 'aws' && called.status >= 400 && chosen.selectionPattern === undefined) {
      // API Gateway maps a service's refusal by the default integration response as it would an answer (often
      // to 200): the client sees the error only in the body, so dev names it, as CloudWatch's execution log would.
      const action = integration.target.action ?? `${integration.target.httpMethod} ${integration.target.path ?? ''}`;
      services.log(
        `${where}: ${integration.target.service} ${action} answered ${called.status} (${serviceErrorOf(called.answer.body)}); the default integration response maps it to ${chosen.statusCode}, as API Gateway does`,
      );
    }
    return { response: mapResponse(chosen, called.answer, request), integrationStatus: called.status };
  } catch (error) {
    if (error instanceof MappingTemplateError || error instanceof AwsIntegrationError) {
      services.log(`${where}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message.split('\n').join(' ')})` : ''}`);
      return { response: internalError(), error: error.message };
    }
    throw error;
  }
}

type Called =
  | { readonly answer: IntegrationAnswer; readonly selector: string | undefined; readonly status: number }
  | { readonly response: HttpResponse; readonly error: string; readonly integrationStatus?: number };

async function callIntegration(
  integration: NonProxyIntegration,
  body: string,
  mapped: Parameters<LoopbackAwsClient['send']>[1],
  services: NonProxyServices,
  where: string,
  label: Pick<MethodLabel, 'httpMethod' | 'methodArn'>,
): Promise<Called> {
  const requestMethod = label.httpMethod;
  const methodArn = label.methodArn;
  const timedOut = { response: restError(504, 'Endpoint request timed out', 'IntegrationTimeout'), error: 'timeout' };
  if (integration.kind === 'mock') {
    // The request template names the status (`{"statusCode": 200}`; CDK writes `{ statusCode: 200 }`, not JSON); the answer has no body.
    const status = Number(/statusCode["']?\s*:\s*["']?(\d{3})/.exec(body)?.[1] ?? 200);
    return { answer: { body: '', headers: {} }, selector: String(status), status };
  }
  if (integration.kind === 'lambda-custom') {
    let event: unknown;
    try {
      event = body.trim() === '' ? {} : JSON.parse(body);
    } catch (error) {
      // Lambda refuses a payload that is not JSON (InvalidRequestContentException); API Gateway answers 500.
      services.log(`${where}: the request template's output is not JSON, which Lambda refuses: ${(error as Error).message}`);
      return { response: internalError(), error: 'InvalidRequestContentException' };
    }
    const caller = { sourceArn: methodArn, ...(integration.roleArn === undefined ? {} : { roleArn: integration.roleArn }) };
    // The integration request's X-Amz-Invocation-Type header chooses Lambda's invocation type ('Event': asynchronous).
    const invocationType = Object.entries(mapped.headers).find(([name]) => name.toLowerCase() === 'x-amz-invocation-type')?.[1];
    const invocation = services.lambda
      .invoke(integration.functionArn, event, caller, invocationType === 'Event' ? 'Event' : undefined)
      .catch((error: unknown) => ({ ok: false as const, error, notInvoked: true as const }));
    const outcome = await withTimeout(invocation, integration.timeoutMs);
    if (outcome === 'timeout') return timedOut;
    if (!outcome.ok && 'notInvoked' in outcome) {
      services.log(`${where}: the function ${integration.functionArn} could not be invoked: ${String(outcome.error)}`);
      return { response: internalError(), error: 'the function could not be invoked' };
    }
    if (outcome.ok) return { answer: { body: outcome.payload, headers: {} }, selector: undefined, status: 200 };
    const failure = (outcome.error ?? {}) as { errorMessage?: unknown; errorType?: unknown; trace?: unknown };
    const errorBody = { errorMessage: failure.errorMessage, errorType: failure.errorType, stackTrace: failure.trace ?? [] };
    return { answer: { body: JSON.stringify(errorBody), headers: {} }, selector: String(failure.errorMessage ?? ''), status: 200 };
  }
  if (integration.kind === 'http') {
    try {
      const answer = await callHttp(integration, mapped, requestMethod);
      return { answer, selector: String(answer.status), status: answer.status };
    } catch (error) {
      if (error instanceof HttpIntegrationError) return httpFailure(error, where, services.log);
      throw error;
    }
  }
  if (!services.aws) {
    throw new AwsIntegrationError(
      `the ${integration.target.service} integration cannot run: the runtime gave the REST API service no AWS endpoint (option awsEndpoint)`,
    );
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), integration.timeoutMs);
  let answer: ServiceAnswer;
  try {
    answer = await services.aws.send(integration.target, mapped, controller.signal);
  } catch (error) {
    if (controller.signal.aborted) return timedOut;
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { answer, selector: String(answer.status), status: answer.status };
}

/** A service's error body in a few words: its code and message (JSON's `__type` and `message`, or XML's `Code` and `Message`). */
function serviceErrorOf(body: string): string {
  let code: unknown;
  let message: unknown;
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    code = parsed.__type ?? parsed.code ?? parsed.Code;
    message = parsed.message ?? parsed.Message;
  } catch {
    // Not JSON: a query or REST-XML service's error document.
    code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
    message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  }
  if (typeof code !== 'string' && typeof message !== 'string') return body.length > 200 ? `${body.slice(0, 200)}...` : body;
  const name = typeof code === 'string' ? code.slice(code.lastIndexOf('#') + 1) : 'error';
  return typeof message === 'string' ? `${name}: ${message}` : name;
}
