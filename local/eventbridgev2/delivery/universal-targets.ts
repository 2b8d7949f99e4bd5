/**
 * A universal target (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-universal-targets.html):
 * "A universal target invokes an Amazon API action directly from a subscriber, with no function
 * in between ... you name the service and the API action, and you write the API request that
 * EventBridge sends, either as fixed JSON or as a JSONata expression that builds the request from
 * the event", its TargetArn `arn:aws:events:::aws-sdk:<service>:<apiAction>`. Locally the action
 * is called through the one table that runs Step Functions' `aws-sdk` tasks against the hosted
 * services (local/states/aws-sdk-integrations.ts): the same service identifiers (`sfn`, not
 * `states`), the same PascalCase request members, the same conversion and model checks.
 */
import { AwsError } from '../../endpoint/aws-error.js';
import type { SdkIntegrations } from '../../states/aws-sdk-integrations.js';
import type { Fields } from '../store.js';
import { TransformError } from './expressions.js';

/** What a universal target calls through: Step Functions' AWS SDK integrations over the running services. */
export type UniversalTargetCalls = Pick<SdkIntegrations, 'unsupported' | 'request'>;

/** `arn:aws:events:::aws-sdk:<service>:<apiAction>` (no Region, no account), or undefined for any other ARN. */
export function universalTargetOf(targetArn: unknown): { service: string; action: string } | undefined {
  const m = typeof targetArn === 'string' ? /^arn:aws[-a-z0-9]*:events:::aws-sdk:([^:]+):([^:]+)$/.exec(targetArn) : null;
  return m ? { service: m[1] as string, action: m[2] as string } : undefined;
}

/** API_UniversalTargetParameters: "Timeout in seconds for each invocation of the target (1-30, default 30)". */
const DEFAULT_TIMEOUT_SECONDS = 30;

/**
 * Calls the target's action once, with the request UniversalTargetParameters.Input resolved to
 * over the invocation's events (`$events` the batch's array, as LambdaParameters see it): the
 * call succeeds or fails for the whole batch, and a failure is retried under the RetryPolicy,
 * then dead-lettered, as any target's.
 * @throws AwsError TargetNotRunLocally when the runtime does not host the service or the action, TargetTimeout past InvocationTimeoutSeconds;
 *   TransformError when Input is not a request; the service's own error when the call fails
 */
export async function callUniversalTarget(calls: UniversalTargetCalls, targetArn: string, invocation: Fields): Promise<void> {
  const target = universalTargetOf(targetArn);
  const reason = target === undefined ? 'not a universal target ARN' : calls.unsupported(target.service, target.action);
  if (target === undefined || reason !== undefined)
    throw new AwsError('TargetNotRunLocally', `the universal target ${targetArn} cannot run locally: ${reason}`, 500);
  const parameters = (invocation.UniversalTargetParameters ?? {}) as Fields;
  const request = requestOf(parameters.Input);
  const seconds = Number(parameters.InvocationTimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS);
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new AwsError('TargetTimeout', `${targetArn} did not answer within InvocationTimeoutSeconds (${seconds} s)`, 504));
    }, seconds * 1000);
  });
  try {
    await Promise.race([calls.request(target.service, target.action, request, { signal: abort.signal }), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The action's request: Input's JSON text (a literal, or what an expression produced as text), or
 * the object an expression built ("UniversalTargetParameters.Input can return any JSON value",
 * eb-custom-bus-transform); a request is a JSON object.
 */
function requestOf(input: unknown): Record<string, unknown> {
  let request = input;
  if (typeof input === 'string') {
    try {
      request = JSON.parse(input);
    } catch (error) {
      throw new TransformError('InvokeConfiguration.UniversalTargetParameters.Input', `is not JSON text: ${(error as Error).message}`);
    }
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    throw new TransformError(
      'InvokeConfiguration.UniversalTargetParameters.Input',
      `must be the action's request, a JSON object, not ${Array.isArray(request) ? 'an array' : typeof request}`,
    );
  return request as Record<string, unknown>;
}
