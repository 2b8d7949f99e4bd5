import { type ModelOperations, UNDECLARED_HEADERS } from '../endpoint/model-protocols/operations.js';
import { ModelRestJsonProtocol } from '../endpoint/model-protocols/rest-json-codec.js';
import { loadModel } from '../endpoint/validation/model.js';
import { modelValidator } from '../endpoint/validation/validator.js';
import { operationTable } from '../service-registry/operation-table.js';
import { AsyncInvokeApi } from './async-invoke.js';
import type { BedrockService } from './bedrock-service.js';

type Body = Record<string, unknown>;

/** InvokeModel's and its stream's input as the codec reads it: the body (the request's payload) as sent, the tier from its header. */
interface InvokeInput {
  readonly modelId: string;
  readonly body?: Buffer;
  readonly serviceTier?: string;
}

/**
 * Bedrock Runtime's model calls in the API's shapes: the model id from the path, Converse's
 * members from the JSON body, InvokeModel's native body as the request's payload. The streams'
 * events come framed (event-stream.ts), answered as the response's event-stream payload.
 */
export class BedrockRuntimeApi {
  constructor(private readonly bedrock: BedrockService) {}

  Converse({ modelId, ...body }: Body & { modelId: string }): Promise<Body> {
    return this.bedrock.converse(modelId, body);
  }

  async ConverseStream({ modelId, ...body }: Body & { modelId: string }): Promise<{ stream: AsyncIterable<Buffer> }> {
    return { stream: await this.bedrock.converseStream(modelId, body) };
  }

  async InvokeModel({ modelId, body, serviceTier }: InvokeInput): Promise<Body> {
    const answer = await this.bedrock.invokeModel(modelId, body ?? Buffer.alloc(0), serviceTier);
    const { 'content-type': contentType, ...headers } = answer.headers;
    // The token counts and latency AWS sends in headers its model does not declare.
    return { body: answer.body, contentType, [UNDECLARED_HEADERS]: headers };
  }

  async InvokeModelWithResponseStream({ modelId, body, serviceTier }: InvokeInput): Promise<{ body: Buffer }> {
    return { body: await this.bedrock.invokeModelStream(modelId, body ?? Buffer.alloc(0), serviceTier) };
  }

  CountTokens({ modelId, ...body }: Body & { modelId: string }): Promise<{ inputTokens: number }> {
    return this.bedrock.countTokens(modelId, body);
  }
}

/**
 * Bedrock Runtime's REST-JSON API from its model: the model calls (`/model/{modelId}/...`, the
 * id, a profile id or an ARN, holding `/` once decoded) and the asynchronous invocations
 * (`/async-invoke`, the ARN in the path likewise).
 */
export function bedrockRuntimeProtocol(bedrock: BedrockService, asyncInvokes: AsyncInvokeApi): ModelRestJsonProtocol {
  return new ModelRestJsonProtocol(
    loadModel('bedrock-runtime'),
    {
      ...operationTable(asyncInvokes, AsyncInvokeApi),
      ...operationTable(new BedrockRuntimeApi(bedrock), BedrockRuntimeApi),
    } as ModelOperations,
    { serviceName: 'Bedrock Runtime', validate: modelValidator('bedrock-runtime') },
    { greedyLabels: ['invocationArn', 'modelId'] },
  );
}
