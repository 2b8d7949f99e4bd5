import { randomUUID } from 'node:crypto';
import * as DynamoDbSdk from '@aws-sdk/client-dynamodb';
import { AwsError } from '../aws-error.js';
import type { Clock } from '../clock.js';
import type { InvokeOutcome } from '../lambda/function-runtime.js';
import type { SdkIntegrations } from './aws-sdk-integrations.js';
import { realSleep, type Sleep, TaskFailure, type TaskRequest, type TaskRunner } from './engine/index.js';
import type { TaskRecord } from './execution-store.js';
import type { TaskCallbacks } from './task-callbacks.js';

// ---- what the runner needs from the other local services ----

/** Lambda, as LambdaService offers it in process. */
export interface LambdaForTasks {
  invoke(functionName: string, event: unknown): Promise<InvokeOutcome>;
}

/** SQS operations in their JSON-protocol shapes (SqsService). */
export interface SqsForTasks {
  GetQueueUrl(input: { QueueName: string; QueueOwnerAWSAccountId?: string }): Promise<{ QueueUrl?: string }>;
  SendMessage(input: {
    QueueUrl: string;
    MessageBody: string;
    DelaySeconds?: number;
    MessageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
    MessageGroupId?: string;
    MessageDeduplicationId?: string;
  }): Promise<{ MessageId?: string; MD5OfMessageBody?: string; MD5OfMessageAttributes?: string; SequenceNumber?: string }>;
}

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: number | string;
  TraceHeader?: string;
}

/** EventBridge's PutEvents (EventsService). */
export interface EventsForTasks {
  PutEvents(input: { Entries?: PutEventsEntry[] }): Promise<{
    FailedEntryCount?: number;
    Entries?: ({ EventId?: string } | { ErrorCode?: string; ErrorMessage?: string })[];
  }>;
}

/** A DynamoDB API operation by name: `GetItem`, `PutItem`, `TransactWriteItems`, ... */
export type DynamoDbOperation = string;

/**
 * DynamoDB operations in their API shapes (binary values as base64 text). Errors are
 * thrown as the SDK throws them: `name` is the error code, `$metadata` the HTTP status.
 */
export interface DynamoDbForTasks {
  send(operation: DynamoDbOperation, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** A finished (or running) execution as a `.sync` task reports it; dates in epoch ms. */
export interface ExecutionOutcome {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
}

/** Step Functions itself, for tasks that start executions. */
export interface StatesForTasks {
  StartExecution(input: { stateMachineArn?: string; name?: string; input?: string }): Promise<{ executionArn: string; startDate: number }>;
  StopExecution(input: { executionArn?: string; error?: string; cause?: string }): Promise<unknown>;
  /** Resolves once the execution has ended (at once if it has); rejects when `signal` aborts. */
  executionOutcome(executionArn: string, signal: AbortSignal): Promise<ExecutionOutcome>;
}

export interface TaskRunnerOptions {
  readonly lambda?: LambdaForTasks;
  readonly sqs?: SqsForTasks;
  readonly events?: EventsForTasks;
  readonly dynamodb?: DynamoDbForTasks;
  /** The aws-sdk integrations of the hosted services. */
  readonly sdk?: SdkIntegrations;
  readonly states: StatesForTasks;
  readonly callbacks: TaskCallbacks;
  readonly clock: Clock;
  /** Deadlines of resumed tasks; real time unless given. */
  readonly timer?: Sleep;
  /** Whether the execution survives a restart (STANDARD): only then are submissions recorded. */
  durable(executionArn: string): boolean;
  /** Whether the execution was resumed from its history in this process. */
  resumed(executionArn: string): boolean;
  readonly log?: (line: string) => void;
}

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
  'states:startExecution': ['request-response', 'sync', 'sync:2', 'waitForTaskToken'],
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
 * `.waitForTaskToken` and `.sync` patterns) and its AWS SDK integrations (`sdk`). A request already submitted before a restart
 * is not sent again: the resumed task waits for its token or child execution.
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
    if (target && INTEGRATIONS[`${target.service}:${target.action}`]?.includes(target.pattern)) return undefined;
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

