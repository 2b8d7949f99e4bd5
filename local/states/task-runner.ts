import { randomUUID } from 'node:crypto';
import { AwsError } from '../aws-error.js';
import { childHeader, currentTraceHeader, stateSegment, withTraceHeader } from '../trace-header.js';
import type { SdkIntegrations } from './aws-sdk-integrations.js';
import { TaskFailure, type TaskRequest, type TaskRunner } from './engine/index.js';
import { type BedrockForTasks, bedrockInvokeModel } from './integrations/bedrock.js';
import { waitForTaskToken } from './integrations/callback.js';
import { type DynamoDbForTasks, dynamoDbTask } from './integrations/dynamodb.js';
import { type EventsForTasks, eventsPutEvents } from './integrations/events.js';
import { type LambdaForTasks, lambdaFunction, lambdaInvoke } from './integrations/lambda.js';
import { abortable, asObject, idempotentCall, need, type TaskEnvironment } from './integrations/shared.js';
import { type SnsForTasks, snsPublish } from './integrations/sns.js';
import { type SqsForTasks, sqsSendMessage } from './integrations/sqs.js';
import { type StatesForTasks, startExecution } from './integrations/states.js';

// The neighbours' interfaces are part of the runner's options; runtime.ts builds DynamoDB with sdkDynamoDb.
export { type DynamoDbForTasks, type DynamoDbOperation, sdkDynamoDb } from './integrations/dynamodb.js';
export type { EventsForTasks, PutEventsEntry } from './integrations/events.js';
export type { LambdaForTasks } from './integrations/lambda.js';
export type { SnsForTasks } from './integrations/sns.js';
export type { SqsForTasks } from './integrations/sqs.js';
export { type ExecutionOutcome, redriveStatus, type StatesForTasks } from './integrations/states.js';

