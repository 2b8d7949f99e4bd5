import { instrumentClient, type ModelCall } from './aws-calls.js';
import type { SpanAttributes, SpanAttributeValue } from './spans.js';

// Defined by SwitchyardFunction at bundle time (TRACING_BUNDLED_DEFINE): `false` folds
// captureModelClient to its no-op branch, so that esbuild drops the GenAI code behind it.
declare const SWITCHYARD_TRACING_BUNDLED: boolean | undefined;

/**
 * A model call as a GenAI span: the OpenTelemetry semantic conventions for generative AI (status
 * Development), with the attribute names of their registry as `@opentelemetry/semantic-conventions`
 * 1.45.0 publishes it (test/lambdas/tracing/genai.test.ts checks each name against that package):
 * `gen_ai.provider.name` (which replaced `gen_ai.system`) is `aws.bedrock`, as the conventions
 * for AWS Bedrock require. Prompts and answers (`gen_ai.input.messages`,
 * `gen_ai.output.messages`, `gen_ai.system_instructions`) are recorded only when
 * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` is `true`: they may hold personal data.
 */
export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  requestTopP: 'gen_ai.request.top_p',
  requestStopSequences: 'gen_ai.request.stop_sequences',
  requestStream: 'gen_ai.request.stream',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  cacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  finishReasons: 'gen_ai.response.finish_reasons',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  systemInstructions: 'gen_ai.system_instructions',
} as const;

/** `gen_ai.provider.name` for Bedrock. */
export const BEDROCK_PROVIDER = 'aws.bedrock';
/** Bedrock Runtime's `serviceId` in the AWS SDK. */
export const BEDROCK_RUNTIME_SERVICE = 'Bedrock Runtime';
/** The longest prompt or answer recorded in one attribute (X-Ray's OTLP endpoint takes spans of up to 200 KB). */
const MAX_CONTENT_CHARS = 32 * 1024;

const OPERATIONS = new Set(['Converse', 'ConverseStream', 'InvokeModel', 'InvokeModelWithResponseStream']);

function captureContent(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.toLowerCase() === 'true';
}

