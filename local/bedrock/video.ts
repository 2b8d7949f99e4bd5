import { createHash } from 'node:crypto';
import { validationError } from '../endpoint/aws-error.js';
import type { FoundationModel } from './model-ids.js';

/** A video generation request as the local Bedrock reads it from a model's native body. */
export interface VideoRequest {
  /** The prompt (a multi-shot video's shots' prompts joined). */
  readonly prompt: string;
  readonly durationSeconds: number;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
}

type Body = Record<string, unknown>;

const isObject = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether AWS serves the model through StartAsyncInvoke (the catalogue's video models). */
export const isVideoModel = (model: FoundationModel): boolean => model.through === 'StartAsyncInvoke';

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > max) {
    throw validationError(`Malformed input request: ${field} must be a string of 1 to ${max} characters.`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw validationError(`Malformed input request: ${field} must be one of ${allowed.join(', ')}.`);
  return value as T;
}

/**
 * Nova Reel's body (the Nova user guide's "Video generation input parameters"): TEXT_VIDEO
 * makes one 6-second shot from `textToVideoParams.text` (512 characters); MULTI_SHOT_AUTOMATED
 * (Reel 1.1) makes 12 to 120 seconds, in 6-second shots, from one prompt of 4,000 characters;
 * MULTI_SHOT_MANUAL (Reel 1.1) one 6-second shot per `shots` entry. Always 1280x720 at 24 fps.
 */
function novaReel(model: FoundationModel, body: Body): VideoRequest {
  const multiShot = model.id !== 'amazon.nova-reel-v1:0';
  const tasks = multiShot ? (['TEXT_VIDEO', 'MULTI_SHOT_AUTOMATED', 'MULTI_SHOT_MANUAL'] as const) : (['TEXT_VIDEO'] as const);
  const task = oneOf(body.taskType, 'taskType', tasks, 'TEXT_VIDEO');
  if (body.taskType === undefined) throw validationError('Malformed input request: taskType is required.');
  const config = isObject(body.videoGenerationConfig) ? body.videoGenerationConfig : {};
  const frame = { width: 1280, height: 720, fps: 24 };
  if (config.dimension !== undefined && config.dimension !== '1280x720') {
    throw validationError('Malformed input request: videoGenerationConfig.dimension must be 1280x720.');
  }
  if (task === 'TEXT_VIDEO') {
    const params = isObject(body.textToVideoParams) ? body.textToVideoParams : {};
    if (config.durationSeconds !== undefined && config.durationSeconds !== 6) {
      throw validationError('Malformed input request: videoGenerationConfig.durationSeconds must be 6 for TEXT_VIDEO.');
    }
    return { prompt: text(params.text, 'textToVideoParams.text', 512), durationSeconds: 6, ...frame };
  }
  if (task === 'MULTI_SHOT_AUTOMATED') {
    const params = isObject(body.multiShotAutomatedParams) ? body.multiShotAutomatedParams : {};
    const duration = config.durationSeconds;
    if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 12 || duration > 120 || duration % 6 !== 0) {
      throw validationError('Malformed input request: videoGenerationConfig.durationSeconds must be a multiple of 6 from 12 to 120.');
    }
    return { prompt: text(params.text, 'multiShotAutomatedParams.text', 4000), durationSeconds: duration, ...frame };
  }
  const shots = isObject(body.multiShotManualParams) ? body.multiShotManualParams.shots : undefined;
  if (!Array.isArray(shots) || shots.length < 2 || shots.length > 20) {
    throw validationError('Malformed input request: multiShotManualParams.shots must hold 2 to 20 shots.');
  }
  const prompts = shots.map((shot, i) => text(isObject(shot) ? shot.text : undefined, `multiShotManualParams.shots[${i}].text`, 512));
  return { prompt: prompts.join('\n'), durationSeconds: 6 * shots.length, ...frame };
}

const LUMA_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4', '21:9', '9:21'] as const;

