import { crc32 } from 'node:zlib';

/**
 * One message of the AWS event-stream binary framing (application/vnd.amazon.eventstream):
 * prelude (total length, headers length, prelude CRC32), string headers, payload, message CRC32.
 * https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html
 */
export function eventMessage(headers: Readonly<Record<string, string>>, payload: Buffer): Buffer {
  const headerParts = Object.entries(headers).map(([name, value]) => {
    const nameBytes = Buffer.from(name, 'utf8');
    const valueBytes = Buffer.from(value, 'utf8');
    const head = Buffer.alloc(1 + nameBytes.length + 3);
    head.writeUInt8(nameBytes.length, 0);
    nameBytes.copy(head, 1);
    head.writeUInt8(7, 1 + nameBytes.length); // 7: string
    head.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
    return Buffer.concat([head, valueBytes]);
  });
  const headerBytes = Buffer.concat(headerParts);
  const total = 12 + headerBytes.length + payload.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const body = Buffer.concat([prelude, headerBytes, payload]);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([body, trailer]);
}

/** An event of a REST-JSON event stream: `:event-type` names the union member, the payload is its JSON. */
export function jsonEvent(eventType: string, payload: unknown): Buffer {
  return eventMessage(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    Buffer.from(JSON.stringify(payload), 'utf8'),
  );
}

/** An error inside an event stream (`:exception-type` is the union member, e.g. `throttlingException`). */
export function exceptionEvent(exceptionType: string, message: string): Buffer {
  return eventMessage(
    { ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' },
    Buffer.from(JSON.stringify({ message }), 'utf8'),
  );
}