  async run(request: TaskRequest): Promise<unknown> {
    const target = parseResource(request.resource);
    if (target?.kind === 'lambda-function') return this.#lambdaFunction(target.functionArn, request.input, request.signal);
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
      const call = () => abortable(sdk.call(target.service, target.action, args, request.signal), request.signal);
      return target.pattern === 'waitForTaskToken' ? this.#callback(request, call) : call();
    }
    const call = () => this.#call(`${target.service}:${target.action}`, args, request, target.pattern);
    if (target.pattern === 'waitForTaskToken') return this.#callback(request, call);
    return call();
  }

  #call(integration: string, args: Record<string, unknown>, request: TaskRequest, pattern: Pattern): Promise<unknown> {
    switch (integration) {
      case 'lambda:invoke':
        return this.#lambdaInvoke(args, request);
      case 'sqs:sendMessage':
        return this.#sqsSendMessage(args, request);
      case 'events:putEvents':
        return this.#eventsPutEvents(args, request);
      case 'states:startExecution':
        return this.#startExecution(args, request, pattern);
      default:
        return this.#dynamodb(integration.slice('dynamodb:'.length), args, request);
    }
  }

  // ---- callback pattern ----

  async #callback(request: TaskRequest, send: () => Promise<unknown>): Promise<unknown> {
    const token = request.taskToken;
    if (!token) throw new TaskFailure('States.Runtime', `The state '${request.stateName}' has no task token.`);
    const { callbacks } = this.options;
    const { record, existed } = callbacks.open(token, executionArnOf(request), 'token');
    const waiting = callbacks.wait(token, request.signal, () => request.heartbeat());
    waiting.catch(() => {});
    if (record.status === 'WAITING' && !record.submitted) {
      let response: unknown;
      try {
        response = await abortable(send(), request.signal);
      } catch (error) {
        if (!request.signal.aborted) callbacks.abandon(token, 'CLOSED');
        throw error;
      }
      callbacks.markSubmitted(token, response);
    }
    if (!existed) return waiting;
    return Promise.race([waiting, this.#resumedDeadline(token, record, request)]);
  }

  /**
   * The engine restarts a resumed task's TimeoutSeconds from the resume; AWS counts from
   * when the task started, so a resumed task times out at its original deadline.
   */
  #resumedDeadline(token: string, record: TaskRecord, request: TaskRequest): Promise<never> {
    if (request.timeoutSeconds === undefined || request.timeoutSeconds <= 0) return new Promise(() => {});
    const remaining = record.createdAt + request.timeoutSeconds * 1000 - this.options.clock.now();
    const expire = () => {
      this.options.callbacks.abandon(token, 'TIMED_OUT');
      throw new TaskFailure('States.Timeout');
    };
    if (remaining <= 0) return Promise.resolve().then(expire);
    return (this.options.timer ?? realSleep)(remaining, request.signal).then(expire, () => new Promise<never>(() => {}));
  }

  // ---- Lambda ----

  async #lambdaFunction(functionArn: string, input: unknown, signal: AbortSignal): Promise<unknown> {
    const outcome = await this.#invoke(functionArn, input, signal);
    if (!outcome.ok) throw new TaskFailure(outcome.error.errorType, JSON.stringify(outcome.error));
    return parsePayload(outcome.payload);
  }

  async #lambdaInvoke(args: Record<string, unknown>, request: TaskRequest): Promise<unknown> {
    const name = requiredString(args, 'FunctionName', request);
    const event = JSON.parse(payloadText(args.Payload)) as unknown;
    const type = args.InvocationType ?? 'RequestResponse';
    if (type === 'Event' || type === 'DryRun') {
      const status = type === 'Event' ? 202 : 204;
      if (type === 'Event') {
        // Accepted now, run in the background, as Lambda's asynchronous invocation.
        void this.#invoke(name, event, new AbortController().signal).then(
          (outcome) => {
            if (!outcome.ok) this.options.log?.(`${name} failed an asynchronous invocation: ${outcome.error.errorType}`);
          },
          () => {},
        );
      }
      return { Payload: '', ...sdkMetadata(this.options.clock, 'application/json', '', status), StatusCode: status };
    }
    if (type !== 'RequestResponse') {
      throw serviceFailure(
        'Lambda',
        'AWSLambda',
        new AwsError('InvalidParameterValueException', `Invalid InvocationType: ${String(type)}`),
      );
    }
    const outcome = await this.#invoke(name, event, request.signal);
    const body = outcome.ok ? outcome.payload : JSON.stringify(outcome.error);
    if (!outcome.ok) throw new TaskFailure(outcome.error.errorType, body);
    return {
      ExecutedVersion: '$LATEST',
      Payload: parsePayload(outcome.payload),
      ...sdkMetadata(this.options.clock, 'application/json', body, 200, {
        'X-Amz-Executed-Version': '$LATEST',
        'x-amzn-Remapped-Content-Length': '0',
        Connection: 'keep-alive',
      }),
      StatusCode: 200,
    };
  }

  async #invoke(name: string, event: unknown, signal: AbortSignal): Promise<InvokeOutcome> {
    const lambda = this.#need(this.options.lambda, 'Lambda');
    try {
      return await abortable(lambda.invoke(name, event), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw serviceFailure('Lambda', 'AWSLambda', error);
    }
  }

  // ---- SQS ----

  async #sqsSendMessage(args: Record<string, unknown>, request: TaskRequest): Promise<unknown> {
    const sqs = this.#need(this.options.sqs, 'SQS');
    const queueUrl = requiredString(args, 'QueueUrl', request);
    if (args.MessageBody === undefined) throw missingField('MessageBody', request);
    const body = typeof args.MessageBody === 'string' ? args.MessageBody : JSON.stringify(args.MessageBody);
    try {
      const { QueueUrl } = await abortable(sqs.GetQueueUrl(queueNameOf(queueUrl)), request.signal);
      const response = await abortable(
        sqs.SendMessage({
          QueueUrl: QueueUrl ?? queueUrl,
          MessageBody: body,
          ...pick(args, ['DelaySeconds', 'MessageAttributes', 'MessageGroupId', 'MessageDeduplicationId']),
        }),
        request.signal,
      );
      const result: Record<string, unknown> = {};
      if (response.MD5OfMessageAttributes !== undefined) result.MD5OfMessageAttributes = response.MD5OfMessageAttributes;
      result.MD5OfMessageBody = response.MD5OfMessageBody;
      result.MessageId = response.MessageId;
      Object.assign(result, sdkMetadata(this.options.clock, 'text/xml', JSON.stringify(response)));
      if (response.SequenceNumber !== undefined) result.SequenceNumber = response.SequenceNumber;
      return result;
    } catch (error) {
      if (request.signal.aborted) throw error;
      throw serviceFailure('SQS', 'AmazonSQS', error, sqsErrorName);
    }
  }

  // ---- EventBridge ----

  async #eventsPutEvents(args: Record<string, unknown>, request: TaskRequest): Promise<unknown> {
    const events = this.#need(this.options.events, 'EventBridge');
    if (!Array.isArray(args.Entries)) throw missingField('Entries', request);
    const machineArn = stateMachineArnOf(request);
    const executionArn = executionArnOf(request);
    const entries = args.Entries.map((entry) => {
      const e = { ...(isObject(entry) ? entry : {}) } as PutEventsEntry & Record<string, unknown>;
      if (e.Detail !== undefined && typeof e.Detail !== 'string') e.Detail = JSON.stringify(e.Detail);
      // Step Functions names the state machine and the execution in every event it puts.
      e.Resources = [...(Array.isArray(e.Resources) ? e.Resources : []), machineArn, executionArn];
      return e;
    });
    let response: Awaited<ReturnType<EventsForTasks['PutEvents']>>;
    try {
      response = await abortable(events.PutEvents({ Entries: entries }), request.signal);
    } catch (error) {
      if (request.signal.aborted) throw error;
      throw serviceFailure('EventBridge', 'AmazonEventBridge', error);
    }
    const result = { Entries: response.Entries ?? [], FailedEntryCount: response.FailedEntryCount ?? 0 };
    if (result.FailedEntryCount > 0) throw new TaskFailure('EventBridge.FailedEntry', JSON.stringify(result));
    return result;
  }

  // ---- DynamoDB ----

  async #dynamodb(action: string, args: Record<string, unknown>, request: TaskRequest): Promise<unknown> {
    const dynamodb = this.#need(this.options.dynamodb, 'DynamoDB');
    const operation = `${action.charAt(0).toUpperCase()}${action.slice(1)}` as DynamoDbOperation;
    try {
      const response = await abortable(dynamodb.send(operation, args), request.signal);
      return { ...response, ...sdkMetadata(this.options.clock, 'application/x-amz-json-1.0', JSON.stringify(response)) };
    } catch (error) {
      if (request.signal.aborted) throw error;
      throw serviceFailure('DynamoDB', 'AmazonDynamoDBv2', error);
    }
  }

  // ---- Step Functions ----

  async #startExecution(args: Record<string, unknown>, request: TaskRequest, pattern: Pattern): Promise<unknown> {
    const submission = this.#submission(request, pattern);
    let started: { ExecutionArn: string; StartDate: number };
    if (submission?.record.submitted && submission.record.response) {
      started = JSON.parse(submission.record.response) as typeof started;
    } else {
      started = await this.#startChild(args, request);
      if (submission) this.options.callbacks.markSubmitted(submission.key, started);
    }
    if (pattern === 'request-response' || pattern === 'waitForTaskToken') {
      return {
        ExecutionArn: started.ExecutionArn,
        ...sdkMetadata(this.options.clock, 'application/x-amz-json-1.0', JSON.stringify(started)),
        StartDate: started.StartDate,
      };
    }
    let outcome: ExecutionOutcome;
    try {
      outcome = await this.options.states.executionOutcome(started.ExecutionArn, request.signal);
    } catch (error) {
      if (request.signal.aborted && !this.options.callbacks.closing) {
        // A `.sync` task owns its child: when the task is aborted, so is the child.
        void this.options.states
          .StopExecution({
            executionArn: started.ExecutionArn,
            cause: `The Task state in AWS Step Functions execution [${executionArnOf(request)}] which was managing this resource was aborted`,
          })
          .catch(() => {});
      }
      throw error;
    }
    const envelope = syncEnvelope(outcome, pattern === 'sync:2');
    if (outcome.status !== 'SUCCEEDED') throw new TaskFailure('States.TaskFailed', JSON.stringify(envelope));
    return envelope;
  }

  async #startChild(args: Record<string, unknown>, request: TaskRequest): Promise<{ ExecutionArn: string; StartDate: number }> {
    const stateMachineArn = requiredString(args, 'StateMachineArn', request);
    if (args.Name !== undefined && (typeof args.Name !== 'string' || args.Name === '')) {
      throw new TaskFailure(
        'States.Runtime',
        `The value of the field 'Name' of the state '${request.stateName}' must be a non-empty string.`,
      );
    }
    try {
      const response = await abortable(
        this.options.states.StartExecution({ stateMachineArn, input: payloadText(args.Input), name: args.Name as string | undefined }),
        request.signal,
      );
      return { ExecutionArn: response.executionArn, StartDate: Math.round(response.startDate * 1000) };
    } catch (error) {
      if (request.signal.aborted) throw error;
      throw serviceFailure('StepFunctions', 'AWSStepFunctions', error, (code) => `${code}Exception`);
    }
  }

  /**
   * The record of what a task of a durable execution already started, keyed by the state
   * entry and attempt. The first run read EnteredTime from the clock just after the entry
   * event took its timestamp; a resumed run reads the event's: so a resumed run also
   * accepts a record up to 2 ms younger (never older: an earlier entry of a loop is older).
   */
  #submission(request: TaskRequest, pattern: Pattern): { key: string; record: TaskRecord } | undefined {
    if (pattern === 'waitForTaskToken') return undefined;
    const executionArn = executionArnOf(request);
    if (!this.options.durable(executionArn)) return undefined;
    const ctx = request.context as { State?: { EnteredTime?: string; RetryCount?: number }; Map?: { Item?: { Index?: number } } };
    const entered = Date.parse(ctx.State?.EnteredTime ?? '') || 0;
    const prefix = `submission|${executionArn}|${request.stateName}|${ctx.Map?.Item?.Index ?? ''}|${ctx.State?.RetryCount ?? 0}|`;
    const { callbacks } = this.options;
    if (this.options.resumed(executionArn)) {
      const near = callbacks
        .withPrefix(prefix)
        .find((r) => r.submitted && Number(r.key.slice(prefix.length)) - entered >= 0 && Number(r.key.slice(prefix.length)) - entered <= 2);
      if (near) return { key: near.key, record: near };
    }
    const key = `${prefix}${entered}`;
    return { key, record: callbacks.open(key, executionArn, 'submission').record };
  }

  #need<T>(service: T | undefined, name: string): T {
    if (!service) throw new TaskFailure('States.Runtime', `The local Step Functions runtime was started without ${name}.`);
    return service;
  }
}

