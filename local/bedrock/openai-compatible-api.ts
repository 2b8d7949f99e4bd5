import { randomUUID } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import type { OperationAuthorizer, RawRequest, RawResponse, RestProtocolService } from '../endpoint/protocols.js';
import { BearerKeyError, bearerTokenOf, checkUsable, readBedrockApiKey } from '../iam/bedrock-api-keys.js';
import { asCaller } from '../iam/caller.js';
import { parseBoundedJson } from '../json/json-depth.js';
import type { Clock } from '../time/clock.js';
import type { BedrockService } from './bedrock-service.js';
import { chatCompletionsCodec, completionChunks, completionUsage, relayChunks } from './families/chat-completions.js';
import { chatMessagesRequest, RESPONSE_FORMAT_FIELD } from './families/chat-messages.js';
import { type Body, isObject } from './families/shared.js';
import { type FoundationModel, resolveModel } from './model-ids.js';
import { chatBodyOfResponse, ResponsesInputError, responseEvents, settledIds, settledPieces, settledResponse } from './responses-api.js';
import type { StreamPiece } from './stream-relay.js';

/** Each path's operation, as IAM names it (iam-authorizations.ts). */
const OPERATIONS: Readonly<Record<string, 'CreateChatCompletion' | 'CreateResponse'>> = {
  '/openai/v1/chat/completions': 'CreateChatCompletion',
  '/openai/v1/responses': 'CreateResponse',
};

/** An OpenAI error type by HTTP status (https://platform.openai.com/docs/guides/error-codes). */
const TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  424: 'api_error',
  429: 'rate_limit_error',
};

/** An error of the OpenAI-compatible APIs: answered as `{"error": {message, type, code, param}}` with its status. */
export class OpenAiApiError extends AwsError {
  override readonly name = 'OpenAiApiError';
  constructor(
    code: string,
    message: string,
    status: number,
    readonly param: string | null = null,
    options?: ErrorOptions,
  ) {
    super(code, message, status, options);
  }
}

/**
 * Bedrock's OpenAI-compatible APIs on bedrock-runtime, under `/openai/v1`
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-chat-completions.html,
 * https://docs.aws.amazon.com/bedrock/latest/userguide/inference-responses-api.html):
 * `POST /openai/v1/chat/completions` and `POST /openai/v1/responses`, called with a Bedrock
 * API key (`Authorization: Bearer`) or signed with SigV4, answered by the same backends as
 * Converse (BedrockService.answerChat) and recorded in the model calls as every call is. A
 * stream is sent as server-sent events once the backend has answered.
 */
export class OpenAiCompatibleApi implements RestProtocolService {
  #authorize?: OperationAuthorizer;

  constructor(
    private readonly bedrock: BedrockService,
    private readonly settings: { readonly region: string; readonly clock: Clock },
  ) {}

  /** IAM's check of each call (its module's authorizations), which the service registry gives it. */
  authorizeWith(authorize: OperationAuthorizer): void {
    this.#authorize = authorize;
  }

  handles(request: Pick<RawRequest, 'method' | 'path'>): boolean {
    return request.method === 'POST' && OPERATIONS[request.path] !== undefined;
  }

  async handle(request: RawRequest): Promise<RawResponse> {
    try {
      return await this.#route(request);
    } catch (error) {
      if (error instanceof BearerKeyError) return this.errorResponse(new OpenAiApiError('invalid_api_key', error.message, error.status));
      if (error instanceof ResponsesInputError)
        return this.errorResponse(new OpenAiApiError('invalid_request', error.message, 400, error.param));
      if (!(error instanceof AwsError)) throw error;
      return this.errorResponse(error);
    }
  }

  /** An error in OpenAI's shape: the AWS error code (or OpenAI's, for the errors only this API has) as its `code`. */
  errorResponse(error: AwsError): RawResponse {
    const type = TYPES[error.status] ?? (error.status >= 500 ? 'api_error' : 'invalid_request_error');
    const param = error instanceof OpenAiApiError ? error.param : null;
    return {
      status: error.status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
      body: JSON.stringify({ error: { message: error.message, type, code: error.code, param } }),
    };
  }