/** Luma Ray 2's body (the Bedrock user guide's "Luma AI models"): a prompt, 5 or 9 seconds, 540p or 720p. */
function lumaRay(body: Body): VideoRequest {
  const prompt = text(body.prompt, 'prompt', 5000);
  const ratio = oneOf(body.aspect_ratio, 'aspect_ratio', LUMA_RATIOS, '16:9');
  const duration = oneOf(body.duration, 'duration', ['5s', '9s'] as const, '5s');
  const resolution = oneOf(body.resolution, 'resolution', ['540p', '720p'] as const, '720p');
  if (body.loop !== undefined && typeof body.loop !== 'boolean') throw validationError('Malformed input request: loop must be a boolean.');
  const [w = 16, h = 9] = ratio.split(':').map(Number);
  const height = resolution === '720p' ? 720 : 540;
  return { prompt, durationSeconds: duration === '9s' ? 9 : 5, width: Math.round((height * w) / h / 2) * 2, height, fps: 24 };
}

/** The video a model's `modelInput` asks for, refused as Bedrock refuses a malformed one. */
export function videoRequest(model: FoundationModel, modelInput: unknown): VideoRequest {
  if (!isObject(modelInput)) throw validationError('Malformed input request: the modelInput must be a JSON object.');
  if (model.id.startsWith('amazon.nova-reel')) return novaReel(model, modelInput);
  return lumaRay(modelInput);
}

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

function uint32s(...values: number[]): Buffer {
  const buffer = Buffer.alloc(4 * values.length);
  for (const [i, value] of values.entries()) buffer.writeUInt32BE(value >>> 0, 4 * i);
  return buffer;
}

const IDENTITY_MATRIX = uint32s(0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000);

/**
 * The simulated backend's video: an ISO base media (MP4) file with the request's duration,
 * frame size and rate in its movie and track headers, and no frames, its `free` box holding a
 * digest of the model and request (the same request, the same bytes). Players read its length
 * and size; it shows nothing.
 */
export function simulatedVideo(modelId: string, request: VideoRequest): Buffer {
  const timescale = 1000;
  const duration = request.durationSeconds * timescale;
  const ftyp = box('ftyp', Buffer.from('isom', 'latin1'), uint32s(0x200), Buffer.from('isomiso2mp41', 'latin1'));
  const mvhd = box(
    'mvhd',
    uint32s(0, 0, 0, timescale, duration, 0x10000),
    Buffer.from([0x01, 0x00, 0, 0]),
    Buffer.alloc(8),
    IDENTITY_MATRIX,
    Buffer.alloc(24),
    uint32s(2),
  );
  const tkhd = box(
    'tkhd',
    uint32s(0x3, 0, 0, 1, 0, duration),
    Buffer.alloc(8),
    uint32s(0, 0),
    IDENTITY_MATRIX,
    uint32s(request.width << 16, request.height << 16),
  );
  const mdhd = box(
    'mdhd',
    uint32s(0, 0, 0, request.fps * 1000, request.durationSeconds * request.fps * 1000),
    Buffer.from([0x55, 0xc4, 0, 0]),
  );
  const hdlr = box('hdlr', uint32s(0, 0), Buffer.from('vide', 'latin1'), Buffer.alloc(12), Buffer.from('VideoHandler\0', 'latin1'));
  const stbl = box(
    'stbl',
    box('stsd', uint32s(0, 0)),
    box('stts', uint32s(0, 0)),
    box('stsc', uint32s(0, 0)),
    box('stsz', uint32s(0, 0, 0)),
    box('stco', uint32s(0, 0)),
  );
  const minf = box('minf', box('vmhd', uint32s(1, 0, 0)), box('dinf', box('dref', uint32s(0, 1), box('url ', uint32s(1)))), stbl);
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
  const digest = createHash('sha256')
    .update(`${modelId}\n${JSON.stringify(request)}`)
    .digest();
  return Buffer.concat([ftyp, box('moov', mvhd, trak), box('free', digest)]);
}
