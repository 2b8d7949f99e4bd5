import { inSpan, tracingEnabled } from './invocation.js';
import { activeSpan, type SpanAttributes, type TraceSpan } from './spans.js';

// Defined by SwitchyardFunction at bundle time (TRACING_BUNDLED_DEFINE): `false` folds the
// guarded entry below to its no-op branch, so that esbuild drops the tracing code behind it.
declare const SWITCHYARD_TRACING_BUNDLED: boolean | undefined;

/** The part of an AWS SDK v3 client the instrumentation uses: its middleware stack and its service id. */
interface SdkClient {
  readonly middlewareStack: { add(middleware: unknown, options: Record<string, unknown>): void };
  readonly config?: { readonly serviceId?: string };
}

/** A model call recognised by its operation: its span name, the request's attributes, and how to read the answer. */
export interface ModelCall {
  readonly spanName: string;
  readonly request: SpanAttributes;
  /** The answer's attributes, from the command's output and the HTTP response's headers. */
  response(output: unknown, headers: Readonly<Record<string, string>> | undefined): SpanAttributes;
}

/** What recognises the model calls among a client's calls (genai.ts's `modelCallOf`). */
export type ModelCallDescriber = (service: string, operation: string, input: Readonly<Record<string, unknown>>) => ModelCall | undefined;

const RESPONSE_HEADERS = Symbol('switchyard.responseHeaders');
/** Each client instrumented, with what describes its model calls (given by the first capture that has one). */
const instrumented = new WeakMap<object, { describe?: ModelCallDescriber }>();

interface HandlerContext {
  readonly clientName?: string;
  readonly commandName?: string;
  [RESPONSE_HEADERS]?: Readonly<Record<string, string>>;
}

type Next = (args: { input?: unknown }) => Promise<{ output?: unknown; response?: { headers?: Record<string, string> } }>;

/**
 * Makes every call `client` sends a client span of the invocation that sends it (semantic
 * conventions for the AWS SDK: `rpc.system` `aws-api`, `rpc.service`, `rpc.method`,
 * `aws.request_id`, the resource called), and, with `describe` (genai.ts's `modelCallOf`, which
 * `tracer.captureAWSv3Client` and ConverseModel pass), a model call a GenAI span: the kit's own
 * clients (queues, tables) pass none, so a bundle that captures no model client carries no
 * GenAI code. Adds two middleware to the client's stack, once per client; a call made outside
 * a recorded invocation runs as before. Returns the client. With tracing off (the function's
 * `tracing` is not `opentelemetry`) the client is returned unchanged.
 */
export function instrumentClient<T>(client: T, describe?: ModelCallDescriber): T {
  // The instrumenting branch as a call in a condition esbuild can fold: a dead branch is dropped with what only it reaches.
  if (typeof SWITCHYARD_TRACING_BUNDLED === 'undefined' || SWITCHYARD_TRACING_BUNDLED) return addMiddleware(client, describe);
  return client;
}

function addMiddleware<T>(client: T, describe: ModelCallDescriber | undefined): T {
  const sdk = client as unknown as Partial<SdkClient> | null;
  if (!tracingEnabled() || typeof sdk?.middlewareStack?.add !== 'function') return client;
  const known = instrumented.get(sdk);
  if (known) {
    known.describe ??= describe;
    return client;
  }
  const state: { describe?: ModelCallDescriber } = describe ? { describe } : {};
  instrumented.set(sdk, state);
  sdk.middlewareStack.add(
    (next: Next, context: HandlerContext) => (args: { input?: unknown }) => traceCall(sdk, state, context, args, next),
    {
      step: 'initialize',
      name: 'switchyardTraceSpan',
      priority: 'high',
      override: true,
    },
  );
  // The response headers (Bedrock's token counts for InvokeModel) are only seen at deserialization.
  sdk.middlewareStack.add(
    (next: Next, context: HandlerContext) => async (args: { input?: unknown }) => {
      const result = await next(args);
      if (activeSpan.getStore() !== undefined) context[RESPONSE_HEADERS] = result.response?.headers;
      return result;
    },
    { step: 'deserialize', name: 'switchyardTraceResponse', override: true },
  );
  return client;
}

async function traceCall(
  sdk: Partial<SdkClient>,
  state: { readonly describe?: ModelCallDescriber },
  context: HandlerContext,
  args: { input?: unknown },
  next: Next,
) {
  if (activeSpan.getStore() === undefined) return next(args);
  const service = sdk.config?.serviceId ?? context.clientName?.replace(/Client$/, '') ?? 'AWS';
  const method = context.commandName?.replace(/Command$/, '') ?? 'unknown';
  const input = (args.input ?? {}) as Readonly<Record<string, unknown>>;
  const model = state.describe?.(service, method, input);
  const attributes: SpanAttributes = {
    'rpc.system': 'aws-api',
    'rpc.service': service,
    'rpc.method': method,
    ...resourceAttributes(input),
    ...model?.request,
  };
  return inSpan(model?.spanName ?? `${service}.${method}`, 'client', attributes, async (span) => {
    try {
      const result = await next(args);
      setResponse(span, (result.output as { $metadata?: Metadata } | undefined)?.$metadata);
      if (model) span.setAttributes(model.response(result.output, context[RESPONSE_HEADERS]));
      return result;
    } catch (error) {
      setResponse(span, (error as { $metadata?: Metadata } | null)?.$metadata);
      throw error;
    }
  });
}

interface Metadata {
  readonly requestId?: string;
  readonly httpStatusCode?: number;
  readonly attempts?: number;
}

function setResponse(span: TraceSpan, metadata: Metadata | undefined): void {
  span.setAttributes({
    'aws.request_id': metadata?.requestId,
    'http.response.status_code': metadata?.httpStatusCode,
    // More than one attempt: the SDK retried (throttling, a 5xx) inside this span.
    'switchyard.aws.attempts': metadata?.attempts,
  });
}

/** The resource a call names, as the semantic conventions' `aws.*` attributes (by the input's member names, alike across services). */
function resourceAttributes(input: Readonly<Record<string, unknown>>): SpanAttributes {
  const text = (name: string) => (typeof input[name] === 'string' ? (input[name] as string) : undefined);
  const queueUrl = text('QueueUrl');
  return {
    'aws.dynamodb.table_names': text('TableName') === undefined ? undefined : [text('TableName') as string],
    'aws.sqs.queue.url': queueUrl,
    ...(queueUrl ? { 'messaging.system': 'aws_sqs', 'messaging.destination.name': queueUrl.slice(queueUrl.lastIndexOf('/') + 1) } : {}),
    'aws.sns.topic.arn': text('TopicArn'),
    'aws.s3.bucket': text('Bucket'),
    'aws.s3.key': text('Key'),
    'aws.step_functions.state_machine.arn': text('stateMachineArn'),
    'aws.secretsmanager.secret.arn': text('SecretId')?.startsWith('arn:') ? text('SecretId') : undefined,
    'faas.invoked_name': text('FunctionName'),
  };
}
