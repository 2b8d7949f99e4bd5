import { randomUUID } from 'node:crypto';
import { AwsError } from '../aws-error.js';
import type { RawRequest, RawResponse } from '../endpoint/protocols.js';
import type { Answer, ControlPlane } from './control-plane.js';
import { lambdaPathLabels } from './lambda-operations.js';
import { parseBody } from './request-parts.js';

/** The operations of Lambda's API the control plane serves (control-plane.ts). */
const WRITES = [
  'CreateFunction',
  'UpdateFunctionCode',
  'UpdateFunctionConfiguration',
  'PublishVersion',
  'DeleteFunction',
  'CreateAlias',
  'UpdateAlias',
  'DeleteAlias',
  'TagResource',
  'UntagResource',
  'AddPermission',
  'RemovePermission',
  'PutFunctionConcurrency',
  'DeleteFunctionConcurrency',
  'PutFunctionEventInvokeConfig',
  'UpdateFunctionEventInvokeConfig',
  'DeleteFunctionEventInvokeConfig',
] as const;
type Write = (typeof WRITES)[number];

const isWrite = (name: string | undefined): name is Write => WRITES.includes(name as Write);

/**
 * Answers a request for one of the control plane's operations, or undefined for another: its
 * input is the request's JSON body with its path's labels (`FunctionName`, `Name`, `Resource`)
 * and query members (`Qualifier`, `tagKeys`), as Lambda's REST-JSON protocol carries them.
 */
export async function answerWrite(plane: ControlPlane, name: string | undefined, request: RawRequest): Promise<RawResponse | undefined> {
  if (!isWrite(name)) return undefined;
  return answered(await plane[name](writeInput(request)));
}

/**
 * A write's input: the request's JSON body (an object, or refused as Lambda refuses it) with its
 * path's labels and its query's `Qualifier` and `tagKeys`, as Lambda's REST-JSON protocol carries them.
 * @throws AwsError InvalidRequestContentException
 */
export function writeInput(request: RawRequest): Record<string, unknown> {
  const body = parseBody(request.body);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json: the body must be a JSON object.');
  }
  const qualifier = request.query.get('Qualifier');
  const tagKeys = request.query.getAll('tagKeys');
  return {
    ...body,
    ...lambdaPathLabels(request.method, request.path),
    ...(qualifier === null ? {} : { Qualifier: qualifier }),
    ...(tagKeys.length > 0 ? { TagKeys: tagKeys } : {}),
  };
}

/** An operation's answer (status and JSON body, none for 204) as the HTTP response. */
export function answered(answer: Answer): RawResponse {
  return {
    status: answer.status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() },
    body: answer.body === undefined ? '' : JSON.stringify(answer.body),
  };
}

/** The operations the control plane serves, for the module's list of what Lambda serves. */
export const CONTROL_PLANE_OPERATIONS: readonly string[] = WRITES;
