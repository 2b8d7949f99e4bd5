import { AwsError, validationError } from '../aws-error.js';
import type { RawRequest, RawResponse, RestProtocolService } from '../endpoint/protocols.js';
import { parseBoundedJson } from '../json-depth.js';
import type { BedrockService } from './bedrock-service.js';
import { ModelErrorError } from './model-settings-errors.js';

const PATH = /^\/model\/(.+)\/(converse|converse-stream|invoke|invoke-with-response-stream|count-tokens)$/;
const EVENT_STREAM = 'application/vnd.amazon.eventstream';
/** The API operation each path names (IAM authorizes by operation). */
const OPERATION_NAMES: Readonly<Record<string, string>> = {
  converse: 'Converse',
  'converse-stream': 'ConverseStream',
  invoke: 'InvokeModel',
  'invoke-with-response-stream': 'InvokeModelWithResponseStream',
  'count-tokens': 'CountTokens',
};

/**
 * Bedrock Runtime's REST-JSON API as the SDKs send it: `POST /model/{modelId}/<operation>`,
 * the model id (or profile id, or ARN) URL-encoded in the path. Streams are answered as one
 * body of event-stream messages once the backend has answered.
 */
export class BedrockApi implements RestProtocolService {
  constructor(
    private readonly bedrock: BedrockService,
    /** The caller's IAM check, before an operation runs. @default none */
    private authorize?: (operation: string, input: unknown) => Promise<void>,
  ) {}

  /** IAM's check of each call (its module's authorizations), which the service registry gives it. */
  authorizeWith(authorize: (operation: string, input: unknown) => Promise<void>): void {
    this.authorize = authorize;
  }

  handles(request: Pick<RawRequest, 'method' | 'path'>): boolean {
    return request.method === 'POST' && PATH.test(request.path);
  }

  async handle(request: RawRequest): Promise<RawResponse> {
    try {
      return await this.#route(request);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return this.errorResponse(error);
    }
  }

  errorResponse(error: AwsError): RawResponse {
    const extra =
      error instanceof ModelErrorError ? { originalStatusCode: error.originalStatusCode, resourceName: error.resourceName } : {};
    return {
      status: error.status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
      body: JSON.stringify({ message: error.message, ...extra }),
    };
  }

  async #route(request: RawRequest): Promise<RawResponse> {
    const [, modelId = '', operation] = PATH.exec(request.path) ?? [];
    const tier = header(request, 'x-amzn-bedrock-service-tier');
    await this.authorize?.(OPERATION_NAMES[operation ?? ''] ?? 'CountTokens', { modelId });
    switch (operation) {
      case 'converse':
        return json(await this.bedrock.converse(modelId, parseBody(request.body)));
      case 'converse-stream':
        return {
          status: 200,
          headers: { 'content-type': EVENT_STREAM },
          stream: await this.bedrock.converseStream(modelId, parseBody(request.body)),
        };
      case 'invoke': {
        const answer = await this.bedrock.invokeModel(modelId, request.body, tier);
        return { status: 200, headers: answer.headers, body: answer.body };
      }
      case 'invoke-with-response-stream':
        return {
          status: 200,
          headers: { 'content-type': EVENT_STREAM },
          body: await this.bedrock.invokeModelStream(modelId, request.body, tier),
        };
      default:
        return json(await this.bedrock.countTokens(modelId, parseBody(request.body)));
    }
  }
}

const json = (body: unknown): RawResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function header(request: RawRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const value = parseBoundedJson(body);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (error) {
    throw new AwsError('SerializationException', 'The request body is not valid JSON.', 400, { cause: error });
  }
  throw validationError('The request body must be a JSON object.');
}
