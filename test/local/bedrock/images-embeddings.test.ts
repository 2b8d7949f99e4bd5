import {
  type BedrockRuntimeClient,
  ConverseCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBedrockRuntime } from './bedrock-runtime.js';
import { readPng } from './png-check.js';

// biome-ignore lint/suspicious/noExplicitAny: model answers read as plain JSON, field by field
type Json = Record<string, any>;

let stop: () => Promise<void>;
let client: BedrockRuntimeClient;

beforeAll(async () => {
  ({ client, stop } = await startBedrockRuntime(
    'amazon.titan-image-*=simulated?eol=serve,amazon.nova-canvas-*=simulated?eol=serve,simulated',
  ));
});
afterAll(() => stop?.());

const invoke = async (modelId: string, body: unknown): Promise<Json> => {
  const response = await client.send(new InvokeModelCommand({ modelId, body: JSON.stringify(body) }));
  return JSON.parse(new TextDecoder().decode(response.body));
};

const sizeOf = (base64: string) => {
  const { width, height } = readPng(Buffer.from(base64, 'base64'));
  return `${width}x${height}`;
};

const norm = (vector: number[]) => Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));

const textToImage = (width: number, height: number, extra: Json = {}) => ({
  taskType: 'TEXT_IMAGE',
  textToImageParams: { text: 'a lighthouse at dawn' },
  imageGenerationConfig: { width, height, ...extra },
});

