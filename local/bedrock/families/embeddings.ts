import type { Codec } from '../catalogue.js';
import { lexicalEmbedding } from '../lexical-embedding.js';
import { countTokens } from '../tokens.js';
import { answerId, type Body, isObject, jsonType, malformed } from './shared.js';

/** An embedding answer: the body and the input tokens it counted (the token header). */
export interface Embedded {
  readonly body: Body;
  readonly inputTokens: number;
}

/**
 * Embedding models' bodies, answered here whatever the backend: a lexical vector per input
 * (lexical-embedding.ts: texts sharing words and phrases are close, so a knowledge base's
 * retrieval finds what it should), unit length unless the body asks otherwise, of the
 * dimension the body asks for.
 */
export function embeddingResponse(codec: Codec, modelId: string, body: Body): Embedded {
  switch (codec) {
    case 'titan-embed':
      return titanText(modelId, body);
    case 'titan-embed-image':
      return titanMultimodal(body);
    case 'cohere-embed':
      return modelId.startsWith('cohere.embed-v4') ? cohereV4(body) : cohereV3(body);
    default:
      return novaMultimodal(body);
  }
}

function titanText(modelId: string, body: Body): Embedded {
  if (typeof body.inputText !== 'string') throw malformed('required key [inputText] not found');
  const inputTextTokenCount = countTokens(body.inputText);
  if (!modelId.endsWith('v2:0'))
    return { body: { embedding: lexicalEmbedding(body.inputText, 1536), inputTextTokenCount }, inputTokens: inputTextTokenCount };
  const dimensions = body.dimensions ?? 1024;
  if (dimensions !== 256 && dimensions !== 512 && dimensions !== 1024)
    throw malformed(`${String(dimensions)} is not a valid enum value`, '/dimensions');
  const types = Array.isArray(body.embeddingTypes) ? body.embeddingTypes.map(String) : ['float'];
  for (const type of types)
    if (type !== 'float' && type !== 'binary') throw malformed(`${type} is not a valid enum value`, '/embeddingTypes');
  const float = lexicalEmbedding(body.inputText, dimensions, body.normalize !== false);
  const byType: Body = {
    ...(types.includes('float') ? { float } : {}),
    ...(types.includes('binary') ? { binary: float.map((v) => (v > 0 ? 1 : 0)) } : {}),
  };
  return {
    body: { ...(types.includes('float') ? { embedding: float } : {}), inputTextTokenCount, embeddingsByType: byType },
    inputTokens: inputTextTokenCount,
  };
}

function titanMultimodal(body: Body): Embedded {
  if (typeof body.inputText !== 'string' && typeof body.inputImage !== 'string') {
    throw malformed('At least one of inputText and inputImage is required', '');
  }
  const config = isObject(body.embeddingConfig) ? body.embeddingConfig : {};
  const length = config.outputEmbeddingLength ?? 1024;
  if (length !== 256 && length !== 384 && length !== 1024) {
    throw malformed(`${String(length)} is not a valid enum value`, '/embeddingConfig/outputEmbeddingLength');
  }
  const inputTextTokenCount = typeof body.inputText === 'string' ? countTokens(body.inputText) : 0;
  return {
    body: { embedding: lexicalEmbedding(`${String(body.inputText ?? '')}\n${String(body.inputImage ?? '')}`, length), inputTextTokenCount },
    inputTokens: inputTextTokenCount,
  };
}

const COHERE_INPUT_TYPES = ['search_document', 'search_query', 'classification', 'clustering'];
const COHERE_TYPES = ['float', 'int8', 'uint8', 'binary', 'ubinary'];

/** The inputs of a Cohere body (texts or images, v4's `inputs` too), refused as Bedrock's schema refuses a body with none. */
function cohereInputs(body: Body): { texts: string[]; images: string[] } {
  if (typeof body.input_type !== 'string') throw malformed('required key [input_type] not found');
  if (!COHERE_INPUT_TYPES.includes(body.input_type)) throw malformed(`${body.input_type} is not a valid enum value`, '/input_type');
  const texts = Array.isArray(body.texts) ? body.texts.map(String) : [];
  const images = Array.isArray(body.images) ? body.images.map(String) : [];
  const inputs = Array.isArray(body.inputs) ? body.inputs.map((input) => JSON.stringify(input)) : [];
  if (texts.length + images.length + inputs.length === 0) throw malformed('required key [texts] not found');
  if (texts.length > 96) throw malformed(`expected maximum item count: 96, found: ${texts.length}`, '/texts');
  return { texts: [...texts, ...inputs], images };
}

