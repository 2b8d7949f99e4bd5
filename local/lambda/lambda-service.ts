import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../aws-error.js';
import { type Clock, systemClock } from '../clock.js';
import type { RawRequest, RawResponse, RestProtocolService } from '../endpoint/protocols.js';
import { openDatabase } from '../store/data-folder.js';
import { AsyncInvoker } from './async-invoker.js';
import type { DestinationSender } from './destinations.js';
import { type FunctionDefinition, FunctionRuntime, type InvokeOutcome, type LogSink } from './function-runtime.js';
import { runtimeSupport } from './runtimes.js';
import { SqsEventSource, type SqsForPoller, type SqsMappingDefinition } from './sqs-event-source.js';

export interface LambdaServiceOptions {
  readonly functions: readonly FunctionDefinition[];
  readonly sqsMappings: readonly SqsMappingDefinition[];
  readonly sqs: SqsForPoller;
  /** Variables every function gets on top of its own: the local endpoint, credentials, Lambda's reserved variables. */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  readonly region: string;
  readonly log: LogSink;
  /** Where the asynchronous invocation queue lives. @default an in-memory database */
  readonly db?: DatabaseSync;
  readonly clock?: Clock;
  /** Where invocation records and dead-lettered events go. @default none: sending fails and is logged */
  readonly destinations?: DestinationSender;
  /** Asynchronous invocation timing for tests: the retry delays' factor and the queue's poll interval. */
  readonly asyncTiming?: { readonly delayScale?: number; readonly pollIntervalMs?: number };
}

/** Lambda's limit on an asynchronous invocation's payload. */
const MAX_ASYNC_PAYLOAD_BYTES = 1_048_576;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const FUNCTION_PATH = /^\/2015-03-31\/functions\/([^/]+)\/?$/;
const EVENT_INVOKE_CONFIG_PATH = /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config\/?$/;

/**
 * Lambda: runs each function's bundle from the cloud assembly in worker threads and
 * drains SQS event source mappings into them. Serves Invoke, ListFunctions, GetFunction
 * and ListEventSourceMappings on the endpoint (Lambda's REST-JSON protocol).
 */
export class LambdaService implements RestProtocolService {
  readonly #functions = new Map<string, FunctionRuntime>();
  readonly #sources: SqsEventSource[] = [];
  readonly #async: AsyncInvoker;