describe('Bedrock image models', () => {
  it('answers Titan Image Generator with valid PNGs of the requested size and count, the same for the same seed', async () => {
    const answer = await invoke('amazon.titan-image-generator-v2:0', textToImage(1152, 640, { numberOfImages: 2, seed: 7 }));
    expect(answer.error).toBeNull();
    expect(answer.images.map(sizeOf)).toEqual(['1152x640', '1152x640']);
    expect(answer.images[0]).not.toBe(answer.images[1]);
    const again = await invoke('amazon.titan-image-generator-v2:0', textToImage(1152, 640, { numberOfImages: 2, seed: 7 }));
    expect(again.images).toEqual(answer.images);
    const other = await invoke('amazon.titan-image-generator-v2:0', textToImage(1152, 640, { numberOfImages: 1, seed: 8 }));
    expect(other.images[0]).not.toBe(answer.images[0]);
  });

  it('fails if Titan Image Generator is asked for a size it does not take, naming it', async () => {
    await expect(invoke('amazon.titan-image-generator-v2:0', textToImage(1000, 1000))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('1000x1000 is not supported by amazon.titan-image-generator-v2:0'),
    });
    await expect(invoke('amazon.titan-image-generator-v2:0', textToImage(1024, 1024, { numberOfImages: 6 }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('#/imageGenerationConfig/numberOfImages: 6 is not less or equal to 5'),
    });
  });

  it('answers Nova Canvas at any size its rules allow, and fails at one they do not', async () => {
    const answer = await invoke('amazon.nova-canvas-v1:0', textToImage(1280, 720));
    expect(answer.images.map(sizeOf)).toEqual(['1280x720']);
    for (const [width, height, problem] of [
      [1000, 1000, 'width must be divisible by 16'],
      [4096, 512, 'the aspect ratio must be between 1:4 and 4:1'],
      [4096, 4096, 'at most 4,194,304 pixels'],
      [256, 1024, 'width must be between 320 and 4096 pixels'],
    ] as const) {
      await expect(invoke('amazon.nova-canvas-v1:0', textToImage(width, height))).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining(problem),
      });
    }
  });

  it('answers Stability models with seeds, finish_reasons and a PNG of the aspect ratio asked for', async () => {
    const answer = await invoke('stability.sd3-5-large-v1:0', { prompt: 'a red fox', aspect_ratio: '16:9', output_format: 'png' });
    expect(answer).toEqual({ seeds: [expect.any(Number)], finish_reasons: [null], images: [expect.any(String)] });
    expect(sizeOf(answer.images[0])).toBe('1344x768');
    const core = await invoke('stability.stable-image-core-v1:1', { prompt: 'a red fox', seed: 5 });
    expect(core.seeds).toEqual([5]);
    expect(sizeOf(core.images[0])).toBe('1024x1024');
    const ultra = await invoke('stability.stable-image-ultra-v1:1', { prompt: 'a red fox', aspect_ratio: '9:21' });
    expect(sizeOf(ultra.images[0])).toBe('640x1536');
    await expect(invoke('stability.sd3-5-large-v1:0', { prompt: 'x', aspect_ratio: '7:3' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Malformed input request: #/aspect_ratio: 7:3 is not a valid enum value, please reformat your input and try again.',
    });
  });

  it('fails if an image model is streamed or conversed with, as Bedrock refuses it', async () => {
    await expect(
      client.send(
        new InvokeModelWithResponseStreamCommand({ modelId: 'stability.sd3-5-large-v1:0', body: JSON.stringify({ prompt: 'x' }) }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException', message: 'The model is unsupported for streaming' });
    await expect(
      client.send(new ConverseCommand({ modelId: 'stability.sd3-5-large-v1:0', messages: [{ role: 'user', content: [{ text: 'x' }] }] })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('Bedrock embedding models', () => {
  it('answers Titan Text Embeddings v2 with unit vectors of each dimension it takes, the same for the same text', async () => {
    for (const dimensions of [256, 512, 1024]) {
      const answer = await invoke('amazon.titan-embed-text-v2:0', { inputText: 'invoice total', dimensions });
      expect(answer.embedding).toHaveLength(dimensions);
      expect(norm(answer.embedding)).toBeCloseTo(1, 6);
      expect(answer.embeddingsByType.float).toEqual(answer.embedding);
    }
    const one = await invoke('amazon.titan-embed-text-v2:0', { inputText: 'same text' });
    const two = await invoke('amazon.titan-embed-text-v2:0', { inputText: 'same text' });
    expect(two.embedding).toEqual(one.embedding);
    await expect(invoke('amazon.titan-embed-text-v2:0', { inputText: 'x', dimensions: 300 })).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Malformed input request: #/dimensions: 300 is not a valid enum value, please reformat your input and try again.',
    });
  });

  it('answers Cohere Embed v3 by type when embedding_types is given, and v4 at its output_dimension', async () => {
    const v3 = await invoke('cohere.embed-english-v3', {
      texts: ['a', 'b'],
      input_type: 'search_document',
      embedding_types: ['float', 'int8'],
    });
    expect(v3.response_type).toBe('embeddings_by_type');
    expect(v3.embeddings.float).toHaveLength(2);
    expect(v3.embeddings.int8[0]).toHaveLength(1024);
    expect(v3.embeddings.int8[0].every((v: number) => Number.isInteger(v) && v >= -128 && v <= 127)).toBe(true);
    const v4 = await invoke('cohere.embed-v4:0', { texts: ['a'], input_type: 'search_query', output_dimension: 512 });
    expect(v4.embeddings.float[0]).toHaveLength(512);
    expect(norm(v4.embeddings.float[0])).toBeCloseTo(1, 6);
  });

  it('answers Nova multimodal embeddings at the dimension asked for', async () => {
    const answer = await invoke('amazon.nova-2-multimodal-embeddings-v1:0', {
      taskType: 'SINGLE_EMBEDDING',
      singleEmbeddingParams: {
        embeddingPurpose: 'GENERIC_INDEX',
        embeddingDimension: 1024,
        text: { truncationMode: 'END', value: 'hello' },
      },
    });
    expect(answer.embeddings).toEqual([{ embeddingType: 'TEXT', embedding: expect.any(Array) }]);
    expect(answer.embeddings[0].embedding).toHaveLength(1024);
  });
});
