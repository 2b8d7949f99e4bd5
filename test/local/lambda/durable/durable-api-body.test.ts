import { describe, expect, it } from 'vitest';
import type { DurableApi } from '../../../../local/lambda/durable/durable-api.js';
import { lambdaProtocol } from '../../../../local/lambda/lambda-api.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/e/1';
// Nothing is reached past the body: Lambda's protocol refuses it before any operation runs.
const protocol = lambdaProtocol({
  api: {},
  planes: {},
  mappings: {},
  durable: {} as DurableApi,
  checkRegion: () => {},
} as unknown as Parameters<typeof lambdaProtocol>[0]);

async function post(action: string, body: Buffer) {
  const answer = await protocol.handle({
    method: 'POST',
    path: `/2025-12-01/durable-executions/${ARN}/${action}`,
    query: new URLSearchParams(),
    headers: {},
    body,
  });
  return { status: answer.status, type: answer.headers?.['x-amzn-errortype'], body: JSON.parse(String(answer.body)) };
}

describe('DurableApi', () => {
  it('fails if a checkpoint body nests deeper than a JSON parser of AWS takes, as a body it cannot parse', async () => {
    const deep = Buffer.from(`{"Updates":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
    expect(await post('checkpoint', deep)).toMatchObject({
      status: 400,
      type: 'InvalidRequestContentException',
      body: { message: expect.stringContaining('nesting depth') },
    });
  });

  it('fails if a stop body is not UTF-8, instead of going on with replaced characters', async () => {
    expect(await post('stop', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toMatchObject({
      status: 400,
      type: 'InvalidRequestContentException',
      body: { message: expect.stringContaining('UTF-8') },
    });
  });
});
