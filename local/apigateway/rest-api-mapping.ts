import { compilePath } from '../json/jsonpath.js';
import type { HttpResponse } from './payload.js';
import { restError } from './proxy-event-v1.js';
import type { MappedRequest } from './rest-api-aws-client.js';
import type { IntegrationResponseDefinition, MappedIntegration } from './rest-api-integrations.js';
import { renderTemplate } from './vtl/engine.js';
import type { RequestParameters } from './vtl/input.js';
import { stringOf } from './vtl/util.js';

/**
 * How API Gateway maps a non-proxy integration's request and response: the request template
 * chosen by Content-Type and the passthrough behaviour, parameter mappings, the integration
 * response chosen by selection pattern, its template chosen by Accept, its header mappings.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html
 */

/** The method request as the mappings read it. */
export interface MethodRequest {
  readonly contentType?: string;
  readonly accept?: string;
  readonly body: string;
  /** The body's bytes when its Content-Type is one of the API's binary media types: passed through as they came. */
  readonly binaryBody?: Buffer;
  /** Whether the first media type of its Accept is one of the API's binary media types: an answer passes through as bytes. */
  readonly acceptsBinary?: boolean;
  /** Path parameters, query string and headers (a repeated one's last value). */
  readonly parameters: RequestParameters;
  /** `$context`: the proxy event's requestContext. */
  readonly context: Readonly<Record<string, unknown>>;
  readonly stageVariables: Readonly<Record<string, string>>;
}

export type RequestMapping =
  | { readonly ok: true; readonly mapped: MappedRequest }
  | { readonly ok: false; readonly response: HttpResponse; readonly reason: string };

/** Templates are chosen by media type, whatever its parameters (`application/json; charset=utf-8`). */
const mediaTypeOf = (contentType: string | undefined) => contentType?.split(';')[0]?.trim().toLowerCase() || undefined;

/**
 * The integration request: the template for the request's content type (`application/json`
 * when it names none) rendered, or the body passed through as the passthrough behaviour
 * allows (WHEN_NO_MATCH: always; WHEN_NO_TEMPLATES: only when no template is defined; NEVER:
 * never), else 415 Unsupported Media Type. Throws MappingTemplateError for a template that
 * fails.
 */
export function mapRequest(integration: MappedIntegration, request: MethodRequest): RequestMapping {
  // A request without a Content-Type (a GET with no body among them) is mapped as `application/json`:
  // "API Gateway defaults to application/json" under every passthrough behaviour, NEVER included
  // (https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html).
  const mediaType = mediaTypeOf(request.contentType) ?? 'application/json';
  const templates = integration.requestTemplates;
  const key = Object.keys(templates).find((type) => type.toLowerCase() === mediaType);
  const passes =
    integration.passthroughBehavior === 'WHEN_NO_MATCH' ||
    (integration.passthroughBehavior === 'WHEN_NO_TEMPLATES' && Object.keys(templates).length === 0);
  if (key === undefined && !passes) {
    return {
      ok: false,
      response: restError(415, 'Unsupported Media Type', 'UnsupportedMediaTypeException'),
      reason: `no request template for ${mediaType} (${Object.keys(templates).length === 0 ? 'it has none' : `it has ${Object.keys(templates).join(', ')}`}) and passthrough behavior ${integration.passthroughBehavior}`,
    };
  }
  const rendered =
    key === undefined
      ? undefined
      : renderTemplate(templates[key] as string, {
          body: request.body,
          parameters: request.parameters,
          context: request.context,
          stageVariables: request.stageVariables,
        });
  // A binary body passed through is sent as its bytes, not as text (with contentHandling undefined:
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html).
  const body = rendered === undefined ? (request.binaryBody ?? request.body) : rendered.output;
  const headers: Record<string, string> = { 'Content-Type': key ?? request.contentType ?? 'application/json' };
  const querystring: Record<string, string> = {};
  const path: Record<string, string> = {};
  for (const [target, source] of Object.entries(integration.requestParameters)) {
    const match = /^integration\.request\.(header|querystring|path)\.(.+)$/.exec(target);
    const value = sourceValue(source, request);
    if (!match || value === undefined) continue;
    const [, where, name = ''] = match;
    if (where === 'header') {
      for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
      headers[name] = value;
    } else if (where === 'querystring') querystring[name] = value;
    else path[name] = value;
  }
  // `$context.requestOverride.*` set by the template wins over the parameter mappings.
  const overrides = rendered?.overrides.request;
  for (const [name, value] of Object.entries(overrides?.header ?? {})) {
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    headers[name] = value;
  }
  Object.assign(querystring, overrides?.querystring);
  Object.assign(path, overrides?.path);
  return { ok: true, mapped: { body, headers, querystring, path } };
}

/**
 * The integration response for a selector (an AWS service's status code, a Lambda function's
 * error message): the first whose selection pattern matches it whole, else the default (the
 * one without a pattern). A successful Lambda answer (`undefined`) takes the default.
 */
