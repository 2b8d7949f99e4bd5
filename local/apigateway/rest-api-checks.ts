import { AwsError } from '../endpoint/aws-error.js';
import { lambdaArnOf, streamingLambdaArnOf } from './lambda-arn.js';
import { awsTargetOf } from './rest-api-integrations.js';
import type { StoredResource } from './rest-api-store.js';

/**
 * What API Gateway's control plane refuses of a REST API's resources, methods and
 * integrations, with its error codes and texts (AWS's recorded answers in LocalStack's
 * API Gateway tests): a resource or method that is not there, a path part or method AWS does
 * not take, an integration whose URI does not fit its type.
 */

export const badRequest = (message: string) => new AwsError('BadRequestException', message, 400);
export const notFound = (message: string) => new AwsError('NotFoundException', message, 404);
export const conflict = (message: string) => new AwsError('ConflictException', message, 409);

export const RESOURCE_NOT_FOUND = 'Invalid Resource identifier specified';
export const METHOD_NOT_FOUND = 'Invalid Method identifier specified';
export const INTEGRATION_NOT_FOUND = 'Invalid Integration identifier specified';
export const RESPONSE_NOT_FOUND = 'Invalid Response status code specified';
export const STAGE_NOT_FOUND = 'Invalid Stage identifier specified';

/** The methods a REST API's resource may have. */
const HTTP_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'ANY'];

export function checkHttpMethod(httpMethod: string): void {
  if (!HTTP_METHODS.includes(httpMethod)) {
    throw badRequest(`Invalid HttpMethod specified. Valid options are ${HTTP_METHODS.join(',')}`);
  }
}

/** A path part: letters, digits, `._-`, or a `{variable}` (`{proxy+}`, greedy) as the whole part. */
const PATH_PART = /^(?:[a-zA-Z0-9._-]+|\{[a-zA-Z0-9._-]+\+?\})$/;
const isVariable = (pathPart: string | undefined) => pathPart?.startsWith('{') === true;

/** Why CreateResource refuses a path part under `parent` beside `siblings`, or nothing. */
export function checkNewResource(pathPart: string, parent: StoredResource, siblings: readonly StoredResource[]): void {
  if (!PATH_PART.test(pathPart)) {
    throw badRequest(
      "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.",
    );
  }
  if (parent.pathPart?.endsWith('+}'))
    throw badRequest(`Cannot create a child of a resource with a greedy path variable: ${parent.pathPart}`);
  if (siblings.some((s) => s.pathPart === pathPart)) {
    throw conflict(`Another resource with the same parent already has this name: ${pathPart}`);
  }
  const variable = siblings.find((s) => isVariable(s.pathPart));
  if (isVariable(pathPart) && variable) {
    throw badRequest(`A sibling (${variable.pathPart}) of this resource already has a variable path part -- only one is allowed`);
  }
}

/** A method's request parameters name each parameter once across the query string, headers and path. */
export function checkRequestParameters(parameters: Readonly<Record<string, boolean>> | undefined): void {
  const names = Object.keys(parameters ?? {}).map((key) => /^method\.request\.(?:querystring|header|path)\.(.+)$/.exec(key)?.[1] ?? key);
  if (new Set(names).size !== names.length) throw badRequest('Parameter names must be unique across querystring, header and path');
}

/** The integration types whose request goes somewhere by an HTTP method of their own. */
const CALLING_TYPES = new Set(['AWS', 'AWS_PROXY', 'HTTP', 'HTTP_PROXY']);

/** Why PutIntegration refuses an integration of `type` to `uri` by `integrationHttpMethod`, or nothing. */
export function checkIntegration(type: string, uri: string | undefined, integrationHttpMethod: string | undefined): void {
  if (!CALLING_TYPES.has(type)) return;
  if (integrationHttpMethod === undefined || integrationHttpMethod === '')
    throw badRequest('Enumeration value for HttpMethod must be non-empty');
  if (type === 'HTTP' || type === 'HTTP_PROXY') {
    if (!/^https?:\/\/[^/\s]+/.test(uri ?? '')) throw badRequest('Invalid HTTP endpoint specified for URI');
    return;
  }
  if (awsTargetOf(uri ?? '', integrationHttpMethod) === undefined) throw badRequest('AWS ARN for integration must contain path or action');
  const proxied = lambdaArnOf(uri ?? '') ?? streamingLambdaArnOf(uri ?? '');
  if (type === 'AWS_PROXY' && proxied === undefined && !/:firehose:/.test(uri ?? '')) {
    throw badRequest("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.");
  }
}