  async #route(request: RawRequest): Promise<RawResponse> {
    const operation = OPERATIONS[request.path] ?? 'CreateChatCompletion';
    const key = this.#apiKey(request);
    const body = parseBody(request.body);
    if (typeof body.model !== 'string' || body.model === '') {
      throw new OpenAiApiError('invalid_request', 'You must provide a model parameter.', 400, 'model');
    }
    const modelId = body.model;
    const stream = body.stream === true;
    const run = async () => {
      await this.#authorize?.(operation, { modelId, stream, ...(key ? { bearerTokenType: key.type } : {}) });
      return operation === 'CreateChatCompletion' ? this.#chat(modelId, body, stream) : this.#response(modelId, body, stream);
    };
    // A short-term key has the permissions of the access key it was signed with (a function's role session's, say).
    return key?.accessKeyId ? asCaller({ accessKeyId: key.accessKeyId }, run) : run();
  }

  /** The request's Bedrock API key (undefined when it is signed with SigV4 instead), refused when malformed or unusable. */
  #apiKey(request: RawRequest) {
    const authorization = header(request, 'authorization');
    const token = bearerTokenOf(authorization);
    if (token !== undefined) {
      const key = readBedrockApiKey(token);
      checkUsable(key, this.settings.region, this.settings.clock.now());
      return key;
    }
    if (authorization?.startsWith('AWS4-HMAC-SHA256 ')) return undefined;
    throw new OpenAiApiError(
      'invalid_api_key',
      "Authentication failed: the request has no Bedrock API key. Send one as `Authorization: Bearer <key>` (the OpenAI client's apiKey) or sign the request with SigV4.",
      401,
    );
  }

  async #chat(modelId: string, body: Body, stream: boolean): Promise<RawResponse> {
    servedModel(modelId, this.settings.region, 'chat completions');
    const read = (model: FoundationModel) => chatMessagesRequest(model.id, body);
    if (!stream) {
      const { settled } = await this.bedrock.answerChat(modelId, read, RESPONSE_FORMAT_FIELD);
      return json(chatCompletionsCodec.response(modelId, settled, body));
    }
    const usage = isObject(body.stream_options) && body.stream_options.include_usage === true;
    const answer = await this.bedrock.answerChatStream(modelId, read, RESPONSE_FORMAT_FIELD);
    if ('pieces' in answer) {
      // A backend that streams: relayed as it comes.
      const head = {
        id: `chatcmpl-${randomUUID().replaceAll('-', '')}`,
        object: 'chat.completion.chunk',
        created: Math.floor(this.settings.clock.now() / 1000),
        model: modelId,
      };
      return { ...serverSent(), stream: this.#serverSent(relayChunks(answer.pieces, answer.context, head, usage), 'chat') };
    }
    const chunks = completionChunks(modelId, answer.settled);
    // With include_usage, every chunk says `usage: null` and one more, with no choices, carries it (OpenAI's stream_options).
    const sent = usage
      ? [...chunks.map((chunk) => ({ ...chunk, usage: null })), { ...chunks[0], choices: [], usage: completionUsage(answer.settled) }]
      : chunks;
    return { ...serverSent(), body: `${sent.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('')}data: [DONE]\n\n` };
  }

  /**
   * A stream's items as server-sent events: chat chunks as `data:` events ending `[DONE]`,
   * Responses events each under its `event:` type. A failure midway (the caller has its 200)
   * ends it with an error event, as OpenAI's streams carry one.
   */
  async *#serverSent(items: AsyncIterable<Body>, api: 'chat' | 'responses'): AsyncGenerator<Buffer> {
    const line = (value: Body) =>
      api === 'chat' ? `data: ${JSON.stringify(value)}\n\n` : `event: ${String(value.type)}\ndata: ${JSON.stringify(value)}\n\n`;
    try {
      for await (const item of items) yield Buffer.from(line(item));
    } catch (cause) {
      const error = cause instanceof AwsError ? cause : new AwsError('ModelStreamErrorException', (cause as Error).message, 424, { cause });
      const { error: body } = JSON.parse(String(this.errorResponse(error).body)) as { error: Body };
      // Chat: a chunk with `error`; Responses: an `error` event (its ResponseErrorEvent). The openai package throws either.
      yield Buffer.from(
        api === 'chat' ? line({ error: body }) : line({ type: 'error', code: body.code, message: body.message, param: body.param }),
      );
      return;
    }
    if (api === 'chat') yield Buffer.from('data: [DONE]\n\n');
  }

  async #response(modelId: string, body: Body, stream: boolean): Promise<RawResponse> {
    const chatBody = chatBodyOfResponse(body);
    servedModel(modelId, this.settings.region, 'responses');
    const read = (model: FoundationModel) => chatMessagesRequest(model.id, chatBody);
    if (!stream) {
      const { settled } = await this.bedrock.answerChat(modelId, read, 'text.format');
      return json(settledResponse(modelId, settled, body));
    }
    const answer = await this.bedrock.answerChatStream(modelId, read, 'text.format');
    const events =
      'pieces' in answer
        ? // A backend that streams: relayed as it comes, the call recorded once it ends.
          responseEvents(
            told(answer.pieces, answer.context.failed),
            {
              modelId,
              request: body,
              ids: { id: randomUUID().replaceAll('-', ''), createdAt: Math.floor(this.settings.clock.now() / 1000) },
            },
            (tally) => tally.settle(answer.context).usage,
          )
        : responseEvents(
            settledPieces(answer.settled),
            { modelId, request: body, ids: settledIds(answer.settled) },
            () => answer.settled.usage,
          );
    return { ...serverSent(), stream: this.#serverSent(events, 'responses') };
  }
}