  constructor(private readonly options: LambdaServiceOptions) {
    for (const definition of options.functions) {
      const environment = {
        ...options.baseEnvironment,
        ...definition.environment,
        AWS_LAMBDA_FUNCTION_NAME: definition.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(definition.memorySize),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_LOG_GROUP_NAME: definition.logGroupName,
        AWS_EXECUTION_ENV: `AWS_Lambda_${definition.runtime}`,
        // Powertools reports cold starts only for on-demand environments, as Lambda labels them.
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        LAMBDA_TASK_ROOT: definition.codePath,
        _HANDLER: definition.handler,
      };
      this.#functions.set(definition.name, new FunctionRuntime(definition, environment, options.log));
    }
    this.#async = new AsyncInvoker(this.#functions, {
      db: options.db ?? openDatabase(':memory:'),
      clock: options.clock ?? systemClock,
      destinations: options.destinations ?? {
        send: async (arn) => {
          throw new Error(`no destinations are connected to the local Lambda service (${arn})`);
        },
      },
      log: options.log,
      delayScale: options.asyncTiming?.delayScale,
      pollIntervalMs: options.asyncTiming?.pollIntervalMs,
    });
  }

  /** Starts the event source pollers and the asynchronous invocation queue. */
  async start(): Promise<void> {
    this.#async.start();
    for (const mapping of this.options.sqsMappings) {
      const fn = this.#functions.get(mapping.functionName);
      // A function left out at load (image code) or that cannot run here: its queue keeps its messages, as with a disabled mapping.
      if (!fn) {
        this.options.log(mapping.functionName, `event source mapping ${mapping.uuid} is not run: the function does not run locally`);
        continue;
      }
      if (runtimeSupport(fn.definition.runtime) === 'unsupported') {
        this.options.log(
          fn.definition.name,
          `event source mapping ${mapping.uuid} is not run: the ${fn.definition.runtime} runtime does not run locally`,
        );
        continue;
      }
      const source = new SqsEventSource(mapping, this.options.sqs, fn, this.options.region, this.options.log);
      await source.start();
      this.#sources.push(source);
    }
  }

  async stop(): Promise<void> {
    await this.#async.stop();
    await Promise.all(this.#sources.map((source) => source.stop()));
    await Promise.all([...this.#functions.values()].map((fn) => fn.stop()));
  }

  /** Invokes a function by name or ARN (the in-process form other services use). */
  async invoke(functionName: string, event: unknown): Promise<InvokeOutcome> {
    return this.#function(functionName).invoke(event);
  }

  /**
   * Invokes a function asynchronously (InvocationType Event, as EventBridge, SNS and S3
   * invoke): resolves once the event is durably queued; Lambda's retries, destinations and
   * dead-letter queue take it from there.
   */
  async invokeAsync(functionNameOrArn: string, event: unknown): Promise<{ requestId: string }> {
    const fn = this.#function(functionNameOrArn);
    if (runtimeSupport(fn.definition.runtime) === 'unsupported') {
      throw new AwsError(
        'InvalidRuntimeException',
        `The runtime ${fn.definition.runtime} of function ${fn.definition.name} is not supported by the local runtime: only Node.js functions run locally`,
        502,
      );
    }
    const size = Buffer.byteLength(JSON.stringify(event ?? null));
    if (size > MAX_ASYNC_PAYLOAD_BYTES) {
      throw new AwsError(
        'RequestTooLargeException',
        `Request must be smaller than ${MAX_ASYNC_PAYLOAD_BYTES} bytes for the InvokeAsync operation`,
        413,
      );
    }
    return this.#async.accept(fn, event);
  }

  /** The events of a function still queued for asynchronous invocation (or in flight). */
  queuedAsyncEvents(functionName: string): number {
    return this.#async.queued(functionName);
  }

  /** Resolves once no asynchronous attempt is in flight (tests). */
  asyncIdle(): Promise<void> {
    return this.#async.idle();
  }

  get functionNames(): string[] {
    return [...this.#functions.keys()];
  }

  handles(request: Pick<RawRequest, 'path'>): boolean {
    return request.path.startsWith('/2015-03-31/') || EVENT_INVOKE_CONFIG_PATH.test(request.path);
  }

  async handle(request: RawRequest): Promise<RawResponse> {
    try {
      return await this.#handle(request);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return {
        status: error.status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
        body: JSON.stringify({ Type: error.senderFault ? 'User' : 'Service', message: error.message }),
      };
    }
  }

  async #handle(request: RawRequest): Promise<RawResponse> {
    const invoke = INVOKE_PATH.exec(request.path);
    if (invoke && request.method === 'POST') return this.#invokeHttp(invoke[1] ?? '', request);
    if (request.path.replace(/\/$/, '') === '/2015-03-31/functions' && request.method === 'GET') {
      return json(200, { Functions: [...this.#functions.values()].map((fn) => configuration(fn.definition)) });
    }
    const eventInvokeConfig = EVENT_INVOKE_CONFIG_PATH.exec(request.path);
    if (eventInvokeConfig && request.method === 'GET') return json(200, this.#eventInvokeConfig(eventInvokeConfig[1] ?? ''));
    const get = FUNCTION_PATH.exec(request.path);
    if (get && request.method === 'GET') {
      const fn = this.#function(get[1] ?? '');
      return json(200, {
        Configuration: configuration(fn.definition),
        Code: { RepositoryType: 'Local', Location: fn.definition.codePath },
      });
    }
    if (request.path.replace(/\/$/, '') === '/2015-03-31/event-source-mappings' && request.method === 'GET') {
      return json(200, {
        EventSourceMappings: this.options.sqsMappings.map((m) => ({
          UUID: m.uuid,
          EventSourceArn: m.queueArn,
          FunctionArn: this.#functions.get(m.functionName)?.definition.arn,
          BatchSize: m.batchSize,
          MaximumBatchingWindowInSeconds: m.maximumBatchingWindowSeconds,
          FunctionResponseTypes: m.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
          ScalingConfig: m.maximumConcurrency ? { MaximumConcurrency: m.maximumConcurrency } : undefined,
          State: m.enabled ? 'Enabled' : 'Disabled',
        })),
      });
    }
    throw new AwsError('UnknownOperationException', `the local Lambda service does not support ${request.method} ${request.path}`);
  }

  async #invokeHttp(name: string, request: RawRequest): Promise<RawResponse> {
    const fn = this.#function(name);
    const type = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    let event: unknown = null;
    if (request.body.length > 0) {
      try {
        event = JSON.parse(request.body.toString('utf8'));
      } catch {
        throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json: the payload is not valid JSON');
      }
    }
    if (request.body.length > 6 * 1024 * 1024)
      throw new AwsError('RequestTooLargeException', 'Request must be smaller than 6291456 bytes for the InvokeFunction operation', 413);
    if (type === 'DryRun') return { status: 204 };
    if (type === 'Event') {
      const { requestId } = await this.invokeAsync(fn.definition.name, event);
      return { status: 202, headers: { 'x-amzn-requestid': requestId } };
    }
    if (type !== 'RequestResponse')
      throw new AwsError('InvalidParameterValueException', `X-Amz-Invocation-Type ${type} is not one of RequestResponse, Event, DryRun`);
    const outcome = await fn.invoke(event, { throttle: fn.definition.reservedConcurrency !== undefined });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amz-executed-version': '$LATEST',
      'x-amzn-requestid': outcome.requestId,
    };
    if (!outcome.ok) headers['x-amz-function-error'] = 'Unhandled';
    return { status: 200, headers, body: outcome.ok ? outcome.payload : JSON.stringify(outcome.error) };
  }

  /** GetFunctionEventInvokeConfig: what the template's AWS::Lambda::EventInvokeConfig set. */
  #eventInvokeConfig(name: string) {
    const fn = this.#function(name);
    const config = fn.definition.asyncConfig;
    const configured =
      config &&
      (config.maximumRetryAttempts !== undefined ||
        config.maximumEventAgeSeconds !== undefined ||
        config.onSuccess !== undefined ||
        config.onFailure !== undefined);
    if (!configured) {
      throw new AwsError('ResourceNotFoundException', `The function ${fn.definition.arn} doesn't have an EventInvokeConfig`, 404);
    }
    return {
      FunctionArn: `${fn.definition.arn}:$LATEST`,
      LastModified: 0,
      MaximumRetryAttempts: config.maximumRetryAttempts,
      MaximumEventAgeInSeconds: config.maximumEventAgeSeconds,
      DestinationConfig: {
        OnSuccess: config.onSuccess === undefined ? {} : { Destination: config.onSuccess },
        OnFailure: config.onFailure === undefined ? {} : { Destination: config.onFailure },
      },
    };
  }

  #function(nameOrArn: string): FunctionRuntime {
    // Accepts a name, a full ARN or a partial ARN, with or without a qualifier.
    const parts = decodeURIComponent(nameOrArn).split(':');
    const name = parts.length >= 7 ? (parts[6] ?? '') : parts.length === 3 ? (parts[2] ?? '') : (parts[0] ?? '');
    const fn = this.#functions.get(name);
    if (!fn) throw new AwsError('ResourceNotFoundException', `Function not found: ${nameOrArn}`, 404);
    return fn;
  }
}

function configuration(definition: FunctionDefinition) {
  return {
    FunctionName: definition.name,
    FunctionArn: definition.arn,
    Runtime: definition.runtime,
    Handler: definition.handler,
    Description: definition.description ?? '',
    Timeout: definition.timeoutSeconds,
    MemorySize: definition.memorySize,
    Architectures: [definition.architecture],
    Environment: { Variables: definition.environment },
    ...(definition.asyncConfig?.deadLetterArn ? { DeadLetterConfig: { TargetArn: definition.asyncConfig.deadLetterArn } } : {}),
    PackageType: 'Zip',
    State: 'Active',
    LastUpdateStatus: 'Successful',
  };
}

function json(status: number, body: unknown): RawResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
