import { AwsError } from '../endpoint/aws-error.js';

/**
 * A body sent with `Content-Encoding: aws-chunked`, as the SDKs and the CLI stream uploads:
 * `<hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n` chunks, a zero-size chunk, then the
 * trailing headers (`x-amz-checksum-crc32:<base64>`, `x-amz-trailer-signature:...`) and an
 * empty line. The payload kinds (`x-amz-content-sha256`): STREAMING-AWS4-HMAC-SHA256-PAYLOAD,
 * STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-UNSIGNED-PAYLOAD-TRAILER.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 * Chunk signatures are not checked (the endpoint checks the request's own signature when asked to).
 */
export interface DecodedChunks {
  readonly body: Buffer;
  /** Trailing headers by lower-case name. */
  readonly trailers: Readonly<Record<string, string>>;
}

export function isAwsChunked(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const encoding = String(headers['content-encoding'] ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase());
  const payload = String(headers['x-amz-content-sha256'] ?? '');
  return encoding.includes('aws-chunked') || payload.startsWith('STREAMING-');
}

export function decodeAwsChunked(raw: Buffer, decodedLength?: number): DecodedChunks {
  const parts: Buffer[] = [];
  let offset = 0;
  const malformed = (why: string) => new AwsError('IncompleteBody', `The aws-chunked request body is malformed: ${why}.`);
  const line = (): string => {
    const end = raw.indexOf('\r\n', offset);
    if (end < 0) throw malformed('a chunk header or trailer does not end with CRLF');
    const text = raw.subarray(offset, end).toString('latin1');
    offset = end + 2;
    return text;
  };
  for (;;) {
    const header = line();
    const sizeText = header.split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw malformed(`chunk size ${JSON.stringify(sizeText.slice(0, 20))} is not hexadecimal`);
    const size = Number.parseInt(sizeText, 16);
    if (size === 0) break;
    if (offset + size + 2 > raw.length) throw malformed('a chunk is shorter than its size');
    parts.push(raw.subarray(offset, offset + size));
    offset += size;
    if (raw[offset] !== 0x0d || raw[offset + 1] !== 0x0a) throw malformed('a chunk is longer than its size');
    offset += 2;
  }
  const trailers: Record<string, string> = {};
  while (offset < raw.length) {
    const text = line();
    if (text === '') break;
    const colon = text.indexOf(':');
    if (colon < 0) throw malformed(`trailer ${JSON.stringify(text.slice(0, 40))} has no colon`);
    trailers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
  }
  const body = Buffer.concat(parts);
  if (decodedLength !== undefined && Number.isFinite(decodedLength) && body.length !== decodedLength) {
    throw new AwsError(
      'IncompleteBody',
      `You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header (${decodedLength}; got ${body.length}).`,
    );
  }
  return { body, trailers };
}