function cohereTypes(body: Body): string[] | undefined {
  if (body.embedding_types === undefined) return undefined;
  if (!Array.isArray(body.embedding_types))
    throw malformed(`expected type: JSONArray, found: ${jsonType(body.embedding_types)}`, '/embedding_types');
  const types = body.embedding_types.map(String);
  for (const type of types) if (!COHERE_TYPES.includes(type)) throw malformed(`${type} is not a valid enum value`, '/embedding_types');
  return types;
}

function cohereV3(body: Body): Embedded {
  const { texts, images } = cohereInputs(body);
  const inputs = [...texts, ...images];
  const floats = inputs.map((input) => lexicalEmbedding(input, 1024));
  const types = cohereTypes(body);
  return {
    body: {
      embeddings: types ? byType(floats, types) : floats,
      id: idOf(inputs),
      response_type: types ? 'embeddings_by_type' : 'embeddings_floats',
      texts,
      ...(images.length > 0 ? { images: images.map(() => ({})) } : {}),
    },
    inputTokens: texts.reduce((sum, text) => sum + countTokens(text), 0),
  };
}

function cohereV4(body: Body): Embedded {
  const { texts, images } = cohereInputs(body);
  const dimension = body.output_dimension ?? 1536;
  if (dimension !== 256 && dimension !== 512 && dimension !== 1024 && dimension !== 1536) {
    throw malformed(`${String(dimension)} is not a valid enum value`, '/output_dimension');
  }
  const inputs = [...texts, ...images];
  const floats = inputs.map((input) => lexicalEmbedding(input, dimension));
  return {
    body: { id: idOf(inputs), embeddings: byType(floats, cohereTypes(body) ?? ['float']), response_type: 'embeddings_by_type', texts },
    inputTokens: texts.reduce((sum, text) => sum + countTokens(text), 0),
  };
}

/** Each vector in each quantized form Cohere returns: int8/uint8 scaled, binary/ubinary packed 8 signs a byte. */
function byType(floats: number[][], types: readonly string[]): Body {
  const pack = (vector: number[], signed: boolean) => {
    const bytes: number[] = [];
    for (let i = 0; i < vector.length; i += 8) {
      let byte = 0;
      for (let bit = 0; bit < 8; bit++) byte = (byte << 1) | ((vector[i + bit] ?? 0) > 0 ? 1 : 0);
      bytes.push(signed ? byte - 128 : byte);
    }
    return bytes;
  };
  const forms: Record<string, (vector: number[]) => number[]> = {
    float: (vector) => vector,
    int8: (vector) => vector.map((v) => Math.max(-128, Math.min(127, Math.round(v * 127)))),
    uint8: (vector) => vector.map((v) => Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)))),
    binary: (vector) => pack(vector, true),
    ubinary: (vector) => pack(vector, false),
  };
  return Object.fromEntries(types.map((type) => [type, floats.map((vector) => (forms[type] ?? forms.float)?.(vector))]));
}

const NOVA_DIMENSIONS = [256, 384, 1024, 3072];

function novaMultimodal(body: Body): Embedded {
  if (body.taskType !== 'SINGLE_EMBEDDING') {
    if (typeof body.taskType !== 'string') throw malformed('required key [taskType] not found');
    throw malformed(
      `${body.taskType} is not a valid enum value (InvokeModel takes SINGLE_EMBEDDING; SEGMENTED_EMBEDDING runs through StartAsyncInvoke)`,
      '/taskType',
    );
  }
  const params = isObject(body.singleEmbeddingParams) ? body.singleEmbeddingParams : undefined;
  if (!params) throw malformed('required key [singleEmbeddingParams] not found');
  const dimension = params.embeddingDimension ?? 3072;
  if (typeof dimension !== 'number' || !NOVA_DIMENSIONS.includes(dimension)) {
    throw malformed(`${String(dimension)} is not a valid enum value`, '/singleEmbeddingParams/embeddingDimension');
  }
  const modality = ['text', 'image', 'audio', 'video'].find((key) => params[key] !== undefined);
  if (!modality) throw malformed('exactly one of [text, image, audio, video] is required', '/singleEmbeddingParams');
  const input = params[modality];
  const text = modality === 'text' && isObject(input) ? String(input.value ?? '') : JSON.stringify(input);
  return {
    body: { embeddings: [{ embeddingType: modality.toUpperCase(), embedding: lexicalEmbedding(text, dimension) }] },
    inputTokens: modality === 'text' ? countTokens(text) : 0,
  };
}

const idOf = (inputs: readonly string[]) => {
  const hex = answerId(inputs, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};
