import { describe, expect, it } from 'vitest';
import { durableFunctionLines } from '../../../../local/lambda/durable/startup-lines.js';
import type { FunctionDefinition } from '../../../../local/lambda/runtime/function-runtime.js';
import { functionReport } from '../../../../local/lambda/startup-lines.js';

const fn = (name: string, template: Record<string, unknown>): FunctionDefinition => ({
  name,
  arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
  handler: 'index.handler',
  runtime: 'nodejs24.x',
  architecture: 'arm64',
  codePath: '/tmp',
  timeoutSeconds: 3,
  memorySize: 128,
  environment: {},
  logGroupName: `/aws/lambda/${name}`,
  template,
});

describe('durableFunctionLines', () => {
  it('lists each durable function with its DurableConfig and a qualified start, then what differs from AWS', () => {
    const lines = durableFunctionLines(
      [fn('flow', { DurableConfig: { ExecutionTimeout: 3600 } }), fn('plain', {})],
      'http://127.0.0.1:4566',
    );
    expect(lines[0]).toContain('durable function flow: execution timeout 3600 s, retention 14 days');
    // Quoted: unquoted, the shell expands $LATEST to nothing and Lambda is asked for `flow:`.
    expect(lines[0]).toContain(`--function-name 'flow:$LATEST'`);
    expect(lines[1]).toMatch(/^ {2}durable executions: .*differs from AWS/);
    expect(lines).toHaveLength(2);
  });

  it('suggests invoking a durable function qualified, since Lambda refuses its unqualified name', () => {
    const report = functionReport([fn('flow', { DurableConfig: { ExecutionTimeout: 3600 } })], 'http://127.0.0.1:4566');
    expect(report.tryIt?.command).toBe(`lambda invoke --function-name 'flow:$LATEST' --payload '{}' /dev/stdout`);
    expect(functionReport([fn('plain', {})], 'http://127.0.0.1:4566').tryIt?.command).toBe(
      `lambda invoke --function-name plain --payload '{}' /dev/stdout`,
    );
  });

  it('says nothing for an app without durable functions', () => {
    expect(durableFunctionLines([fn('plain', {})], 'http://127.0.0.1:4566')).toEqual([]);
  });
});
