import type { DatabaseSync } from 'node:sqlite';
import { AwsError, validationError } from '../endpoint/aws-error.js';
import { currentTraceHeader } from '../endpoint/trace-header.js';
import { parseBoundedJson } from '../json/json-depth.js';
import type { Clock } from '../time/clock.js';
import { ModelCallLedger, type ModelCallRecord } from './call-ledger.js';
import { blocksText, converseRequest, type ModelRequest } from './conversation.js';
import { converseSupportOf } from './converse-support.js';
import { jsonEvent } from './event-stream.js';
import { checkServed, type FoundationModel, isChatModel, kindOf, resolveModel } from './model-ids.js';
import { injectFaults, type ModelRoute, routeFor } from './model-settings.js';
import {
  embeddingResponse,
  imageResponse,
  malformed,
  nativeOutputField,
  nativeRequest,
  nativeResponse,
  nativeStreamChunks,
  type Settled,
} from './native-bodies.js';
import { type RelayContext, type RelayedCall, relayStream, type StreamPiece } from './stream-relay.js';
import { conformanceError, conformingPieces, jsonPieces } from './structured-output.js';
import { CONVERSE_API, checkStructuredOutput, invokeApi } from './structured-schema.js';
import { countTokens } from './tokens.js';
import { type InputUsage, PromptCache } from './usage.js';

type Body = Record<string, unknown>;

export interface BedrockServiceOptions {
  readonly routes: readonly ModelRoute[];
  readonly region: string;
  /**
   * The Regions the app's stacks were synthesized for (their `env`), besides the runtime's own:
   * a geographic inference profile of theirs is answered, as it is where the app deploys.
   * @default none
   */
  readonly stackRegions?: readonly string[];
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** Where the calls are kept (the data folder's `bedrock.sqlite`). */
  readonly callsDb: DatabaseSync;
  /** Hears every call the ledger records (the traces service makes its GenAI span). */
  readonly onCall?: (call: ModelCallRecord) => void;
}

/** An InvokeModel answer: the body and the headers Bedrock sends with it. */
export interface InvokeAnswer {
  readonly body: Buffer;
  readonly headers: Record<string, string>;
}

const TIERS = new Set(['priority', 'default', 'flex', 'reserved']);

/**
 * Bedrock Runtime: Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream and
 * CountTokens over the backends SWITCHYARD_MODELS names. Every answer carries usage (counted
 * with the tokenizer when the backend does not report it, prompt cache settled here) and the
 * call's latency.
 */
export class BedrockService {
  /** Every call answered or failed (the newest 10,000, across restarts), with its usage: the read API's model calls. */
  readonly calls: ModelCallLedger;
  readonly #cache: PromptCache;
  constructor(private readonly options: BedrockServiceOptions) {
    this.calls = new ModelCallLedger(options.callsDb, options.onCall);
    this.#cache = new PromptCache(options.clock);
  }

