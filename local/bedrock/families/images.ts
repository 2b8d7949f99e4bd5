import { createHash } from 'node:crypto';
import { validationError } from '../../endpoint/aws-error.js';
import type { Codec } from '../catalogue.js';
import { inputPictureSize, placeholderPicture } from './picture.js';
import { placeholderPng } from './png.js';
import { type Body, isObject, jsonType, malformed } from './shared.js';
import { sdxlResponse } from './stability-sdxl.js';

/**
 * An image model's answer: the body, how many images it drew, and the price tier they are
 * billed at where the model's price depends on more than the image (quality, resolution,
 * steps: `standard`, `premium.1024`, ...), as the call records report it.
 */
export interface Drawn {
  readonly body: Body;
  readonly images: number;
  readonly tier?: string;
}

/**
 * Image models' bodies, answered here whatever the backend: valid PNGs (base64; JPEGs where a
 * Stability body asks for them) of the size the body asks for, drawn from the prompt and seed,
 * so the same request gets the same bytes. A size the model does not take is a
 * ValidationException naming it.
 */
export function imageResponse(codec: Codec, modelId: string, body: Body): Drawn {
  if (codec === 'stability-sdxl') return sdxlResponse(modelId, body);
  return codec === 'stability' ? stability(modelId, body) : amazonImage(codec, modelId, body);
}

/** Titan Image Generator's sizes (width x height), as its inference parameters page lists them. */
const TITAN_SIZES = [
  '1024x1024',
  '768x768',
  '512x512',
  '768x1152',
  '384x576',
  '1152x768',
  '576x384',
  '768x1280',
  '384x640',
  '1280x768',
  '640x384',
  '896x1152',
  '448x576',
  '1152x896',
  '576x448',
  '768x1408',
  '384x704',
  '1408x768',
  '704x384',
  '640x1408',
  '320x704',
  '1408x640',
  '704x320',
  '1152x640',
  '1173x640',
];

/** The task types and the key each takes its parameters under; `image` names the parameter holding an input image. */
const TASKS: Readonly<Record<string, { params: string; image?: string; canvasOnly?: boolean; titanV1Not?: boolean }>> = {
  TEXT_IMAGE: { params: 'textToImageParams' },
  COLOR_GUIDED_GENERATION: { params: 'colorGuidedGenerationParams', titanV1Not: true },
  IMAGE_VARIATION: { params: 'imageVariationParams', image: 'images' },
  INPAINTING: { params: 'inPaintingParams', image: 'image' },
  OUTPAINTING: { params: 'outPaintingParams', image: 'image' },
  BACKGROUND_REMOVAL: { params: 'backgroundRemovalParams', image: 'image', titanV1Not: true },
  VIRTUAL_TRY_ON: { params: 'virtualTryOnParams', image: 'sourceImage', canvasOnly: true },
};

function amazonImage(codec: Codec, modelId: string, body: Body): Drawn {
  if (typeof body.taskType !== 'string') throw malformed('required key [taskType] not found');
  const task = TASKS[body.taskType];
  const titanV1 = modelId === 'amazon.titan-image-generator-v1';
  if (!task || (task.canvasOnly && codec !== 'nova-canvas') || (task.titanV1Not && titanV1)) {
    throw malformed(`${body.taskType} is not a valid enum value`, '/taskType');
  }
  const params = body[task.params];
  if (!isObject(params)) throw malformed(`required key [${task.params}] not found`);
  const text = params.text;
  const maxText = codec === 'nova-canvas' ? 1024 : 512;
  if (text !== undefined && (typeof text !== 'string' || text.length < 1 || text.length > maxText)) {
    throw malformed(
      `expected minLength: 1, maxLength: ${maxText}, actual: ${typeof text === 'string' ? text.length : jsonType(text)}`,
      `/${task.params}/text`,
    );
  }
  if (text === undefined && !task.image) throw malformed('required key [text] not found', `/${task.params}`);
  const config = isObject(body.imageGenerationConfig) ? body.imageGenerationConfig : {};
  const count = integerIn(config, 'numberOfImages', 1, 5, 1);
  const seed = integerIn(config, 'seed', 0, codec === 'nova-canvas' ? 858_993_459 : 2_147_483_646, 42);
  if (config.cfgScale !== undefined && !(typeof config.cfgScale === 'number' && config.cfgScale >= 1.1 && config.cfgScale <= 10)) {
    throw malformed(`${String(config.cfgScale)} is not between 1.1 and 10.0`, '/imageGenerationConfig/cfgScale');
  }
  if (config.quality !== undefined && config.quality !== 'standard' && config.quality !== 'premium') {
    throw malformed(`${String(config.quality)} is not a valid enum value`, '/imageGenerationConfig/quality');
  }
  const input = task.image ? inputImage(params[task.image]) : undefined;
  const size = input ?? { width: integerIn(config, 'width', 1, 10_000, 1024), height: integerIn(config, 'height', 1, 10_000, 1024) };
  if (!input) checkSize(codec, modelId, size.width, size.height);
  const images = Array.from({ length: task.params === 'backgroundRemovalParams' ? 1 : count }, (_, index) =>
    placeholderPng(size.width, size.height, JSON.stringify([modelId, params, seed, index])).toString('base64'),
  );
  return { body: { images, error: null }, images: images.length, tier: amazonTier(codec, config.quality, size) };
}

/**
 * The price tier of an Amazon image: its quality and the resolution it is billed at, as the
 * pricing page groups them (Titan: up to 512 x 512 or larger; Nova Canvas: up to 1024 x 1024 or
 * up to 2048 x 2048), counted in pixels so a 1152 x 640 image bills as 1024.
 */