export interface TaskRunnerOptions extends TaskEnvironment {
  readonly lambda?: LambdaForTasks;
  readonly sqs?: SqsForTasks;
  readonly events?: EventsForTasks;
  readonly dynamodb?: DynamoDbForTasks;
  readonly sns?: SnsForTasks;
  readonly bedrock?: BedrockForTasks;
  /** The aws-sdk integrations of the hosted services. */
  readonly sdk?: SdkIntegrations;
  readonly states: StatesForTasks;
  /**
   * IAM for the state machine's role: whether it may make a task's request (the service and
   * operation as IAM names them, the request in the API's shape). Resolves with AWS's
   * AccessDenied message when it may not (and IAM enforces), else undefined. @default none
   */
  readonly authorize?: (task: TaskAuthorization) => Promise<string | undefined>;
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

/**
 * The error a refused optimized integration fails its task with: the Java SDK's exception for
 * AccessDenied, by service, and the error code the service answered (SQS's `AccessDenied`,
 * SNS's `AuthorizationError`), as the cause's details name it.
 */
const ACCESS_DENIED_ERRORS: Readonly<
  Record<string, { readonly error: string; readonly service: string; readonly status: number; readonly code: string }>
> = {
  lambda: { error: 'Lambda.AWSLambdaException', service: 'AWSLambda', status: 403, code: 'AccessDeniedException' },
  sqs: { error: 'SQS.AmazonSQSException', service: 'AmazonSQS', status: 403, code: 'AccessDenied' },
  sns: { error: 'SNS.AuthorizationErrorException', service: 'AmazonSNS', status: 403, code: 'AuthorizationError' },
  dynamodb: { error: 'DynamoDB.AmazonDynamoDBException', service: 'AmazonDynamoDBv2', status: 400, code: 'AccessDeniedException' },
  events: { error: 'EventBridge.AmazonEventBridgeException', service: 'AmazonEventBridge', status: 400, code: 'AccessDeniedException' },
  states: { error: 'StepFunctions.AWSStepFunctionsException', service: 'AWSStepFunctions', status: 400, code: 'AccessDeniedException' },
  bedrock: { error: 'Bedrock.AccessDeniedException', service: 'BedrockRuntime', status: 403, code: 'AccessDeniedException' },
};

/** aws-sdk integrations name some services otherwise than IAM does. */
const SDK_IAM_SERVICES: Readonly<Record<string, string>> = {
  sfn: 'states',
  eventbridge: 'events',
  cloudwatchlogs: 'logs',
  bedrockruntime: 'bedrock',
  sesv2: 'ses',
};

type Pattern = 'request-response' | 'sync' | 'sync:2' | 'waitForTaskToken';

type Target =
  | { kind: 'lambda-function'; functionArn: string }
  | { kind: 'integration'; service: string; action: string; pattern: Pattern }
  | { kind: 'aws-sdk'; service: string; action: string; pattern: Pattern };

/** The optimized integrations run here, with the patterns each supports. */
const INTEGRATIONS: Record<string, readonly Pattern[]> = {
  'lambda:invoke': ['request-response', 'waitForTaskToken'],
  'sqs:sendMessage': ['request-response', 'waitForTaskToken'],
  'events:putEvents': ['request-response', 'waitForTaskToken'],
  'dynamodb:getItem': ['request-response'],
  'dynamodb:putItem': ['request-response'],
  'dynamodb:updateItem': ['request-response'],
  'dynamodb:deleteItem': ['request-response'],
  'sns:publish': ['request-response', 'waitForTaskToken'],
  'states:startExecution': ['request-response', 'sync', 'sync:2', 'waitForTaskToken'],
  'bedrock:invokeModel': ['request-response'],
};

/** The neighbour each optimized integration's service prefix calls, by its option and its name (Step Functions itself is always there). */
const NEIGHBOURS: Record<string, { option: 'lambda' | 'sqs' | 'events' | 'dynamodb' | 'sns' | 'bedrock'; name: string }> = {
  lambda: { option: 'lambda', name: 'Lambda' },
  sqs: { option: 'sqs', name: 'SQS' },
  events: { option: 'events', name: 'EventBridge' },
  dynamodb: { option: 'dynamodb', name: 'DynamoDB' },
  sns: { option: 'sns', name: 'SNS' },
  bedrock: { option: 'bedrock', name: 'Bedrock Runtime' },
};

/** Which Task resources this runner can run, and how; undefined for anything else. */
export function parseResource(resource: string): Target | undefined {
  if (/^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(:[^:]+)?$/.test(resource)) return { kind: 'lambda-function', functionArn: resource };
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
 * `.waitForTaskToken` and `.sync` patterns; one module per service in `integrations/`) and
 * its AWS SDK integrations (`sdk`). A request already submitted before a restart is not
 * sent again: the resumed task waits for its token or child execution.
 */
export class LocalTaskRunner implements TaskRunner {
  constructor(private readonly options: TaskRunnerOptions) {}

  /** Why a Task resource cannot run here, in a few words, or undefined when it can. */
  unsupported(resource: string): string | undefined {
    const target = parseResource(resource);
    if (target?.kind === 'lambda-function') return undefined;
    if (target?.kind === 'aws-sdk') {
      if (target.pattern !== 'request-response' && target.pattern !== 'waitForTaskToken') {
        return 'AWS SDK integrations have no .sync pattern, only Request Response and .waitForTaskToken';
      }
      const sdk = this.options.sdk;
      if (!sdk || sdk.services.length === 0) return 'the local runtime was started without the services AWS SDK integrations call';
      return sdk.unsupported(target.service, target.action);
    }
    if (target && INTEGRATIONS[`${target.service}:${target.action}`]?.includes(target.pattern)) {
      const neighbour = NEIGHBOURS[target.service];
      return neighbour && !this.options[neighbour.option] ? `the local runtime was started without ${neighbour.name}` : undefined;
    }
    if (/^arn:[^:]+:states:[^:]*:[^:]*:activity:/.test(resource)) return 'activities are not run locally: no worker can poll them here';
    if (target)
      return `no local integration runs ${target.service}:${target.action}${target.pattern === 'request-response' ? '' : `.${target.pattern}`}`;
    return 'it is not a resource the local runtime knows';
  }