// ---- shapes ----

/** `.sync` answers DescribeExecution in the Java SDK's casing, dates in epoch ms; `.sync:2` parses Input and Output. */
function syncEnvelope(o: ExecutionOutcome, parse: boolean): Record<string, unknown> {
  const data = (text: string | undefined) => (parse && text !== undefined ? (JSON.parse(text) as unknown) : text);
  const envelope: Record<string, unknown> = {};
  if (o.cause !== undefined) envelope.Cause = o.cause;
  if (o.error !== undefined) envelope.Error = o.error;
  envelope.ExecutionArn = o.executionArn;
  envelope.Input = data(o.input);
  envelope.InputDetails = { Included: true };
  envelope.Name = o.name;
  if (o.output !== undefined) {
    envelope.Output = data(o.output);
    envelope.OutputDetails = { Included: true };
  }
  const redrive = redriveStatus(o.status);
  envelope.RedriveCount = o.redriveCount;
  envelope.RedriveStatus = redrive.status;
  if (redrive.reason) envelope.RedriveStatusReason = redrive.reason;
  envelope.StartDate = o.startDate;
  envelope.StateMachineArn = o.stateMachineArn;
  envelope.Status = o.status;
  if (o.stopDate !== undefined) envelope.StopDate = o.stopDate;
  return envelope;
}