function amazonTier(codec: Codec, quality: unknown, size: { width: number; height: number }): string {
  const pixels = size.width * size.height;
  const resolution = codec === 'nova-canvas' ? (pixels <= 1024 * 1024 ? '1024' : '2048') : pixels <= 512 * 512 ? '512' : '1024';
  return `${quality === 'premium' ? 'premium' : 'standard'}.${resolution}`;
}

/** The size of the input image of an editing task (the first of a list), when it is a PNG, JPEG or WebP. */
function inputImage(value: unknown): { width: number; height: number } | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first !== 'string') throw malformed('required key [image] not found');
  return inputPictureSize(first);
}

/** Titan takes the sizes of its list; Nova Canvas any size with sides 320..4096 divisible by 16, an aspect ratio within 1:4..4:1 and at most 4,194,304 pixels. */
function checkSize(codec: Codec, modelId: string, width: number, height: number): void {
  if (codec === 'titan-image') {
    if (!TITAN_SIZES.includes(`${width}x${height}`)) {
      throw validationError(
        `The requested image size ${width}x${height} is not supported by ${modelId}. Supported sizes (width x height): ${TITAN_SIZES.join(', ')}.`,
      );
    }
    return;
  }
  const problems = [
    ...[
      ['width', width],
      ['height', height],
    ].flatMap(([name, side]) =>
      Number(side) < 320 || Number(side) > 4096
        ? [`${name} must be between 320 and 4096 pixels`]
        : Number(side) % 16 !== 0
          ? [`${name} must be divisible by 16`]
          : [],
    ),
    ...(Math.max(width, height) / Math.min(width, height) > 4 ? ['the aspect ratio must be between 1:4 and 4:1'] : []),
    ...(width * height > 4_194_304 ? ['the image must have at most 4,194,304 pixels'] : []),
  ];
  if (problems.length > 0)
    throw validationError(`The requested image size ${width}x${height} is not supported by ${modelId}: ${problems.join('; ')}.`);
}

function integerIn(config: Body, key: string, min: number, max: number, fallback: number): number {
  const value = config[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw malformed(`expected type: Integer, found: ${jsonType(value)}`, `/imageGenerationConfig/${key}`);
  if (value < min) throw malformed(`${value} is not greater or equal to ${min}`, `/imageGenerationConfig/${key}`);
  if (value > max) throw malformed(`${value} is not less or equal to ${max}`, `/imageGenerationConfig/${key}`);
  return value;
}

/** Stability's aspect ratios and the pixel size each draws (Stability's 1-megapixel table). */
const ASPECT_RATIOS: Readonly<Record<string, readonly [number, number]>> = {
  '1:1': [1024, 1024],
  '16:9': [1344, 768],
  '21:9': [1536, 640],
  '2:3': [832, 1216],
  '3:2': [1216, 832],
  '4:5': [896, 1088],
  '5:4': [1088, 896],
  '9:16': [768, 1344],
  '9:21': [640, 1536],
};

/**
 * Stability AI's text-to-image body (SD3.5 Large, Stable Image Core and Ultra): `{prompt,
 * aspect_ratio, output_format, seed, negative_prompt, mode}` answered by `{seeds,
 * finish_reasons, images}`, a PNG or a JPEG as `output_format` asks (WebP is refused: no small
 * encoder for it is worth a dependency). SD3.5's image-to-image mode draws at the input image's size.
 */
function stability(modelId: string, body: Body): Drawn {
  if (typeof body.prompt !== 'string') throw malformed('required key [prompt] not found');
  if (body.prompt.length < 1 || body.prompt.length > 10_000) {
    throw malformed(`expected minLength: 1, maxLength: 10000, actual: ${body.prompt.length}`, '/prompt');
  }
  const ratio = body.aspect_ratio ?? '1:1';
  const size = ASPECT_RATIOS[String(ratio)];
  if (!size) throw malformed(`${String(ratio)} is not a valid enum value`, '/aspect_ratio');
  const format = body.output_format ?? 'png';
  if (format !== 'png' && format !== 'jpeg' && format !== 'webp')
    throw malformed(`${String(format)} is not a valid enum value`, '/output_format');
  if (format === 'webp') {
    throw validationError(
      'The local Bedrock draws PNG and JPEG images only: output_format webp is not answered locally (ask for png or jpeg).',
    );
  }
  const mode = body.mode ?? 'text-to-image';
  if (mode !== 'text-to-image' && mode !== 'image-to-image') throw malformed(`${String(mode)} is not a valid enum value`, '/mode');
  if (mode === 'image-to-image' && !modelId.startsWith('stability.sd3'))
    throw malformed('image-to-image is not a valid enum value', '/mode');
  const seedValue = body.seed ?? 0;
  if (typeof seedValue !== 'number' || !Number.isInteger(seedValue) || seedValue < 0 || seedValue > 4_294_967_294) {
    throw malformed(`${String(seedValue)} is not less or equal to 4294967294`, '/seed');
  }
  // Seed 0 asks Stability for a random seed; here it is drawn from the prompt, so the answer repeats.
  const seed = seedValue === 0 ? createHash('sha256').update(body.prompt).digest().readUInt32BE(0) % 4_294_967_294 : seedValue;
  const input = mode === 'image-to-image' ? inputImage(body.image) : undefined;
  const [width, height] = input ? [input.width, input.height] : size;
  const image = placeholderPicture(
    format,
    width,
    height,
    JSON.stringify([modelId, body.prompt, body.negative_prompt ?? '', seed]),
  ).toString('base64');
  return { body: { seeds: [seed], finish_reasons: [null], images: [image] }, images: 1 };
}