  /** What the runner does run, for the message of a task it cannot. */
  #runsHere(): string {
    const optimized = [...Object.keys(INTEGRATIONS).map((k) => `arn:aws:states:::${k}`), 'Lambda function ARNs'].join(', ');
    const sdk = this.options.sdk?.services.map((s) => `aws-sdk:${s}`).join(', ');
    return `it runs ${optimized}${sdk ? ` and the AWS SDK integrations ${sdk}` : ''}`;
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
    if (target?.kind === 'lambda-function') {
      await this.#authorize(request, 'lambda', 'Invoke', { FunctionName: target.functionArn });
      return lambdaFunction(need(this.options.lambda, 'Lambda'), target.functionArn, request.input, request.signal);
    }
    const reason = this.unsupported(request.resource);
    if (!target || reason) {
      throw new TaskFailure(
        'States.Runtime',
        `The local Step Functions runtime cannot run the resource '${request.resource}' of the state '${request.stateName}': ${reason}; ${this.#runsHere()}.`,
      );
    }
    const args = asObject(request.input, request);
    if (target.kind === 'aws-sdk') {
      const sdk = this.options.sdk as SdkIntegrations;
      const service = SDK_IAM_SERVICES[target.service] ?? target.service;
      const operation = pascalCase(target.action);
      // Checked inside the call, so that a refusal fails the task as the service's own error would (`<Service>.<Exception>`).
      const authorize = async () => {
        const denied = await this.#denial(request, service, operation, args);
        if (denied) throw new AwsError('AccessDeniedException', denied, 400);
      };
      const options = { signal: request.signal, authorize, ...idempotentCall(this.options, request) };
      const call = () => abortable(sdk.call(target.service, target.action, args, options), request.signal);
      return target.pattern === 'waitForTaskToken' ? waitForTaskToken(this.options, request, call) : call();
    }
    const [service, operation, input] = optimizedRequest(target.service, target.action, args);
    await this.#authorize(request, service, operation, input);
    const call = () => this.#call(`${target.service}:${target.action}`, args, request, target.pattern);
    if (target.pattern === 'waitForTaskToken') return waitForTaskToken(this.options, request, call);
    return call();
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

  /** Fails the task as its optimized integration fails a request AWS refuses. */
  async #authorize(request: TaskRequest, service: string, operation: string, input: unknown): Promise<void> {
    const denied = await this.#denial(request, service, operation, input);
    if (denied === undefined) return;
    const named = ACCESS_DENIED_ERRORS[service] ?? { error: 'States.TaskFailed', service, status: 403, code: 'AccessDeniedException' };
    throw new TaskFailure(
      named.error,
      `${denied} (Service: ${named.service}; Status Code: ${named.status}; Error Code: ${named.code}; Request ID: ${randomUUID()}; Proxy: null)`,
    );
  }

  async #call(integration: string, args: Record<string, unknown>, request: TaskRequest, pattern: Pattern): Promise<unknown> {
    const o = this.options;
    switch (integration) {
      case 'lambda:invoke':
        return lambdaInvoke(o, need(o.lambda, 'Lambda'), args, request);
      case 'sqs:sendMessage':
        return sqsSendMessage(o, need(o.sqs, 'SQS'), args, request);
      case 'events:putEvents':
        return eventsPutEvents(o, need(o.events, 'EventBridge'), args, request);
      case 'sns:publish':
        return snsPublish(o, need(o.sns, 'SNS'), args, request);
      case 'states:startExecution':
        return startExecution(o, o.states, args, request, pattern);
      case 'bedrock:invokeModel':
        return bedrockInvokeModel(need(o.bedrock, 'Bedrock Runtime'), args, request);
      default:
        return dynamoDbTask(o, need(o.dynamodb, 'DynamoDB'), integration.slice('dynamodb:'.length), args, request);
    }
  }
}

/** `sendMessage` -> `SendMessage`. */
function pascalCase(name: string): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

/** The API request an optimized integration makes: IAM's service, the operation and its input. */
function optimizedRequest(service: string, action: string, args: Record<string, unknown>): [string, string, unknown] {
  if (service === 'bedrock') return ['bedrock', 'InvokeModel', { modelId: args.ModelId }];
  return [service, pascalCase(action), args];
}