/** The pieces, a failure among them told to `failed` (which records the call) before it is thrown on. */
async function* told(pieces: AsyncIterable<StreamPiece>, failed: (error: Error) => void): AsyncGenerator<StreamPiece> {
  try {
    yield* pieces;
  } catch (error) {
    failed(error as Error);
    throw error;
  }
}

/**
 * The model id's model when this API serves it: the models whose native body is OpenAI's chat
 * completions (gpt-oss, the GPT models and the other open-weight models Bedrock serves so), and
 * for the Responses API not the GPT OSS models, which AWS serves there on bedrock-mantle only.
 * An id Bedrock does not know, or a model the API does not serve, is a 404 `model_not_found`
 * (OpenAI's code; the text is written here: AWS's answer is not recorded).
 */
function servedModel(modelId: string, region: string, api: 'chat completions' | 'responses'): void {
  let model: FoundationModel;
  try {
    model = resolveModel(modelId, region).model;
  } catch (error) {
    if (error instanceof AwsError && error.code === 'ValidationException') {
      throw new OpenAiApiError(
        'model_not_found',
        `The model \`${modelId}\` does not exist or you do not have access to it.`,
        404,
        'model',
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  const served = model.codec === 'chat-completions' && !(api === 'responses' && model.id.startsWith('openai.gpt-oss'));
  if (!served) {
    throw new OpenAiApiError(
      'model_not_found',
      `The model \`${modelId}\` is not served by the OpenAI-compatible ${api} API on bedrock-runtime: use Converse or InvokeModel for it.`,
      404,
      'model',
    );
  }
}

const json = (body: unknown): RawResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const serverSent = () => ({
  status: 200,
  headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
});

function header(request: RawRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseBody(body: Buffer): Body {
  let value: unknown;
  try {
    value = parseBoundedJson(body);
  } catch (error) {
    throw new OpenAiApiError('invalid_json', 'We could not parse the JSON body of your request.', 400, null, { cause: error });
  }
  if (!isObject(value)) throw new OpenAiApiError('invalid_request', 'The request body must be a JSON object.', 400);
  return value;
}
