import { createHash } from 'node:crypto';
import { validationError } from '../../endpoint/aws-error.js';
import { inputPictureSize, type PictureSize, placeholderPicture } from './picture.js';
import { type Body, isObject, jsonType, malformed } from './shared.js';

/** An SDXL answer: the body, how many images it drew and their price tier (standard up to 50 steps, premium past them). */
export interface SdxlDrawn {
  readonly body: Body;
  readonly images: number;
  readonly tier: 'standard' | 'premium';
}

/** SDXL 1.0's sizes (width x height), as its text-to-image page lists them. */
const SDXL_1_SIZES = ['1024x1024', '1152x896', '1216x832', '1344x768', '1536x640', '640x1536', '768x1344', '832x1216', '896x1152'];

const CLIP_GUIDANCE = ['FAST_BLUE', 'FAST_GREEN', 'NONE', 'SIMPLE', 'SLOW', 'SLOWER', 'SLOWEST'];
const SAMPLERS = [
  'DDIM',
  'DDPM',
  'K_DPMPP_2M',
  'K_DPMPP_2S_ANCESTRAL',
  'K_DPM_2',
  'K_DPM_2_ANCESTRAL',
  'K_EULER',
  'K_EULER_ANCESTRAL',
  'K_HEUN',
  'K_LMS',
];
const STYLE_PRESETS = [
  '3d-model',
  'analog-film',
  'anime',
  'cinematic',
  'comic-book',
  'digital-art',
  'enhance',
  'fantasy-art',
  'isometric',
  'line-art',
  'low-poly',
  'modeling-compound',
  'neon-punk',
  'origami',
  'photographic',
  'pixel-art',
  'tile-texture',
];
const MASK_SOURCES = ['MASK_IMAGE_WHITE', 'MASK_IMAGE_BLACK', 'INIT_IMAGE_ALPHA'];

/**
 * Stability AI's SDXL body (Stability.ai Diffusion 1.0, and 0.8 as `-v0`): `{text_prompts:
 * [{text, weight}], cfg_scale, seed, steps, width, height, style_preset, sampler, samples,
 * clip_guidance_preset}`, image-to-image with `init_image` (and a mask with `mask_source`),
 * answered `{result: 'success', artifacts: [{seed, base64, finishReason: 'SUCCESS'}]}` with a
 * PNG of the size asked for (image-to-image: the init image's). SDXL 1.0 takes the sizes of
 * its list; 0.8, whose page gives none, sides that are multiples of 64 up to 512 (the pricing
 * page bills it at 512 x 512 or smaller). A weight below zero is a negative prompt.
 */
export function sdxlResponse(modelId: string, body: Body): SdxlDrawn {
  const v0 = modelId === 'stability.stable-diffusion-xl-v0';
  const prompts = textPrompts(body.text_prompts);
  number(body, 'cfg_scale', 0, v0 ? 30 : 35);
  const steps = integer(body, 'steps', 10, 150) ?? 30;
  integer(body, 'samples', 1, 1);
  const seedValue = integer(body, 'seed', 0, 4_294_967_295) ?? 0;
  oneOf(body, 'clip_guidance_preset', CLIP_GUIDANCE);
  oneOf(body, 'sampler', SAMPLERS);
  oneOf(body, 'style_preset', STYLE_PRESETS);
  oneOf(body, 'init_image_mode', ['IMAGE_STRENGTH', 'STEP_SCHEDULE']);
  oneOf(body, 'mask_source', MASK_SOURCES);
  for (const key of ['image_strength', 'step_schedule_start', 'step_schedule_end']) number(body, key, 0, 1);
  const size = body.init_image === undefined ? textToImageSize(modelId, body, v0) : initImageSize(modelId, body, v0);
  const text = prompts.map((p) => `${p.weight}:${p.text}`).join('\n');
  // Seed 0 asks for a random seed; here it is drawn from the prompts, so the answer repeats.
  const seed = seedValue === 0 ? createHash('sha256').update(text).digest().readUInt32BE(0) : seedValue;
  const picture = placeholderPicture('png', size.width, size.height, JSON.stringify([modelId, text, body.style_preset ?? '', seed]));
  return {
    body: { result: 'success', artifacts: [{ seed, base64: picture.toString('base64'), finishReason: 'SUCCESS' }] },
    images: 1,
    tier: steps > 50 ? 'premium' : 'standard',
  };
}

