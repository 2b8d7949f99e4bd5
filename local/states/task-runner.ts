import { AwsError } from '../endpoint/aws-error.js';
import { childHeader, currentTraceHeader, stateSegment, withTraceHeader } from '../endpoint/trace-header.js';
import { TaskFailure, type TaskRequest, type TaskRunner } from './engine/index.js';
import { type ActivityTasks, runActivity, syncOrTaskToken, waitForTaskToken } from './integrations/callback.js';
import { abortable, asObject, idempotentCall, need, serviceFailure, type TaskEnvironment } from './integrations/shared.js';
import type { OptimizedAction, OptimizedService, Pattern, TaskIntegrations } from './task-integrations.js';

export { type ExecutionOutcome, redriveStatus, type StatesForTasks } from './integrations/states.js';

export interface TaskRunnerOptions extends TaskEnvironment {
  /** The integrations the modules declare, with the services that run them. */
  readonly integrations: TaskIntegrations;
  /**
   * IAM for the state machine's role: whether it may make a task's request (the service and
   * operation as IAM names them, the request in the API's shape). Resolves with AWS's
   * AccessDenied message when it may not (and IAM enforces), else undefined. @default none
   */
  readonly authorize?: (task: TaskAuthorization) => Promise<string | undefined>;
  /** The activities Tasks may name (their workers poll the API for them). @default none: a Task naming an activity cannot run */
  readonly activities?: ActivityTasks;
}

/** A task's request, as IAM authorizes it for the execution's role. */
export interface TaskAuthorization {
  readonly roleArn: string;
  /** The role's session: the execution's name. */
  readonly sessionName: string;
  readonly service: string;
  readonly operation: string;
  readonly input: unknown;
  readonly stateName: string;
}

type Target =
  | { kind: 'lambda-function'; functionArn: string }
  | { kind: 'activity'; activityArn: string }
  | { kind: 'integration'; service: string; action: string; pattern: Pattern }
  | { kind: 'aws-sdk'; service: string; action: string; pattern: Pattern };

/** Which Task resources this runner can run, and how; undefined for anything else. */
export function parseResource(resource: string): Target | undefined {
  if (/^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(:[^:]+)?$/.test(resource)) return { kind: 'lambda-function', functionArn: resource };
  if (/^arn:[^:]+:states:[^:]*:[^:]*:activity:[^:]+$/.test(resource)) return { kind: 'activity', activityArn: resource };
  const sdk = /^arn:[^:]+:states:::aws-sdk:([a-z0-9-]+):([A-Za-z0-9]+)(?:\.(sync:2|sync|waitForTaskToken))?$/.exec(resource);
  if (sdk) {
    const [, service = '', action = '', pattern] = sdk;
    return { kind: 'aws-sdk', service, action, pattern: (pattern as Pattern | undefined) ?? 'request-response' };
  }
  const m = /^arn:[^:]+:states:::([a-z0-9-]+):([A-Za-z]+)(?:\.(sync:2|sync|waitForTaskToken))?$/.exec(resource);
  if (!m) return undefined;
  const [, service = '', action = '', pattern] = m;
  return { kind: 'integration', service, action, pattern: (pattern as Pattern | undefined) ?? 'request-response' };
}

/**
 * Runs Task states against the local services with Step Functions' optimized
 * integrations (their request and response shapes, error names, and the
 * `.waitForTaskToken` and `.sync` patterns; each service's module declares its own) and
 * its AWS SDK integrations. A request already submitted before a restart is not
 * sent again: the resumed task waits for its token or child execution.
 */
export class LocalTaskRunner implements TaskRunner {
  constructor(private readonly options: TaskRunnerOptions) {}

  /** Why a Task resource cannot run here, in a few words, or undefined when it can. */
  unsupported(resource: string): string | undefined {
    const target = parseResource(resource);
    if (target?.kind === 'lambda-function') return undefined;
    if (target?.kind === 'activity') return this.options.activities ? undefined : 'activities are not run here';
    if (target?.kind === 'aws-sdk') {
      if (target.pattern !== 'request-response' && target.pattern !== 'waitForTaskToken') {
        return 'AWS SDK integrations have no .sync pattern, only Request Response and .waitForTaskToken';
      }
      const { sdk } = this.options.integrations;
      if (sdk.services.length === 0) return 'the local runtime was started without the services AWS SDK integrations call';
      return sdk.unsupported(target.service, target.action);
    }
    const optimized = target && this.options.integrations.optimized(target.service);
    if (target && optimized?.actions[target.action]?.patterns.includes(target.pattern)) {
      return optimized.operations === undefined ? `the local runtime was started without ${optimized.errors.prefix}` : undefined;
    }
    if (target)
      return `no local integration runs ${target.service}:${target.action}${target.pattern === 'request-response' ? '' : `.${target.pattern}`}`;
    return 'it is not a resource the local runtime knows';
  }

  /**
   * An activity that does not exist, or parameters an optimized integration refuses, fail the
   * Task before it is scheduled, as AWS's recorded answers show.
   */
  unschedulable(resource: string, input: unknown): string | undefined {
    const target = parseResource(resource);
    if (target?.kind === 'integration') {
      const refuses = this.options.integrations.optimized(target.service)?.actions[target.action]?.refuses;
      const args = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : undefined;
      return args === undefined ? undefined : refuses?.(args);
    }
    if (target?.kind !== 'activity' || this.options.activities?.exists(target.activityArn) !== false) return undefined;
    return `The activity ${target.activityArn} does not exist.`;
  }

