import { ConverseCommand, InvokeModelCommand, InvokeModelWithResponseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { decode as decodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { useBedrockRuntime } from './bedrock-runtime.js';
import { readPng } from './png-check.js';

// biome-ignore lint/suspicious/noExplicitAny: model answers read as plain JSON, field by field
type Json = Record<string, any>;

const bedrock = useBedrockRuntime('amazon.titan-image-*=simulated?eol=serve,amazon.nova-canvas-*=simulated?eol=serve,simulated');

const invoke = async (modelId: string, body: unknown): Promise<Json> => {
  const response = await bedrock.client.send(new InvokeModelCommand({ modelId, body: JSON.stringify(body) }));
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

  it('answers Stability with a JPEG when output_format asks for one, and fails if it asks for WebP, saying so', async () => {
    const answer = await invoke('stability.stable-image-core-v1:1', { prompt: 'a red fox', aspect_ratio: '3:2', output_format: 'jpeg' });
    // Decoded by jpeg-js's decoder, apart from the encoder that wrote it.
    const decoded = decodeJpeg(Buffer.from(answer.images[0], 'base64'), { useTArray: true });
    expect(`${decoded.width}x${decoded.height}`).toBe('1216x832');
    const again = await invoke('stability.stable-image-core-v1:1', { prompt: 'a red fox', aspect_ratio: '3:2', output_format: 'jpeg' });
    expect(again.images).toEqual(answer.images);
    await expect(invoke('stability.stable-image-core-v1:1', { prompt: 'x', output_format: 'webp' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('output_format webp is not answered locally'),
    });
  });

  it('answers Titan and Nova Canvas editing tasks with images of the input image size, PNG or JPEG', async () => {
    const png = (await invoke('amazon.nova-canvas-v1:0', textToImage(640, 384))).images[0];
    const jpeg = (await invoke('stability.sd3-5-large-v1:0', { prompt: 'x', aspect_ratio: '21:9', output_format: 'jpeg' })).images[0];
    const inpainted = await invoke('amazon.nova-canvas-v1:0', {
      taskType: 'INPAINTING',
      inPaintingParams: { image: jpeg, maskPrompt: 'the sky', text: 'birds' },
    });
    expect(inpainted.images.map(sizeOf)).toEqual(['1536x640']);
    const varied = await invoke('amazon.titan-image-generator-v2:0', {
      taskType: 'IMAGE_VARIATION',
      imageVariationParams: { images: [png], text: 'at night' },
      imageGenerationConfig: { numberOfImages: 2 },
    });
    expect(varied.images.map(sizeOf)).toEqual(['640x384', '640x384']);
    const cutOut = await invoke('amazon.titan-image-generator-v2:0', {
      taskType: 'BACKGROUND_REMOVAL',
      backgroundRemovalParams: { image: png },
    });
    expect(cutOut.images.map(sizeOf)).toEqual(['640x384']);
    const guided = await invoke('amazon.nova-canvas-v1:0', {
      taskType: 'COLOR_GUIDED_GENERATION',
      colorGuidedGenerationParams: { text: 'a shoe', colors: ['#ff8080'] },
      imageGenerationConfig: { width: 512, height: 512 },
    });
    expect(guided.images.map(sizeOf)).toEqual(['512x512']);
  });

  it('fails if an image model is streamed or conversed with, as Bedrock refuses it', async () => {
    await expect(
      bedrock.client.send(
        new InvokeModelWithResponseStreamCommand({ modelId: 'stability.sd3-5-large-v1:0', body: JSON.stringify({ prompt: 'x' }) }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException', message: 'The model is unsupported for streaming' });
    await expect(
      bedrock.client.send(
        new ConverseCommand({ modelId: 'stability.sd3-5-large-v1:0', messages: [{ role: 'user', content: [{ text: 'x' }] }] }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

const sdxl = (extra: Json = {}) => ({ text_prompts: [{ text: 'a lighthouse at dawn', weight: 1 }], cfg_scale: 7, steps: 30, ...extra });

describe('Bedrock Stability SDXL', () => {
  it('answers SDXL 1.0 as Stability does, with a PNG of the size asked for, the same for the same seed', async () => {
    const answer = await invoke('stability.stable-diffusion-xl-v1', sdxl({ width: 1152, height: 896, seed: 11 }));
    expect(answer).toEqual({ result: 'success', artifacts: [{ seed: 11, base64: expect.any(String), finishReason: 'SUCCESS' }] });
    expect(sizeOf(answer.artifacts[0].base64)).toBe('1152x896');
    const again = await invoke('stability.stable-diffusion-xl-v1', sdxl({ width: 1152, height: 896, seed: 11 }));
    expect(again.artifacts[0].base64).toBe(answer.artifacts[0].base64);
    const other = await invoke('stability.stable-diffusion-xl-v1', sdxl({ width: 1152, height: 896, seed: 12 }));
    expect(other.artifacts[0].base64).not.toBe(answer.artifacts[0].base64);
  });

  it('answers the versioned id and a body without size at 1024 x 1024, a random seed drawn from the prompts', async () => {
    const answer = await invoke('stability.stable-diffusion-xl-v1:0', {
      text_prompts: [
        { text: 'a red fox', weight: 1 },
        { text: 'blurry', weight: -1 },
      ],
      style_preset: 'photographic',
    });
    expect(sizeOf(answer.artifacts[0].base64)).toBe('1024x1024');
    expect(answer.artifacts[0].seed).toBeGreaterThan(0);
    const old = await invoke('stability.stable-diffusion-xl-v0', sdxl());
    expect(sizeOf(old.artifacts[0].base64)).toBe('512x512');
  });

  it('draws image-to-image at the init image size', async () => {
    const init = (await invoke('stability.stable-diffusion-xl-v1', sdxl({ width: 640, height: 1536 }))).artifacts[0].base64;
    const answer = await invoke(
      'stability.stable-diffusion-xl-v1',
      sdxl({ init_image: init, init_image_mode: 'IMAGE_STRENGTH', image_strength: 0.4 }),
    );
    expect(sizeOf(answer.artifacts[0].base64)).toBe('640x1536');
    const titan = (await invoke('amazon.titan-image-generator-v2:0', textToImage(512, 512))).images[0];
    await expect(invoke('stability.stable-diffusion-xl-v1', sdxl({ init_image: titan }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('The init_image size 512x512 is not supported by stability.stable-diffusion-xl-v1.'),
    });
  });

  it('fails if SDXL 1.0 is asked for a size it does not take, naming it and the sizes it takes', async () => {
    for (const [width, height] of [
      [512, 512],
      [1024, 896],
      [896, 1152 + 64],
    ] as const) {
      await expect(invoke('stability.stable-diffusion-xl-v1', sdxl({ width, height }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining(
          `${width}x${height} is not supported by stability.stable-diffusion-xl-v1. Supported sizes (width x height): 1024x1024, 1152x896,`,
        ),
      });
    }
  });

  it('fails if the body breaks the schema, naming the field', async () => {
    const refused = (body: Json) => invoke('stability.stable-diffusion-xl-v1', body).catch((error: Error) => error.message);
    expect(await refused({ cfg_scale: 7 })).toBe(
      'Malformed input request: #: required key [text_prompts] not found, please reformat your input and try again.',
    );
    expect(await refused(sdxl({ steps: 151 }))).toContain('#/steps: 151 is not less or equal to 150');
    expect(await refused(sdxl({ cfg_scale: 36 }))).toContain('#/cfg_scale: 36 is not less or equal to 35');
    expect(await refused(sdxl({ samples: 2 }))).toContain('#/samples: 2 is not less or equal to 1');
    expect(await refused(sdxl({ style_preset: 'watercolour' }))).toContain('#/style_preset: watercolour is not a valid enum value');
    expect(await refused(sdxl({ sampler: 'EULER' }))).toContain('#/sampler: EULER is not a valid enum value');
    expect(await refused({ text_prompts: [{ text: 'x'.repeat(2001) }] })).toContain('#/text_prompts/0/text: expected maxLength: 2000');
    expect(await refused(sdxl({ init_image: 'bm90IGFuIGltYWdl' }))).toContain('init_image is not an image');
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