  /**
   * The operations Step Functions' `aws-sdk:bedrockruntime:*` tasks call, in the API's
   * (camelCase) shapes: Converse, InvokeModel (a `body` string or object; the answer's body as text) and CountTokens.
   */
  get sdkOperations(): Record<string, (input: never) => Promise<unknown>> {
    type In = Record<string, unknown>;
    return {
      Converse: (input: never) => this.converse(String((input as In).modelId ?? ''), input as In),
      InvokeModel: async (input: never) => {
        const { modelId, body, serviceTier } = input as In;
        const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body ?? {}));
        const answer = await this.invokeModel(String(modelId ?? ''), raw, typeof serviceTier === 'string' ? serviceTier : undefined);
        return { body: answer.body.toString('utf8'), contentType: answer.headers['content-type'] };
      },
      CountTokens: (input: never) => this.countTokens(String((input as In).modelId ?? ''), input as In),
    };
  }

  /** The start-up report's line: where answers come from. */
  describe(): string {
    const routes = this.options.routes.map((route) => route.spec).join(', ');
    const simulated = this.options.routes.every((route) => route.backend.name === 'simulated');
    return `  models: Bedrock Runtime answers ${simulated ? 'are simulated' : 'come from'} (SWITCHYARD_MODELS=${routes})`;
  }

  async converse(modelId: string, body: Body): Promise<Body> {
    const { model, request, tier } = this.#chat(modelId, body, false);
    const settled = await this.#settle(model, request, modelId);
    return {
      output: { message: { role: 'assistant', content: settled.content } },
      stopReason: settled.stopReason,
      usage: usageOf(settled),
      metrics: { latencyMs: settled.latencyMs },
      ...(tier ? { serviceTier: { type: tier } } : {}),
    };
  }

  /**
   * ConverseStream's events, framed: relayed as they come from a backend that streams,
   * else messageStart, a start (tool use), deltas and stop for each block, messageStop and
   * metadata once the whole answer is in.
   */
  async converseStream(modelId: string, body: Body): Promise<AsyncIterable<Buffer>> {
    const { model, request, tier } = this.#chat(modelId, body, true);
    const streamed = await this.#streamed(model, request, modelId);
    if (streamed) return relayStream(streamed.pieces, { ...streamed.context, ...(tier ? { tier } : {}) });
    const settled = await this.#settle(model, request, modelId);
    const events = [jsonEvent('messageStart', { role: 'assistant' })];
    settled.content.forEach((block, contentBlockIndex) => {
      if ('toolUse' in block) {
        const { toolUseId, name, input } = block.toolUse;
        events.push(jsonEvent('contentBlockStart', { start: { toolUse: { toolUseId, name } }, contentBlockIndex }));
        events.push(jsonEvent('contentBlockDelta', { delta: { toolUse: { input: JSON.stringify(input) } }, contentBlockIndex }));
      } else {
        for (const piece of request.outputSchema ? jsonPieces(block.text) : (block.text.match(/\S+\s*|\s+/g) ?? ['']))
          events.push(jsonEvent('contentBlockDelta', { delta: { text: piece }, contentBlockIndex }));
      }
      events.push(jsonEvent('contentBlockStop', { contentBlockIndex }));
    });
    events.push(jsonEvent('messageStop', { stopReason: settled.stopReason }));
    events.push(
      jsonEvent('metadata', {
        usage: usageOf(settled),
        metrics: { latencyMs: settled.latencyMs },
        ...(tier ? { serviceTier: { type: tier } } : {}),
      }),
    );
    return toIterable(events);
  }

  /**
   * The answer of a chat request streamed from its route's backend as it comes, or undefined
   * when the backend does not stream: the pieces (checked against an output schema as they
   * come) and what a relay needs to settle the call's usage and record it (relayStream, or the
   * OpenAI-compatible API's chunks). A refusal before the stream starts is thrown, recorded.
   */
  async #streamed(
    model: FoundationModel,
    request: ModelRequest,
    requested: string,
  ): Promise<{ pieces: AsyncIterable<StreamPiece>; context: RelayContext } | undefined> {
    const route = routeFor(this.options.routes, model.id, requested);
    if (!route.backend.stream) return undefined;
    const started = performance.now();
    const record = this.#recorder(model, route, requested, started);
    const log = (error: Error) =>
      this.options.log(`[bedrock] ${route.backend.name} failed for ${model.id}: ${error.message}${causeOf(error)}`);
    let pieces: AsyncIterable<StreamPiece>;
    let input: InputUsage;
    try {
      input = this.#cache.settle(request, model.contextTokens);
      await injectFaults(route.faults, model.id);
      const streamed = await route.backend.stream(request, { requested }).catch((error: Error) => {
        log(error);
        throw error instanceof AwsError
          ? error
          : new AwsError('ModelErrorException', `The model ${model.id} failed: ${error.message}`, 424, { cause: error });
      });
      pieces = conformingPieces(request, streamed, route.backend.name);
    } catch (error) {
      record({ error: errorName(error) });
      throw error;
    }
    const failed = (error: Error) => {
      log(error);
      record({ error: errorName(error) });
    };
    const ended = ({ usage, stopReason, latencyMs }: RelayedCall) => record({ ...usage, stopReason, latencyMs });
    return { pieces, context: { input, started, failed, ended } };
  }

  async invokeModel(modelId: string, raw: Buffer, tier: string | undefined): Promise<InvokeAnswer> {
    const started = this.options.clock.now();
    const { model, body } = this.#native(modelId, raw, tier);
    if (!isChatModel(model)) return this.#drawOrEmbed(model, modelId, body, tier, started);
    const settled = await this.#settle(model, this.#nativeChat(model, body), modelId);
    const answer = nativeResponse(model, settled, body);
    return {
      body: Buffer.from(JSON.stringify(answer)),
      headers: invokeHeaders(settled.usage.inputTokens, settled.usage.outputTokens, settled.latencyMs, tier),
    };
  }

  /**
   * An embedding or image model's InvokeModel, answered here whatever the backend: the body is
   * read first (refused as Bedrock refuses it, unrecorded, as a chat body is), then the route's
   * faults apply, and the call is recorded with its input tokens (embeddings) or its images and
   * their price tier, so `switchyard cost --local` prices it.
   */
  async #drawOrEmbed(
    model: FoundationModel,
    modelId: string,
    body: Body,
    tier: string | undefined,
    started: number,
  ): Promise<InvokeAnswer> {
    const begun = performance.now();
    const answer: { body: Body; inputTokens: number; images?: number; tier?: string } =
      kindOf(model) === 'embedding'
        ? embeddingResponse(model.codec, model.id, body)
        : { ...imageResponse(model.codec, model.id, body), inputTokens: 0 };
    const route = routeFor(this.options.routes, model.id, modelId);
    const record = this.#recorder(model, route, modelId, begun);
    try {
      await injectFaults(route.faults, model.id);
    } catch (error) {
      record({ error: errorName(error) });
      throw error;
    }
    const drawn =
      answer.images === undefined ? {} : { images: answer.images, ...(answer.tier === undefined ? {} : { imageTier: answer.tier }) };
    record({ inputTokens: answer.inputTokens, ...drawn });
    return {
      body: Buffer.from(JSON.stringify(answer.body)),
      headers: invokeHeaders(answer.inputTokens, 0, this.options.clock.now() - started, tier),
    };
  }

  /** InvokeModelWithResponseStream's `chunk` events, each the base64 of one native streaming chunk. */
  async invokeModelStream(modelId: string, raw: Buffer, tier: string | undefined): Promise<Buffer> {
    const { model, body } = this.#native(modelId, raw, tier);
    if (!isChatModel(model)) throw validationError('The model is unsupported for streaming');
    const settled = await this.#settle(model, this.#nativeChat(model, body), modelId);
    const chunks = nativeStreamChunks(model, settled, body);
    return Buffer.concat(chunks.map((chunk) => jsonEvent('chunk', { bytes: Buffer.from(JSON.stringify(chunk)).toString('base64') })));
  }

  /** CountTokens: the input tokens the request would use (Anthropic Claude models, as in AWS). */
  async countTokens(modelId: string, body: Body): Promise<{ inputTokens: number }> {
    const { model } = resolveModel(modelId, this.options.region, this.options.stackRegions);
    if (model.codec !== 'anthropic') throw validationError(`The model ${modelId} doesn't support counting tokens.`);
    const input = isObject(body.input) ? body.input : {};
    let request: ModelRequest;
    if (isObject(input.converse)) request = converseRequest(model.id, input.converse);
    else if (isObject(input.invokeModel) && typeof input.invokeModel.body === 'string') {
      request = nativeRequest(model, parseJson(Buffer.from(input.invokeModel.body, 'base64')));
    } else throw validationError('The input field must hold either invokeModel or converse.');
    const parts = [
      ...request.tools.map((tool) => JSON.stringify(tool)),
      ...(request.outputSchema ? [JSON.stringify(request.outputSchema.schema)] : []),
      blocksText(request.system),
      ...request.messages.map((m) => blocksText(m.content)),
    ];
    return { inputTokens: parts.reduce((sum, text) => sum + countTokens(text), 0) };
  }

  /** A Converse request's model (one Converse takes, served here) and the request, refused as Converse refuses what the model does not support. */
  #chat(modelId: string, body: Body, stream: boolean): { model: FoundationModel; request: ModelRequest; tier?: string } {
    const model = this.served(modelId);
    const support = converseSupportOf(model);
    const tier = isObject(body.serviceTier) ? body.serviceTier.type : undefined;
    checkTier(tier);
    const request = converseRequest(model.id, body);
    support.check(request, stream);
    checkStructuredOutput(model, request, CONVERSE_API);
    return { model, request, ...(typeof tier === 'string' ? { tier } : {}) };
  }

  /**
   * A chat request in another API's shape (the OpenAI-compatible Chat Completions and
   * Responses APIs): `read` makes the request of the served model (refusing a model that API
   * does not take), its structured output is checked as `field` names it, and it is answered
   * on its route and recorded as every call is.
   */
  async answerChat(
    modelId: string,
    read: (model: FoundationModel) => ModelRequest,
    field: string,
  ): Promise<{ model: FoundationModel; settled: Settled }> {
    const model = this.served(modelId);
    const request = read(model);
    checkStructuredOutput(model, request, invokeApi(field));
    return { model, settled: await this.#settle(model, request, modelId) };
  }

  /**
   * As answerChat, streamed: from a backend that streams, its pieces as they come and their
   * relay context (the call is recorded when the relay ends it); from another, the settled answer.
   */
  async answerChatStream(
    modelId: string,
    read: (model: FoundationModel) => ModelRequest,
    field: string,
  ): Promise<{ settled: Settled } | { pieces: AsyncIterable<StreamPiece>; context: RelayContext }> {
    const model = this.served(modelId);
    const request = read(model);
    checkStructuredOutput(model, request, invokeApi(field));
    return (await this.#streamed(model, request, modelId)) ?? { settled: await this.#settle(model, request, modelId) };
  }

  /** A chat model's native InvokeModel body as a request, its structured output checked in the model's own words. */
  #nativeChat(model: FoundationModel, body: Body): ModelRequest {
    const request = nativeRequest(model, body);
    checkStructuredOutput(model, request, invokeApi(nativeOutputField(model, body)));
    return request;
  }

  #native(modelId: string, raw: Buffer, tier: string | undefined): { model: FoundationModel; body: Body } {
    const model = this.served(modelId);
    checkTier(tier);
    return { model, body: parseJson(raw) };
  }

  /**
   * The model an id names, refused when it is past its end of life (unless its route serves
   * those) or not answered here; `through` StartAsyncInvoke answers the video models.
   */
  served(modelId: string, through?: 'StartAsyncInvoke'): FoundationModel {
    const { model } = resolveModel(modelId, this.options.region, this.options.stackRegions);
    checkServed(model, routeFor(this.options.routes, model.id, modelId).serveEndOfLife === true, through);
    return model;
  }

  /** Runs a chat request on its route: faults, the backend's answer, usage (with the prompt cache) and latency. */
  async #settle(model: FoundationModel, request: ModelRequest, requested: string): Promise<Settled> {
    const started = performance.now();
    const route = routeFor(this.options.routes, model.id, requested);
    const record = this.#recorder(model, route, requested, started);
    try {
      const settled = await this.#answer(model, route, request, requested, started);
      record({ ...settled.usage, latencyMs: settled.latencyMs, stopReason: settled.stopReason });
      return settled;
    } catch (error) {
      record({ error: errorName(error) });
      throw error;
    }
  }

  /** Records one call in the model calls, with the trace header of its caller (read now: a stream ends outside the caller's context). */
  #recorder(model: FoundationModel, route: ModelRoute, requested: string, started: number) {
    const traceHeader = currentTraceHeader();
    return (fields: Partial<ModelCallRecord>) =>
      this.calls.record({
        at: new Date(this.options.clock.now()).toISOString(),
        modelId: requested,
        model: model.id,
        backend: route.backend.name,
        inputTokens: 0,
        outputTokens: 0,
        cacheReadInputTokens: 0,
        cacheWriteInputTokens: 0,
        latencyMs: Math.max(1, Math.round(performance.now() - started)),
        ...(traceHeader === undefined ? {} : { traceHeader }),
        ...fields,
      });
  }

  async #answer(model: FoundationModel, route: ModelRoute, request: ModelRequest, requested: string, started: number): Promise<Settled> {
    const input = this.#cache.settle(request, model.contextTokens);
    await injectFaults(route.faults, model.id);
    const answer = await route.backend.answer(request, { requested }).catch((error: unknown) => {
      this.options.log(`[bedrock] ${route.backend.name} failed for ${model.id}: ${(error as Error).message}${causeOf(error as Error)}`);
      if (error instanceof AwsError) throw error;
      throw new AwsError('ModelErrorException', `The model ${model.id} failed: ${(error as Error).message}`, 424, { cause: error });
    });
    const invalid = conformanceError(request, answer, route.backend.name);
    if (invalid) {
      this.options.log(`[bedrock] ${route.backend.name} failed for ${model.id}: ${invalid.message}`);
      throw invalid;
    }
    const outputTokens =
      answer.usage?.outputTokens ??
      countTokens(answer.content.map((b) => ('text' in b ? b.text : JSON.stringify(b.toolUse.input))).join(''));
    return {
      content: answer.content,
      stopReason: answer.stopReason,
      usage: { ...input, inputTokens: answer.usage?.inputTokens ?? input.inputTokens, outputTokens },
      latencyMs: Math.max(1, Math.round(performance.now() - started)),
      at: this.options.clock.now(),
    };
  }
}