  /** What the runner does run, for the message of a task it cannot. */
  #runsHere(): string {
    const { runs, sdk } = this.options.integrations;
    const hosted = sdk.services.map((s) => `aws-sdk:${s}`).join(', ');
    return `it runs ${runs.join(', ')}${hosted ? ` and the AWS SDK integrations ${hosted}` : ''}`;
  }

  /**
   * Runs a task as its state: every call it makes carries the execution's trace with the
   * state's segment as parent, so that what the task invokes hangs under the state (its span,
   * local/traces/runtime-spans.ts), as in X-Ray. An execution run with no trace (TestState)
   * and a distributed Map's iterations (no state entry recorded) call as they are.
   */
  run(request: TaskRequest): Promise<unknown> {
    const execution = currentTraceHeader();
    const entry = request.stateEntry;
    if (execution === undefined || entry === undefined) return this.#run(request);
    return withTraceHeader(childHeader(execution, stateSegment(entry.executionArn, entry.enteredEventId)), () => this.#run(request));
  }

  async #run(request: TaskRequest): Promise<unknown> {
    const target = parseResource(request.resource);
    if (target?.kind === 'lambda-function') return this.#runArn(request, target.functionArn);
    const reason = this.unsupported(request.resource);
    if (!target || reason) {
      throw new TaskFailure(
        'States.Runtime',
        `The local Step Functions runtime cannot run the resource '${request.resource}' of the state '${request.stateName}': ${reason}; ${this.#runsHere()}.`,
      );
    }
    if (target.kind === 'activity')
      return runActivity(this.options, need(this.options.activities, 'activities'), request, target.activityArn);
    const args = asObject(request.input, request);
    if (target.kind === 'aws-sdk') {
      const { sdk } = this.options.integrations;
      const { service, accessDenied } = this.options.integrations.sdkIam(target.service);
      const operation = pascalCase(target.action);
      // Checked inside the call, so that a refusal fails the task as the service's own error would (`<Service>.<Exception>`).
      const authorize = async () => {
        const denied = await this.#denial(request, service, operation, args);
        if (denied) throw new AwsError(accessDenied.code, denied, accessDenied.status);
      };
      const options = { signal: request.signal, authorize, ...idempotentCall(this.options, request) };
      const call = () => abortable(sdk.call(target.service, target.action, args, options), request.signal);
      return target.pattern === 'waitForTaskToken' ? waitForTaskToken(this.options, request, call) : call();
    }
    const integration = this.options.integrations.optimized(target.service) as OptimizedService;
    const action = integration.actions[target.action] as OptimizedAction<unknown>;
    const asked = action.request ? action.request(args) : { operation: pascalCase(target.action), input: args };
    if (asked) await this.#authorize(request, integration, target.service, asked.operation, asked.input);
    const call = () => action.run(this.options, integration.operations, args, request, target.pattern);
    if (target.pattern === 'waitForTaskToken') return waitForTaskToken(this.options, request, call);
    if (target.pattern === 'sync' || target.pattern === 'sync:2')
      return syncOrTaskToken(this.options, request, (job) => action.run(this.options, integration.operations, args, job, target.pattern));
    return call();
  }

  /** A Task naming one of a service's own ARNs (a Lambda function's): run as the service's module declares (its `ownArns`). */
  async #runArn(request: TaskRequest, arn: string): Promise<unknown> {
    const service = arn.split(':')[2] ?? '';
    const owner = need(this.options.integrations.optimized(service), service);
    const arns = need(owner.ownArns, service);
    const { operation, input } = arns.request(arn);
    await this.#authorize(request, owner, service, operation, input);
    return arns.run(need(owner.operations, owner.errors.prefix), arn, request.input, request.signal);
  }

  /** AWS's message when the execution's role may not make the request (and IAM enforces), else undefined. */
  async #denial(request: TaskRequest, service: string, operation: string, input: unknown): Promise<string | undefined> {
    const authorize = this.options.authorize;
    const execution = request.context.Execution as { RoleArn?: string; Name?: string } | undefined;
    // A task's Credentials (a role to assume for this task) name the role that calls instead of the execution's.
    const taskRole = (request.credentials as { RoleArn?: unknown } | undefined)?.RoleArn;
    const roleArn = typeof taskRole === 'string' ? taskRole : execution?.RoleArn;
    if (!authorize || !roleArn) return undefined;
    return authorize({ roleArn, sessionName: execution?.Name ?? 'execution', service, operation, input, stateName: request.stateName });
  }

  /** Fails the task as its optimized integration fails a request AWS refuses: the service's AccessDenied, as its module declares it. */
  async #authorize(request: TaskRequest, integration: OptimizedService, service: string, operation: string, input: unknown): Promise<void> {
    const denied = await this.#denial(request, service, operation, input);
    if (denied === undefined) return;
    const { code, status } = integration.accessDenied;
    throw serviceFailure(integration.errors, new AwsError(code, denied, status), () => integration.errors.accessDenied);
  }
}

/** `sendMessage` -> `SendMessage`. */
function pascalCase(name: string): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}
