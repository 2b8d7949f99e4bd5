/**
 * Scheduler's universal targets (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html):
 * a target Arn `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>` whose Input is "a well-formed
 * JSON you specify with the request parameters that EventBridge Scheduler sends to the target
 * API". Locally the action is called through the one table that runs Step Functions' `aws-sdk`
 * tasks and Custom Event Bus universal targets against the hosted services
 * (local/states/aws-sdk-integrations.ts): the same service identifiers, the same PascalCase
 * request members, the same conversion and model checks.
 */
import { AwsError } from '../endpoint/aws-error.js';
import type { SdkIntegrations } from '../states/aws-sdk-integrations.js';

/** What a universal target calls through: Step Functions' AWS SDK integrations over the running services. */
export type UniversalTargetCalls = Pick<SdkIntegrations, 'unsupported' | 'request'>;

/** `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>` (no Region, no account), or undefined for any other ARN. */
export function universalTargetOf(arn: string): { readonly service: string; readonly action: string } | undefined {
  const m = /^arn:aws[-a-z0-9]*:scheduler:::aws-sdk:([^:]+):([^:]+)$/.exec(arn);
  return m ? { service: m[1] as string, action: m[2] as string } : undefined;
}

/**
 * "EventBridge Scheduler does not support read-only API actions, such as common GET operations,
 * that begin with the following list of prefixes" (managing-targets-universal).
 */
const READ_ONLY_PREFIXES = [
  'get',
  'describe',
  'list',
  'poll',
  'receive',
  'search',
  'scan',
  'query',
  'select',
  'read',
  'lookup',
  'discover',
  'validate',
  'batchGet',
  'batchDescribe',
  'batchRead',
  'transactGet',
  'adminGet',
  'adminList',
  'testMigration',
  'retrieve',
  'testConnection',
  'translateDocument',
  'isAuthorized',
  'invokeModel',
];

/** Why Scheduler itself refuses the universal target's action (a read-only one), or undefined. */
export function readOnlyAction(action: string): string | undefined {
  const prefix = READ_ONLY_PREFIXES.find((p) => action.startsWith(p) && !/^[a-z]/.test(action.charAt(p.length)));
  return prefix === undefined ? undefined : `Scheduler does not support read-only actions (${action} begins with ${prefix})`;
}

/** Why the runtime cannot call the universal target `arn` names (a service it does not host, an action not implemented), or undefined. */
export function universalProblem(arn: string, calls: UniversalTargetCalls | undefined): string | undefined {
  const target = universalTargetOf(arn);
  if (target === undefined) return undefined;
  const reason = calls === undefined ? 'this runtime has no AWS SDK integrations' : calls.unsupported(target.service, target.action);
  return reason === undefined ? undefined : `its universal target ${arn} cannot run locally: ${reason}`;
}

/**
 * Calls the universal target's action once with the firing's Input as its request; resolves
 * when the service accepted it, rejects with the service's own error otherwise (retried, then
 * dead-lettered, as any target's failure).
 * @throws AwsError UnsupportedTarget when the runtime cannot call it, ValidationException when Input is not a JSON object
 */
export async function callUniversalTarget(calls: UniversalTargetCalls | undefined, arn: string, input: string): Promise<void> {
  const target = universalTargetOf(arn);
  const problem = universalProblem(arn, calls);
  if (target === undefined || calls === undefined || problem !== undefined)
    throw new AwsError('UnsupportedTarget', problem ?? `${arn} is not a universal target`);
  await calls.request(target.service, target.action, requestOf(input));
}

/** The action's request: the Input, a JSON object. */
function requestOf(input: string): Record<string, unknown> {
  let request: unknown;
  try {
    request = JSON.parse(input);
  } catch (error) {
    throw new AwsError('ValidationException', `the universal target's Input is not JSON: ${(error as Error).message}`);
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    throw new AwsError('ValidationException', "the universal target's Input must be the action's request, a JSON object");
  return request as Record<string, unknown>;
}