/** DescribeExecution's redriveStatus and redriveStatusReason for an execution status. */
export function redriveStatus(status: ExecutionOutcome['status']): { status: string; reason?: string } {
  if (status === 'RUNNING' || status === 'SUCCEEDED')
    return { status: 'NOT_REDRIVABLE', reason: `Execution is ${status} and cannot be redriven` };
  return { status: 'REDRIVABLE' };
}

/** The Java SDK response metadata optimized integrations add to a service's answer. */
function sdkMetadata(clock: Clock, contentType: string, body: string, status = 200, extra: Record<string, string> = {}) {
  const requestId = randomUUID();
  const headers: Record<string, string> = {
    'Content-Length': String(Buffer.byteLength(body)),
    'Content-Type': contentType,
    Date: new Date(clock.now()).toUTCString(),
    'x-amzn-RequestId': requestId,
    ...extra,
  };
  const sorted = Object.fromEntries(Object.entries(headers).sort(([a], [b]) => a.localeCompare(b)));
  return {
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(sorted).map(([k, v]) => [k, [v]])),
      HttpHeaders: sorted,
      HttpStatusCode: status,
    },
    SdkResponseMetadata: { RequestId: requestId },
  };
}

/**
 * A service error as an optimized integration reports it: `<Service>.<Exception>` and
 * the Java SDK's message, e.g. `Function not found: ... (Service: AWSLambda; Status Code:
 * 404; Error Code: ResourceNotFoundException; Request ID: ...; Proxy: null)`.
 */