function textPrompts(value: unknown): { text: string; weight: number }[] {
  if (value === undefined) throw malformed('required key [text_prompts] not found');
  if (!Array.isArray(value)) throw malformed(`expected type: JSONArray, found: ${jsonType(value)}`, '/text_prompts');
  if (value.length === 0) throw malformed('expected minimum item count: 1, found: 0', '/text_prompts');
  return value.map((prompt, index) => {
    const at = `/text_prompts/${index}`;
    if (!isObject(prompt)) throw malformed(`expected type: JSONObject, found: ${jsonType(prompt)}`, at);
    if (typeof prompt.text !== 'string') {
      throw prompt.text === undefined
        ? malformed('required key [text] not found', at)
        : malformed(`expected type: String, found: ${jsonType(prompt.text)}`, `${at}/text`);
    }
    if (prompt.text.length > 2000) throw malformed(`expected maxLength: 2000, actual: ${prompt.text.length}`, `${at}/text`);
    const weight = prompt.weight ?? 1;
    if (typeof weight !== 'number') throw malformed(`expected type: Number, found: ${jsonType(weight)}`, `${at}/weight`);
    return { text: prompt.text, weight };
  });
}

function textToImageSize(modelId: string, body: Body, v0: boolean): PictureSize {
  const fallback = v0 ? 512 : 1024;
  const size = { width: integer(body, 'width', 1, 100_000) ?? fallback, height: integer(body, 'height', 1, 100_000) ?? fallback };
  checkSize(modelId, size, v0);
  return size;
}

/** SDXL 1.0 takes the sizes of its list; 0.8 sides that are multiples of 64 from 128 to 512. */
function checkSize(modelId: string, { width, height }: PictureSize, v0: boolean, what = 'The requested image size'): void {
  if (v0) {
    if ([width, height].some((side) => side < 128 || side > 512 || side % 64 !== 0)) {
      throw validationError(
        `${what} ${width}x${height} is not supported by ${modelId}: width and height must be multiples of 64 from 128 to 512.`,
      );
    }
  } else if (!SDXL_1_SIZES.includes(`${width}x${height}`)) {
    throw validationError(
      `${what} ${width}x${height} is not supported by ${modelId}. Supported sizes (width x height): ${SDXL_1_SIZES.join(', ')}.`,
    );
  }
}

/**
 * Image-to-image draws at the init image's size, which must be one the model draws (Stability
 * checks an init image as it checks width and height); a mask other than the init image's
 * alpha needs a mask image.
 */
function initImageSize(modelId: string, body: Body, v0: boolean): PictureSize {
  if (typeof body.init_image !== 'string') throw malformed(`expected type: String, found: ${jsonType(body.init_image)}`, '/init_image');
  const source = body.mask_source;
  if (source !== undefined && source !== 'INIT_IMAGE_ALPHA' && typeof body.mask_image !== 'string') {
    throw malformed('required key [mask_image] not found');
  }
  const size = inputPictureSize(body.init_image);
  if (!size) throw validationError('The init_image is not an image the model reads: give a base64 PNG, JPEG or WebP.');
  checkSize(modelId, size, v0, 'The init_image size');
  return size;
}

function number(body: Body, key: string, min: number, max: number): number | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw malformed(`expected type: Number, found: ${jsonType(value)}`, `/${key}`);
  if (value < min) throw malformed(`${value} is not greater or equal to ${min}`, `/${key}`);
  if (value > max) throw malformed(`${value} is not less or equal to ${max}`, `/${key}`);
  return value;
}

function integer(body: Body, key: string, min: number, max: number): number | undefined {
  const value = number(body, key, min, max);
  if (value !== undefined && !Number.isInteger(value)) throw malformed('expected type: Integer, found: Number', `/${key}`);
  return value;
}

function oneOf(body: Body, key: string, values: readonly string[]): void {
  const value = body[key];
  if (value !== undefined && !values.includes(String(value))) throw malformed(`${String(value)} is not a valid enum value`, `/${key}`);
}
