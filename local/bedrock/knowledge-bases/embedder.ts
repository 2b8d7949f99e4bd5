import { validationError } from '../../endpoint/aws-error.js';
import type { BedrockService } from '../bedrock-service.js';
import { kindOf, resolveModel } from '../model-ids.js';

/** What a text is embedded for: Cohere and Nova embed a document and a query differently. */
export type EmbeddingPurpose = 'document' | 'query';

/**
 * Embeds a knowledge base's chunks and queries with its embedding model, through the local
 * Bedrock's InvokeModel as Bedrock does (so each call is in the model calls, priced, with the
 * route's faults): the model's native body, the dimensions the knowledge base configures.
 */
export class Embedder {
  readonly #codec: string;
  constructor(
    private readonly bedrock: BedrockService,
    private readonly modelArn: string,
    private readonly dimensions: number | undefined,
    region: string,
  ) {
    const { model } = resolveModel(modelArn, region);
    if (kindOf(model) !== 'embedding') {
      throw validationError(`The knowledge base's embedding model ${model.id} is not an embedding model.`);
    }
    this.#codec = model.codec;
  }

  async embed(text: string, purpose: EmbeddingPurpose): Promise<number[]> {
    const answer = await this.bedrock.invokeModel(this.modelArn, Buffer.from(JSON.stringify(this.#body(text, purpose))), undefined);
    return vectorIn(JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>);
  }

  #body(text: string, purpose: EmbeddingPurpose): Record<string, unknown> {
    const dimensions = this.dimensions === undefined ? {} : { dimensions: this.dimensions };
    switch (this.#codec) {
      case 'titan-embed':
        return this.modelArn.endsWith('v2:0') ? { inputText: text, ...dimensions } : { inputText: text };
      case 'titan-embed-image':
        return {
          inputText: text,
          ...(this.dimensions === undefined ? {} : { embeddingConfig: { outputEmbeddingLength: this.dimensions } }),
        };
      case 'cohere-embed':
        return {
          texts: [text],
          input_type: purpose === 'query' ? 'search_query' : 'search_document',
          ...(this.dimensions === undefined || !this.modelArn.includes('embed-v4') ? {} : { output_dimension: this.dimensions }),
        };
      default:
        return {
          taskType: 'SINGLE_EMBEDDING',
          singleEmbeddingParams: {
            embeddingPurpose: purpose === 'query' ? 'TEXT_RETRIEVAL' : 'GENERIC_INDEX',
            ...(this.dimensions === undefined ? {} : { embeddingDimension: this.dimensions }),
            text: { truncationMode: 'END', value: text },
          },
        };
    }
  }
}

/** The vector in an embedding model's answer, whichever family's body it is. */
function vectorIn(body: Record<string, unknown>): number[] {
  if (Array.isArray(body.embedding)) return body.embedding as number[];
  const embeddings = body.embeddings as unknown;
  if (Array.isArray(embeddings)) {
    const first = embeddings[0] as unknown;
    return (Array.isArray(first) ? first : (first as { embedding: number[] }).embedding) as number[];
  }
  return ((embeddings as { float: number[][] }).float[0] ?? []) as number[];
}
