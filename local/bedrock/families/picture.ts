import { encode as encodeJpeg } from 'jpeg-js';
import { validationError } from '../../endpoint/aws-error.js';
import { placeholderPixels, placeholderPng, pngSize } from './png.js';

/** The file formats the local Bedrock draws its pictures in. */
export type PictureFormat = 'png' | 'jpeg';

/**
 * The placeholder picture `seed` draws, `width` x `height`, as a file of `format`: a PNG
 * (png.ts) or a baseline JPEG (jpeg-js's encoder, quality 90), so one seed gives the same bytes.
 */
export function placeholderPicture(format: PictureFormat, width: number, height: number, seed: string): Buffer {
  if (format === 'png') return placeholderPng(width, height, seed);
  return encodeJpeg({ width, height, data: placeholderPixels(width, height, seed, 4) }, 90).data;
}

export interface PictureSize {
  readonly width: number;
  readonly height: number;
}

/**
 * The width and height of an input image as its header gives them (PNG, JPEG or WebP, the
 * formats Bedrock's image models take), or undefined for bytes that are none of them.
 */
export function pictureSize(bytes: Buffer): PictureSize | undefined {
  return pngSize(bytes) ?? jpegSize(bytes) ?? webpSize(bytes);
}

/** The largest side of an input image the local Bedrock draws at (the largest Nova Canvas draws). */
const MAX_INPUT_SIDE = 4096;

/**
 * The size of an input image given in base64 (an editing task's image, an init image), the
 * image's own when its header can be read; one with a side of 0 or over 4096 pixels is refused
 * (the local runtime's bound: it draws the answer at that size).
 */
export function inputPictureSize(base64: string): PictureSize | undefined {
  const size = pictureSize(Buffer.from(base64, 'base64'));
  if (size && [size.width, size.height].some((side) => side < 1 || side > MAX_INPUT_SIDE)) {
    throw validationError(
      `The input image is ${size.width}x${size.height}: the local Bedrock takes input images with sides from 1 to ${MAX_INPUT_SIDE} pixels.`,
    );
  }
  return size;
}

/** JPEG: the frame header (a SOFn marker) after the segments before it. */
function jpegSize(bytes: Buffer): PictureSize | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1] ?? 0;
    // Fill bytes, and the markers that stand alone (restart, TEM): no length follows.
    if (marker === 0xff || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += marker === 0xff ? 1 : 2;
      continue;
    }
    // SOF0-15 except DHT (c4), JPG (c8) and DAC (cc).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  return undefined;
}

/** WebP: the size its first chunk gives, lossy (VP8), lossless (VP8L) or extended (VP8X). */
function webpSize(bytes: Buffer): PictureSize | undefined {
  if (bytes.length < 30 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WEBP') return undefined;
  switch (bytes.toString('ascii', 12, 16)) {
    case 'VP8 ':
      return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
    case 'VP8L': {
      const bits = bytes.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    case 'VP8X':
      return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
    default:
      return undefined;
  }
}