const errorName = (error: unknown) => (error instanceof AwsError ? error.code : (error as Error).name);

const causeOf = (error: Error) => (error.cause instanceof Error ? ` (${error.cause.message})` : '');

async function* toIterable(parts: readonly Buffer[]): AsyncGenerator<Buffer> {
  yield* parts;
}

const isObject = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkTier(tier: unknown): void {
  if (tier !== undefined && !TIERS.has(String(tier))) {
    throw validationError(
      `1 validation error detected: Value '${String(tier)}' at 'serviceTier.type' failed to satisfy constraint: Member must satisfy enum value set: [priority, default, flex, reserved]`,
    );
  }
}

function parseJson(raw: Buffer): Body {
  try {
    const value = parseBoundedJson(raw);
    if (isObject(value)) return value;
  } catch {
    // Answered below as Bedrock does.
  }
  throw malformed('expected type: JSONObject, found: String');
}

function usageOf(settled: Settled) {
  const { inputTokens, outputTokens, cacheReadInputTokens, cacheWriteInputTokens } = settled.usage;
  return {
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens + cacheReadInputTokens + cacheWriteInputTokens,
    ...(cacheReadInputTokens > 0 || cacheWriteInputTokens > 0 ? { cacheReadInputTokens, cacheWriteInputTokens } : {}),
  };
}

function invokeHeaders(inputTokens: number, outputTokens: number, latencyMs: number, tier: string | undefined): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-amzn-bedrock-input-token-count': String(inputTokens),
    'x-amzn-bedrock-output-token-count': String(outputTokens),
    'x-amzn-bedrock-invocation-latency': String(latencyMs),
    ...(tier ? { 'x-amzn-bedrock-service-tier': tier } : {}),
  };
}
