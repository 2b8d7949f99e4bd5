import { describe, expect, it } from 'vitest';
import { executionEndStatus, FAILED_EXECUTION_END_EVENTS, START_AND_END_PATTERN } from '../../clients/execution-statuses.js';
import { compileFilterPattern } from '../../local/logs/filter-pattern.js';

const record = (type: string) => JSON.stringify({ type, execution_arn: 'arn:aws:states:us-east-1:000000000000:express:m:e:1' });

describe('execution statuses', () => {
  it('gives each event that ends an execution its status, and none to the others', () => {
    expect(
      ['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted', 'ExecutionStarted'].map(executionEndStatus),
    ).toEqual(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', undefined]);
  });

  it('names the events that end an execution without success', () => {
    expect([...FAILED_EXECUTION_END_EVENTS].sort()).toEqual(['ExecutionAborted', 'ExecutionFailed', 'ExecutionTimedOut']);
  });

  it("selects with its log filter pattern the records that start or end an execution, and none of the states' records", () => {
    const matches = compileFilterPattern(START_AND_END_PATTERN);
    const types = ['ExecutionStarted', 'ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted'];
    expect(types.map((type) => matches(record(type)))).toEqual(types.map(() => true));
    expect(['PassStateEntered', 'TaskFailed', 'ExecutionRedriven'].map((type) => matches(record(type)))).toEqual([false, false, false]);
  });
});
