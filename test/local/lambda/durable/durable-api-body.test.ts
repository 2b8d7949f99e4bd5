import { describe, expect, it } from 'vitest';
import type { ChainedInvokes } from '../../../../local/lambda/durable/chained-invokes.js';
import { DurableApi } from '../../../../local/lambda/durable/durable-api.js';
import type { DurableExecutions } from '../../../../local/lambda/durable/durable-executions.js';
import type { FunctionDirectory } from '../../../../local/lambda/function-reference.js';
import type { FunctionRuntime } from '../../../../local/lambda/function-runtime.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/e/1';
const api = new DurableApi(
  { clock: { now: () => 0 } } as unknown as DurableExecutions,
  {} as FunctionDirectory<FunctionRuntime>,
  {} as ChainedInvokes,
);

function post(action: string, body: Buffer) {
  return () =>
    api.answer({
      method: 'POST',
      path: `/2025-12-01/durable-executions/${ARN}/${action}`,
      query: new URLSearchParams(),
      headers: {},
      body,
    });
}

describe('DurableApi', () => {
  it('fails if a checkpoint body nests deeper than a JSON parser of AWS takes, as a body it cannot parse', () => {
    const deep = Buffer.from(`{"Updates":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
    expect(post('checkpoint', deep)).toThrow(
      expect.objectContaining({ code: 'InvalidRequestContentException', message: expect.stringContaining('nesting depth') }),
    );
  });

  it('fails if a stop body is not UTF-8, instead of going on with replaced characters', () => {
    expect(post('stop', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toThrow(
      expect.objectContaining({ code: 'InvalidRequestContentException', message: expect.stringContaining('UTF-8') }),
    );
  });
});
