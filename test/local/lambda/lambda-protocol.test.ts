import { describe, expect, it } from 'vitest';
import { lambdaProtocol } from '../../../local/lambda/lambda-api.js';

// No operation is reached by these requests: the protocol answers them from Lambda's model alone.
const protocol = lambdaProtocol({
  api: {},
  planes: {},
  mappings: {},
  durable: {},
  checkRegion: () => {},
} as unknown as Parameters<typeof lambdaProtocol>[0]);

async function send(method: string, path: string) {
  const answer = await protocol.handle({ method, path, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) });
  return { status: answer.status, type: answer.headers?.['x-amzn-errortype'], body: JSON.parse(String(answer.body)) };
}

describe('lambdaProtocol', () => {
  it("takes every path under the API versions of Lambda's operations, and no other", () => {
    for (const path of ['/2015-03-31/functions', '/2018-10-31/layers', '/2025-12-01/durable-executions/x', '/2026-07-09/resource-policy/x'])
      expect(protocol.handles({ method: 'GET', path }), path).toBe(true);
    expect(protocol.handles({ method: 'GET', path: '/2015-04-01/functions' })).toBe(false);
  });

  it('fails if an operation is one the local Lambda does not serve, naming it, a newer one than its model too', async () => {
    expect(await send('PUT', '/2021-07-20/functions/f/runtime-management-config')).toEqual({
      status: 400,
      type: 'UnknownOperationException',
      body: { Type: 'User', message: 'PutRuntimeManagementConfig is not supported by the local Lambda service.' },
    });
    expect((await send('GET', '/2026-07-09/resource-policy/arn:aws:lambda:us-east-1:000000000000:function:f')).body.message).toBe(
      'GetResourcePolicy is not supported by the local Lambda service.',
    );
  });

  it('fails if a path under its API versions is no operation, with 404 in its error document', async () => {
    expect(await send('GET', '/2015-03-31/nothing')).toEqual({
      status: 404,
      type: 'UnknownOperationException',
      body: { Type: 'User', message: 'no Lambda operation is GET /2015-03-31/nothing' },
    });
  });
});
