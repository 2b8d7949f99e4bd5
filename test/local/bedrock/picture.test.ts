import { describe, expect, it } from 'vitest';
import { inputPictureSize, pictureSize, placeholderPicture } from '../../../local/bedrock/families/picture.js';

/** A WebP file's first bytes: RIFF, WEBP and a chunk of `kind` whose header holds the size as that kind writes it. */
function webp(kind: 'VP8 ' | 'VP8L' | 'VP8X', width: number, height: number): Buffer {
  const bytes = Buffer.alloc(40);
  bytes.write('RIFF', 0, 'ascii');
  bytes.writeUInt32LE(32, 4);
  bytes.write('WEBP', 8, 'ascii');
  bytes.write(kind, 12, 'ascii');
  if (kind === 'VP8 ') {
    bytes.set([0x9d, 0x01, 0x2a], 23);
    bytes.writeUInt16LE(width, 26);
    bytes.writeUInt16LE(height, 28);
  } else if (kind === 'VP8L') {
    bytes[20] = 0x2f;
    bytes.writeUInt32LE((width - 1) | ((height - 1) << 14), 21);
  } else {
    bytes.writeUIntLE(width - 1, 24, 3);
    bytes.writeUIntLE(height - 1, 27, 3);
  }
  return bytes;
}

describe('pictureSize', () => {
  it('reads the size of a PNG, a JPEG and each kind of WebP from its header', () => {
    expect(pictureSize(placeholderPicture('png', 300, 200, 's'))).toEqual({ width: 300, height: 200 });
    expect(pictureSize(placeholderPicture('jpeg', 120, 72, 's'))).toEqual({ width: 120, height: 72 });
    expect(pictureSize(webp('VP8 ', 640, 480))).toEqual({ width: 640, height: 480 });
    expect(pictureSize(webp('VP8L', 1024, 768))).toEqual({ width: 1024, height: 768 });
    expect(pictureSize(webp('VP8X', 4000, 3000))).toEqual({ width: 4000, height: 3000 });
  });

  it('gives nothing for bytes that are no image, or a JPEG cut before its frame header', () => {
    expect(pictureSize(Buffer.from('not an image'))).toBeUndefined();
    expect(pictureSize(placeholderPicture('jpeg', 16, 16, 's').subarray(0, 30))).toBeUndefined();
  });
});

describe('inputPictureSize', () => {
  it('fails if an input image has a side over 4096 pixels, naming its size, since the answer is drawn at it', () => {
    expect(inputPictureSize(webp('VP8X', 4096, 100).toString('base64'))).toEqual({ width: 4096, height: 100 });
    expect(() => inputPictureSize(webp('VP8X', 16_384, 16_384).toString('base64'))).toThrow(
      expect.objectContaining({ code: 'ValidationException', message: expect.stringContaining('16384x16384') }),
    );
  });
});