function serviceFailure(prefix: string, service: string, error: unknown, name: (code: string) => string = (c) => c): TaskFailure {
  const e = error as {
    code?: string;
    name?: string;
    message?: string;
    status?: number;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  const code = error instanceof AwsError ? error.code : (e.name ?? 'Error');
  const status = error instanceof AwsError ? error.status : (e.$metadata?.httpStatusCode ?? 400);
  const requestId = e.$metadata?.requestId ?? randomUUID();
  const message = e.message ?? String(error);
  return new TaskFailure(
    `${prefix}.${name(code)}`,
    `${message} (Service: ${service}; Status Code: ${status}; Error Code: ${code}; Request ID: ${requestId}; Proxy: null)`,
  );
}

/** The Java SDK's exception class for an SQS error code (modelled ones, else the generic one). */
function sqsErrorName(code: string): string {
  if (code === 'QueueDoesNotExist' || code === 'AWS.SimpleQueueService.NonExistentQueue') return 'QueueDoesNotExistException';
  if (code === 'InvalidMessageContents') return 'InvalidMessageContentsException';
  if (code === 'UnsupportedOperation') return 'UnsupportedOperationException';
  return 'AmazonSQSException';
}

/** `https://host/<account>/<name>` → the GetQueueUrl request for that queue. */
function queueNameOf(queueUrl: string): { QueueName: string; QueueOwnerAWSAccountId?: string } {
  const parts = queueUrl.replace(/\/+$/, '').split('/');
  const name = parts[parts.length - 1] ?? queueUrl;
  const account = parts[parts.length - 2];
  return account && /^\d{12}$/.test(account) ? { QueueName: name, QueueOwnerAWSAccountId: account } : { QueueName: name };
}

/** Lambda's Payload and StartExecution's Input: JSON text passes as is, anything else is serialized. */
function payloadText(value: unknown): string {
  if (value === undefined || value === null) return '{}';
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
      return value;
    } catch {
      return JSON.stringify(value);
    }
  }
  return JSON.stringify(value);
}

