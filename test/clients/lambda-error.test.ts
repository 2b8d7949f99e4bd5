import { describe, expect, it } from 'vitest';
import { functionFrames, lambdaErrorOf, shownError } from '../../clients/lambda-error.js';

/** What Lambda's Node.js runtime reports for `throw new Error('no stock for FAIL-1')` in an async handler. */
const FROM_LAMBDA = JSON.stringify({
  errorType: 'Error',
  errorMessage: 'no stock for FAIL-1',
  trace: [
    'Error: no stock for FAIL-1',
    '    at reserve (file:///var/task/index.mjs:12:11)',
    '    at Runtime.handler (file:///var/task/index.mjs:20:10)',
    '    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)',
  ],
});

describe('lambdaErrorOf', () => {
  it("reads a Node.js function's error payload", () => {
    expect(lambdaErrorOf(FROM_LAMBDA)).toMatchObject({ errorType: 'Error', errorMessage: 'no stock for FAIL-1' });
  });

  it('is undefined for a cause that is not one: text, other JSON, none', () => {
    expect(lambdaErrorOf('the order was refused')).toBeUndefined();
    expect(lambdaErrorOf('{"reason":"x"}')).toBeUndefined();
    expect(lambdaErrorOf('{not json')).toBeUndefined();
    expect(lambdaErrorOf(undefined)).toBeUndefined();
  });
});

describe('functionFrames', () => {
  it("keeps the function's frames and leaves out the line repeating the message and Lambda's runtime frame", () => {
    expect(functionFrames(lambdaErrorOf(FROM_LAMBDA)?.trace ?? [])).toEqual([
      'at reserve (file:///var/task/index.mjs:12:11)',
      'at Runtime.handler (file:///var/task/index.mjs:20:10)',
    ]);
  });

  it("keeps a Node.js frame the function's code called and every line of a multi-line message out", () => {
    expect(
      functionFrames([
        'TypeError: bad input',
        'second line of the message',
        '    at Function.from (node:buffer:324:9)',
        '    at Runtime.handler (/var/task/index.js:5:47)',
        '    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1206:29)',
      ]),
    ).toEqual(['at Function.from (node:buffer:324:9)', 'at Runtime.handler (/var/task/index.js:5:47)']);
  });
});

describe('shownError', () => {
  it("shows a Lambda task's error with the payload's message and the function's frames", () => {
    expect(shownError('Error', FROM_LAMBDA)).toEqual({
      summary: 'Error: no stock for FAIL-1',
      frames: ['at reserve (file:///var/task/index.mjs:12:11)', 'at Runtime.handler (file:///var/task/index.mjs:20:10)'],
    });
  });

  it("names the payload's type when no error is given, and shows any other cause as it is", () => {
    expect(shownError(undefined, FROM_LAMBDA).summary).toBe('Error: no stock for FAIL-1');
    expect(shownError('Order.Rejected', 'card declined')).toEqual({ summary: 'Order.Rejected: card declined', frames: [] });
    expect(shownError('States.Timeout', undefined)).toEqual({ summary: 'States.Timeout', frames: [] });
  });
});
