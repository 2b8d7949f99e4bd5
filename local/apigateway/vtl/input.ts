import { jsonOrText } from '../../json/json-depth.js';
import { compilePath } from '../../json/jsonpath.js';

/** The method request's parameters as `$input.params()` gives them, each by name. */
export interface RequestParameters {
  readonly path: Readonly<Record<string, string>>;
  readonly querystring: Readonly<Record<string, string>>;
  readonly header: Readonly<Record<string, string>>;
}

/**
 * API Gateway's `$input`: the payload being mapped (the method request's body in a request
 * template, the integration's answer in a response template) and the method request's
 * parameters.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#input-variable-reference
 */
export interface VtlInput {
  readonly body: string;
  json(path: string): string;
  path(path: string): unknown;
  params(name?: string): unknown;
}

export function vtlInput(body: string, parameters: RequestParameters): VtlInput {
  let parsed: { value: unknown } | undefined;
  const payload = (): unknown => {
    parsed ??= { value: parsePayload(body) };
    return parsed.value;
  };
  return {
    // An empty payload reads as `{}` (a GET's `"body": $input.body` stays JSON), as recorded
    // against API Gateway in localstack's tests/aws/services/apigateway/test_apigateway_common.py
    // (test_input_body_formatting: an empty request body renders `Action=SendMessage&MessageBody={}`).
    body: body === '' ? '{}' : body,
    json: (path) => JSON.stringify(select(payload(), path) ?? null),
    path: (path) => select(payload(), path),
    params: (name?: string) => (name === undefined ? copyOf(parameters) : parameterOf(parameters, String(name))),
  };
}

/**
 * The payload as JSON. An empty body is `{}` (a template's `$input.json('$')` writes `{}` for
 * a request without one); one that is not JSON is the text itself, so that `$input.path('$')`
 * and `$input.json('$')` still give it (unverified against AWS).
 */
function parsePayload(body: string): unknown {
  return body.trim() === '' ? {} : jsonOrText(body);
}

/**
 * A JSONPath expression's result: the value itself for a definite path (`$.things`,
 * `$['a b'][0]`), the list of matches for one with a wildcard, a filter, a union or a deep
 * scan, as Jayway JsonPath (API Gateway's) answers; a path without `$` starts at the root.
 */
function select(payload: unknown, path: string): unknown {
  const expression = String(path);
  if (expression === '$' || expression === '') return payload;
  if (payload === null || typeof payload !== 'object') return undefined;
  return compilePath(expression, { implicitRoot: true }).evaluate(payload);
}

/** `$input.params(x)`: the path parameter, else the query string's, else the header's (by any case). */
function parameterOf(parameters: RequestParameters, name: string): string {
  if (Object.hasOwn(parameters.path, name)) return parameters.path[name] as string;
  if (Object.hasOwn(parameters.querystring, name)) return parameters.querystring[name] as string;
  const header = Object.keys(parameters.header).find((h) => h.toLowerCase() === name.toLowerCase());
  return header === undefined ? '' : (parameters.header[header] as string);
}

/** A fresh copy each call: a template may `put` into what `$input.params()` gave it without changing the request. */
function copyOf(parameters: RequestParameters): Record<string, Record<string, string>> {
  return { path: { ...parameters.path }, querystring: { ...parameters.querystring }, header: { ...parameters.header } };
}
