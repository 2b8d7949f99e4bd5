import { describe, expect, it } from 'vitest';
import { AwsError, validationError } from '../../../local/endpoint/aws-error.js';
import { assertExecutionInputJson } from '../../../local/states/api-input.js';

describe('AwsError', () => {
  it('keeps the error that led to the answer as its cause', () => {
    const cause = new SyntaxError('Unexpected token');
    const error = new AwsError('InvalidRequestContentException', 'Could not parse request body into json', 400, { cause });
    expect(error.cause).toBe(cause);
    expect(validationError('bad', { cause }).cause).toBe(cause);
  });

  it('answers an unparsable execution input with the JSON parser’s error as cause', () => {
    let thrown: unknown;
    try {
      assertExecutionInputJson('{"open": ');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AwsError);
    expect((thrown as AwsError).code).toBe('InvalidExecutionInput');
    expect((thrown as AwsError).cause).toBeInstanceOf(SyntaxError);
  });
});
