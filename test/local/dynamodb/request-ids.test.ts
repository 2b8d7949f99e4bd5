import type { ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sendJson } from '../../../local/dynamodb/engine/http.js';

/** The headers of one answer, written to a response that keeps them. */
function answerHeaders(): Record<string, string> {
  let headers: Record<string, string> = {};
  const res = {
    writeHead: (_status: number, written: Record<string, string>) => {
      headers = written;
    },
    end: () => undefined,
  } as unknown as ServerResponse;
  sendJson(res, 200, {});
  return headers;
}

describe('the local DynamoDB request ids', () => {
  it('are 52 capital letters and digits, as DynamoDB writes them, and differ across more answers than one draw of random bytes serves', () => {
    const ids = Array.from({ length: 1000 }, () => answerHeaders()['x-amzn-requestid']);
    for (const id of ids) expect(id).toMatch(/^[A-Z0-9]{52}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every character DynamoDB uses turns up, not only the first few a byte maps to.
    expect(new Set(ids.join('')).size).toBe(36);
  });
});

describe('sendJson', () => {
  it('sends the head and the text as one string, its length and CRC32 those of the UTF-8 bytes', () => {
    let headers: Record<string, string> = {};
    let sent: unknown;
    const res = {
      writeHead: (_status: number, written: Record<string, string>) => {
        headers = written;
      },
      end: (body: unknown) => {
        sent = body;
      },
    } as unknown as ServerResponse;
    sendJson(res, 200, { Item: { name: { S: 'Zoë ☃' } } });
    const bytes = Buffer.from('{"Item":{"name":{"S":"Zoë ☃"}}}');
    // A string body goes out with the head in one write; a Buffer would be a second chunk.
    expect(typeof sent).toBe('string');
    expect(headers['content-length']).toBe(String(bytes.length));
    expect(headers['x-amz-crc32']).toBe(String(crc32(bytes)));
  });
});