export function selectResponse(
  responses: readonly IntegrationResponseDefinition[],
  selector: string | undefined,
): IntegrationResponseDefinition | undefined {
  const matched =
    selector === undefined ? undefined : responses.find((r) => r.selectionPattern !== undefined && fullMatch(r.selectionPattern, selector));
  return matched ?? responses.find((r) => r.selectionPattern === undefined);
}

/** The integration's answer as `$input` of the response mapping. */
export interface IntegrationAnswer {
  readonly body: string;
  /** The answer's bytes as sent: passed through when the request accepts a binary type and no template maps them. */
  readonly bytes?: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The method response: the integration response's status, its template for the request's
 * Accept (else `application/json`, else its first) rendered over the integration's answer, or
 * that answer passed through when it has none; its header mappings; and what the template
 * overrode (`$context.responseOverride`). Throws MappingTemplateError for a template that fails.
 */
export function mapResponse(chosen: IntegrationResponseDefinition, answer: IntegrationAnswer, request: MethodRequest): HttpResponse {
  const key = responseTemplateKey(chosen.responseTemplates, request.accept);
  const template = key === undefined ? '' : (chosen.responseTemplates[key] as string);
  // An empty template passes the answer through, as no template does (unverified against AWS).
  const rendered =
    template.trim() === ''
      ? undefined
      : renderTemplate(template, {
          body: answer.body,
          parameters: request.parameters,
          context: request.context,
          stageVariables: request.stageVariables,
        });
  const headers: Record<string, string> = { 'content-type': key ?? 'application/json' };
  for (const [target, source] of Object.entries(chosen.responseParameters)) {
    const name = /^method\.response\.header\.(.+)$/.exec(target)?.[1];
    const value = sourceValue(source, request, answer);
    if (name !== undefined && value !== undefined) headers[name.toLowerCase()] = value;
  }
  for (const [name, value] of Object.entries(rendered?.overrides.headers ?? {})) headers[name.toLowerCase()] = value;
  return {
    status: rendered?.overrides.status ?? chosen.statusCode,
    headers,
    body:
      rendered !== undefined
        ? Buffer.from(rendered.output)
        : request.acceptsBinary && answer.bytes
          ? answer.bytes
          : Buffer.from(answer.body),
  };
}

function responseTemplateKey(templates: Readonly<Record<string, string>>, accept: string | undefined): string | undefined {
  const keys = Object.keys(templates);
  if (keys.length === 0) return undefined;
  const wanted = (accept ?? '').split(',').map((type) => mediaTypeOf(type) ?? '');
  for (const type of wanted) {
    const key = keys.find((k) => k.toLowerCase() === type);
    if (key !== undefined) return key;
  }
  return keys.find((k) => k.toLowerCase() === 'application/json') ?? keys[0];
}

/**
 * A mapping's source value: `'literal'`, `method.request.{path|querystring|header}.X`,
 * `method.request.body[.JSONPath]`, `stageVariables.X`, `context.X`, and in a response
 * `integration.response.header.X` and `integration.response.body[.JSONPath]`; undefined
 * when the request has none.
 */
function sourceValue(source: string, request: MethodRequest, answer?: IntegrationAnswer): string | undefined {
  const literal = /^'(.*)'$/s.exec(source);
  if (literal) return literal[1];
  const [, from = '', rest = ''] = /^(method\.request|integration\.response|stageVariables|context)\.(.+)$/s.exec(source) ?? [];
  if (from === 'stageVariables') return request.stageVariables[rest];
  if (from === 'context') {
    const value = rest
      .split('.')
      .reduce<unknown>(
        (at, key) => (at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined),
        request.context,
      );
    return value === undefined || value === null ? undefined : stringOf(value);
  }
  const [, where = '', name = ''] = /^(\w+)(?:\.(.+))?$/s.exec(rest) ?? [];
  if (from === 'method.request') {
    if (where === 'body') return bodyValue(request.body, name);
    if (where === 'path' || where === 'multivaluepath') return request.parameters.path[name];
    if (where === 'querystring' || where === 'multivaluequerystring') return request.parameters.querystring[name];
    if (where === 'header' || where === 'multivalueheader') return headerOf(request.parameters.header, name);
  }
  if (from === 'integration.response' && answer) {
    if (where === 'body') return bodyValue(answer.body, name);
    if (where === 'header' || where === 'multivalueheader') return headerOf(answer.headers, name);
  }
  return undefined;
}

function bodyValue(body: string, path: string): string | undefined {
  if (path === '') return body;
  try {
    const compiled = compilePath(path, { implicitRoot: true });
    const selected = compiled.evaluate(JSON.parse(body));
    // An indefinite path (a wildcard, a filter) gives its first match.
    const value = compiled.definite ? selected : (selected as unknown[])[0];
    return value === undefined ? undefined : stringOf(value);
  } catch {
    // A body that is not JSON, or a path that is not one, has no value: the parameter is left out, as API Gateway leaves out one it cannot read.
    return undefined;
  }
}

function headerOf(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(headers).find((h) => h.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

/** A selection pattern matches the whole selector, as Java's `String.matches` does; an invalid one matches nothing. */
function fullMatch(pattern: string, text: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`, 's').test(text);
  } catch {
    return false;
  }
}
