/**
 * Small audio streams that players read, of a length that grows with the text spoken: what
 * the simulated Polly answers. An MP3 carries the text in an ID3 tag (`TXXX`
 * `switchyard-text`), which the simulated Transcribe reads back, so that speech made here
 * transcribes to its text.
 */

/** The ID3 description under which the spoken text travels. */
const TEXT_TAG = 'switchyard-text';

const syncsafe = (n: number) => Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);

/** MPEG-1 Layer III frames of silence (128 kbit/s, 44.1 kHz, 417 bytes, 26 ms each), after an ID3v2.4 tag holding the text. */
export function mp3(text: string, seconds: number): Buffer {
  const content = Buffer.concat([Buffer.from([3]), Buffer.from(`${TEXT_TAG}\0${text}`, 'utf8')]);
  const frame = Buffer.concat([Buffer.from('TXXX'), syncsafe(content.length), Buffer.from([0, 0]), content]);
  const tag = Buffer.concat([Buffer.from('ID3'), Buffer.from([4, 0, 0]), syncsafe(frame.length), frame]);
  const header = Buffer.from([0xff, 0xfb, 0x90, 0x64]);
  const silent = Buffer.concat([header, Buffer.alloc(417 - header.length)]);
  const frames = Math.max(1, Math.ceil(seconds / 0.026));
  return Buffer.concat([tag, ...Array.from({ length: frames }, () => silent)]);
}

/** The text an MP3 of `mp3` carries in its tag; undefined for other media. */
export function spokenText(media: Buffer): string | undefined {
  const marker = Buffer.from(`\x03${TEXT_TAG}\0`, 'latin1');
  const at = media.indexOf(marker);
  if (at < 10 || media.subarray(at - 10, at - 6).toString('latin1') !== 'TXXX') return undefined;
  const size = media.subarray(at - 6, at - 2).reduce((n, byte) => (n << 7) | byte, 0);
  return media.subarray(at + marker.length, at + size).toString('utf8');
}

/** Raw 16-bit little-endian mono samples of silence (Polly's `pcm`). */
export function pcm(sampleRate: number, seconds: number): Buffer {
  return Buffer.alloc(Math.ceil(sampleRate * seconds) * 2);
}

/** 8-bit µ-law or A-law samples of silence at 8 kHz (Polly's `mulaw`, `alaw`). */
export function law8(kind: 'mulaw' | 'alaw', seconds: number): Buffer {
  return Buffer.alloc(Math.ceil(8000 * seconds), kind === 'mulaw' ? 0xff : 0xd5);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, i) => {
  let r = i << 24;
  for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
  return r >>> 0;
});

/** One Ogg page holding `packets` (each under 255 bytes), with its CRC. */
function oggPage(packets: readonly Buffer[], flags: number, granule: number, sequence: number): Buffer {
  const segments = packets.map((p) => p.length);
  const header = Buffer.alloc(27 + segments.length);
  header.write('OggS', 0, 'latin1');
  header[5] = flags;
  header.writeBigInt64LE(BigInt(granule), 6);
  header.writeUInt32LE(0x53575944, 14);
  header.writeUInt32LE(sequence, 18);
  header[26] = segments.length;
  segments.forEach((s, i) => {
    header[27 + i] = s;
  });
  const page = Buffer.concat([header, ...packets]);
  let crc = 0;
  for (const byte of page) crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ byte) & 0xff] as number)) >>> 0;
  page.writeUInt32LE(crc, 22);
  return page;
}

/**
 * An Ogg Opus stream (RFC 7845): its identification and comment headers (the text a
 * comment), then 20 ms packets of Opus silence (TOC 0xf8 with one zero byte: a CELT frame
 * of silence), which Opus decoders play as silence. Polly's `ogg_opus`, and locally its `ogg_vorbis` too.
 */
export function oggOpus(text: string, seconds: number): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1;
  head[9] = 1;
  head.writeUInt16LE(312, 10);
  head.writeUInt32LE(48000, 12);
  const vendor = 'switchyard';
  const comment = `${TEXT_TAG}=${text}`.slice(0, 200);
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4 + 4 + Buffer.byteLength(comment));
  tags.write('OpusTags', 0, 'latin1');
  tags.writeUInt32LE(vendor.length, 8);
  tags.write(vendor, 12, 'latin1');
  tags.writeUInt32LE(1, 12 + vendor.length);
  tags.writeUInt32LE(Buffer.byteLength(comment), 16 + vendor.length);
  tags.write(comment, 20 + vendor.length, 'utf8');
  const pages = [oggPage([head], 2, 0, 0), oggPage([tags.subarray(0, Math.min(tags.length, 254))], 0, 0, 1)];
  const packets = Math.max(1, Math.ceil(seconds / 0.02));
  for (let sent = 0, sequence = 2; sent < packets; sequence++) {
    const count = Math.min(50, packets - sent);
    sent += count;
    const last = sent === packets;
    pages.push(
      oggPage(
        Array.from({ length: count }, () => Buffer.from([0xf8, 0x00])),
        last ? 4 : 0,
        312 + sent * 960,
        sequence,
      ),
    );
  }
  return Buffer.concat(pages);
}