/** A function's response: JSON when it parses, the text otherwise. */
function parsePayload(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

function asObject(input: unknown, request: TaskRequest): Record<string, unknown> {
  if (isObject(input)) return input;
  throw new TaskFailure(
    'States.Runtime',
    `The parameters of the state '${request.stateName}' must be a JSON object, not ${JSON.stringify(input)}.`,
  );
}

function requiredString(args: Record<string, unknown>, field: string, request: TaskRequest): string {
  const value = args[field];
  if (typeof value !== 'string' || value === '') throw missingField(field, request);
  return value;
}

const missingField = (field: string, request: TaskRequest) =>
  new TaskFailure(
    'States.Runtime',
    `The field '${field}' is required by the resource '${request.resource}' of the state '${request.stateName}'.`,
  );

function pick(args: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (args[key] !== undefined) out[key] = args[key];
  return out;
}

const executionArnOf = (request: TaskRequest) => String((request.context.Execution as { Id?: string } | undefined)?.Id ?? '');
const stateMachineArnOf = (request: TaskRequest) => String((request.context.StateMachine as { Id?: string } | undefined)?.Id ?? '');

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

// ---- DynamoDB through the local endpoint ----

/**
 * DynamoDB for tasks through `@aws-sdk/client-dynamodb` against an endpoint (the local
 * runtime's URL). Binary attribute values cross as base64 text, as in state data.
 */
export function sdkDynamoDb(options: { endpoint: string; region: string }): DynamoDbForTasks & { destroy(): void } {
  const client = new DynamoDbSdk.DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    async send(operation, input) {
      const Command = (DynamoDbSdk as Record<string, unknown>)[`${operation}Command`] as
        | (new (
            input: unknown,
          ) => Parameters<DynamoDbSdk.DynamoDBClient['send']>[0])
        | undefined;
      if (!Command || operation === '') throw new AwsError('UnknownOperationException', `DynamoDB has no operation ${operation}`);
      const { $metadata: _metadata, ...output } = (await client.send(new Command(binaryIn(input)))) as unknown as Record<string, unknown>;
      return binaryOut(output) as Record<string, unknown>;
    },
    destroy: () => client.destroy(),
  };
}

/** `{B: base64}` and `{BS: [base64]}` attribute values → bytes, as the SDK sends them. */
function binaryIn(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(binaryIn);
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'B' && typeof value.B === 'string') return { B: Buffer.from(value.B, 'base64') };
  if (keys.length === 1 && keys[0] === 'BS' && Array.isArray(value.BS) && value.BS.every((b) => typeof b === 'string')) {
    return { BS: value.BS.map((b) => Buffer.from(b as string, 'base64')) };
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, binaryIn(v)]));
}

/** Bytes in a response → base64 text; timestamps stay Dates. */
function binaryOut(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(binaryOut);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, binaryOut(v)]));
}