function clipped(json: unknown): string {
  const text = JSON.stringify(json);
  return text.length > MAX_CONTENT_CHARS ? `${text.slice(0, MAX_CONTENT_CHARS)}...(truncated)` : text;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * `instrumentClient` with model calls as GenAI spans: what `tracer.captureAWSv3Client` and
 * ConverseModel capture a client with. In a bundle not traced with OpenTelemetry, the client as it is.
 */
export function captureModelClient<T>(client: T): T {
  if (typeof SWITCHYARD_TRACING_BUNDLED === 'undefined' || SWITCHYARD_TRACING_BUNDLED) return instrumentClient(client, modelCallOf);
  return client;
}

/** The model call an AWS SDK command makes, or undefined for any other command. */
export function modelCallOf(service: string, operation: string, input: Readonly<Record<string, unknown>>): ModelCall | undefined {
  if (service !== BEDROCK_RUNTIME_SERVICE || !OPERATIONS.has(operation)) return undefined;
  const model = typeof input.modelId === 'string' ? input.modelId : 'unknown';
  const converse = operation.startsWith('Converse');
  const stream = operation.endsWith('Stream');
  const name = converse || !/embed/i.test(model) ? 'chat' : 'embeddings';
  const request: Record<string, SpanAttributeValue | undefined> = {
    [GEN_AI.operationName]: name,
    [GEN_AI.providerName]: BEDROCK_PROVIDER,
    [GEN_AI.requestModel]: model,
    ...(stream ? { [GEN_AI.requestStream]: true } : {}),
    ...(converse ? converseRequest(input) : invokeRequest(input.body)),
  };
  return {
    spanName: `${name} ${model}`,
    request,
    response: (output, headers) => (converse ? converseResponse(output) : invokeResponse(output, headers)),
  };
}

interface ConverseInput {
  readonly inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  readonly messages?: readonly { role?: string; content?: readonly Record<string, unknown>[] }[];
  readonly system?: readonly Record<string, unknown>[];
}

function converseRequest(input: Readonly<Record<string, unknown>>): SpanAttributes {
  const { inferenceConfig: config = {}, messages = [], system = [] } = input as ConverseInput;
  const content = captureContent();
  return {
    [GEN_AI.requestMaxTokens]: finite(config.maxTokens),
    [GEN_AI.requestTemperature]: finite(config.temperature),
    [GEN_AI.requestTopP]: finite(config.topP),
    [GEN_AI.requestStopSequences]: config.stopSequences?.length ? [...config.stopSequences] : undefined,
    ...(content
      ? {
          [GEN_AI.inputMessages]: clipped(messages.map((message) => ({ role: message.role ?? 'user', parts: partsOf(message.content) }))),
          ...(system.length ? { [GEN_AI.systemInstructions]: clipped(partsOf(system)) } : {}),
        }
      : {}),
  };
}

/** Bedrock content blocks as the conventions' message parts (`text`, `tool_call`, `tool_call_response`; others by their block name). */
function partsOf(blocks: readonly Record<string, unknown>[] | undefined): unknown[] {
  return (blocks ?? []).flatMap((block) => {
    if (typeof block.text === 'string') return [{ type: 'text', content: block.text }];
    const toolUse = block.toolUse as { toolUseId?: string; name?: string; input?: unknown } | undefined;
    if (toolUse) return [{ type: 'tool_call', id: toolUse.toolUseId, name: toolUse.name, arguments: toolUse.input }];
    const toolResult = block.toolResult as { toolUseId?: string; content?: unknown } | undefined;
    if (toolResult) return [{ type: 'tool_call_response', id: toolResult.toolUseId, response: toolResult.content }];
    if ('cachePoint' in block) return [];
    return Object.keys(block).map((type) => ({ type }));
  });
}

interface ConverseOutput {
  readonly stopReason?: string;
  readonly usage?: { inputTokens?: number; outputTokens?: number; cacheReadInputTokens?: number; cacheWriteInputTokens?: number };
  readonly output?: { message?: { role?: string; content?: readonly Record<string, unknown>[] } };
}

function converseResponse(output: unknown): SpanAttributes {
  const { stopReason, usage, output: answer } = (output ?? {}) as ConverseOutput;
  const cacheRead = finite(usage?.cacheReadInputTokens);
  const cacheWrite = finite(usage?.cacheWriteInputTokens);
  const input = finite(usage?.inputTokens);
  return {
    // The conventions count cache reads and writes in the input tokens; Converse reports them apart.
    [GEN_AI.inputTokens]: input === undefined ? undefined : input + (cacheRead ?? 0) + (cacheWrite ?? 0),
    [GEN_AI.outputTokens]: finite(usage?.outputTokens),
    [GEN_AI.cacheReadInputTokens]: cacheRead,
    [GEN_AI.cacheCreationInputTokens]: cacheWrite,
    [GEN_AI.finishReasons]: stopReason === undefined ? undefined : [stopReason],
    ...(captureContent() && answer?.message
      ? {
          [GEN_AI.outputMessages]: clipped([
            { role: answer.message.role ?? 'assistant', parts: partsOf(answer.message.content), finish_reason: stopReason },
          ]),
        }
      : {}),
  };
}

/** The JSON of an InvokeModel body (bytes or text), if it is JSON. */
function jsonBody(body: unknown): Record<string, unknown> | undefined {
  try {
    const text = typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body).toString('utf8') : undefined;
    const parsed = text === undefined ? undefined : (JSON.parse(text) as unknown);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** InvokeModel's native body: the settings the model families name alike (Anthropic, Meta, Mistral, Amazon Nova and Titan). */
function invokeRequest(body: unknown): SpanAttributes {
  const json = jsonBody(body) ?? {};
  const config = (json.inferenceConfig ?? json.textGenerationConfig ?? {}) as Record<string, unknown>;
  return {
    [GEN_AI.requestMaxTokens]: finite(
      json.max_tokens ?? json.max_gen_len ?? config.maxTokens ?? config.max_new_tokens ?? config.maxTokenCount,
    ),
    [GEN_AI.requestTemperature]: finite(json.temperature ?? config.temperature),
    [GEN_AI.requestTopP]: finite(json.top_p ?? config.topP),
  };
}

/**
 * InvokeModel's answer: the token counts Bedrock sends in the response headers for every model
 * (`X-Amzn-Bedrock-Input-Token-Count`, `-Output-Token-Count`), the stop reason from the body.
 */
function invokeResponse(output: unknown, headers: Readonly<Record<string, string>> | undefined): SpanAttributes {
  const count = (name: string) => {
    const value = Number(headers?.[name]);
    return headers?.[name] !== undefined && Number.isSafeInteger(value) ? value : undefined;
  };
  const json = jsonBody((output as { body?: unknown } | undefined)?.body) ?? {};
  const results = Array.isArray(json.results) ? (json.results[0] as Record<string, unknown> | undefined) : undefined;
  const reason = [json.stop_reason, json.stopReason, json.finish_reason, results?.completionReason].find((r) => typeof r === 'string') as
    | string
    | undefined;
  return {
    [GEN_AI.inputTokens]: count('x-amzn-bedrock-input-token-count'),
    [GEN_AI.outputTokens]: count('x-amzn-bedrock-output-token-count'),
    [GEN_AI.finishReasons]: reason === undefined ? undefined : [reason],
  };
}
