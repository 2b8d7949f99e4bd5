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

async function send(method: string, path: string, query = new URLSearchParams()) {
  const answer = await protocol.handle({ method, path, query, headers: {}, body: Buffer.alloc(0) });
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
  // The list operations page with listPage (the durable ones with their own page), which keep no copy of these checks.
  it.each([
    ['ListFunctions', '/2015-03-31/functions', 10_000],
    ['ListVersionsByFunction', '/2015-03-31/functions/f/versions', 10_000],
    ['ListAliases', '/2015-03-31/functions/f/aliases', 10_000],
    ['ListEventSourceMappings', '/2015-03-31/event-source-mappings', 10_000],
    ['ListCodeSigningConfigs', '/2020-04-22/code-signing-configs', 10_000],
    ['ListFunctionEventInvokeConfigs', '/2019-09-25/functions/f/event-invoke-config/list', 50],
    ['ListFunctionUrlConfigs', '/2021-10-31/functions/f/urls', 50],
    ['ListDurableExecutionsByFunction', '/2025-12-01/functions/f/durable-executions', 1000, 0],
  ])('fails %s with a MaxItems out of its range, from the model alone', async (_operation, path, max, min = 1) => {
    for (const [given, bound] of [
      [String(min - 1), `greater than or equal to ${min}`],
      [String(max + 1), `less than or equal to ${max}`],
    ] as const) {
      expect(await send('GET', path, new URLSearchParams({ MaxItems: given }))).toEqual({
        status: 400,
        type: 'ValidationException',
        body: {
          Type: 'User',
          message: `1 validation error detected: Value '${given}' at 'maxItems' failed to satisfy constraint: Member must have value ${bound}`,
        },
      });
    }
  });
  // DurableApi keeps no copy of this check: an ARN as a README may build it, without the execution id.
  it.each([
    ['GET', ''],
    ['GET', '/state'],
    ['GET', '/history'],
    ['POST', '/checkpoint'],
    ['POST', '/stop'],
  ])('fails %s of a durable execution%s whose ARN lacks the execution id, from the model alone', async (method, tail) => {
    const partial = 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/my-run';
    const answer = await send(method, `/2025-12-01/durable-executions/${partial}${tail}`);
    expect(answer).toMatchObject({ status: 400, type: 'ValidationException' });
    // GetDurableExecutionState's CheckpointToken, a required query member, is the second violation.
    expect(answer.body.message).toMatch(/^[12] validation errors? detected: /);
    expect(answer.body.message).toContain(
      `Value '${partial}' at 'durableExecutionArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\\d{12}):function:([a-zA-Z0-9_-]+):(\\$LATEST(?:\\.PUBLISHED)?|[0-9]+)/durable-execution/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)`,
    );
  });
});
