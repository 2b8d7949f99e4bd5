import { describe, expect, it } from 'vitest';
import { CheckpointAnswers, CLIENT_TOKEN_WINDOW_MS } from '../../../../local/lambda/durable/checkpoint-answers.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/e/1';

function answersAt(start = 1_000_000) {
  const clock = { now: start };
  return { clock, answers: new CheckpointAnswers(() => clock.now) };
}

describe('CheckpointAnswers', () => {
  it('answers the same request under the same ClientToken with the first answer, for 15 minutes', () => {
    const { clock, answers } = answersAt();
    answers.remember(ARN, 'c-1', 'request', { CheckpointToken: 'next' });
    clock.now += CLIENT_TOKEN_WINDOW_MS;
    expect(answers.repeat(ARN, 'c-1', 'request')).toEqual({ CheckpointToken: 'next' });
    clock.now += 1;
    expect(answers.repeat(ARN, 'c-1', 'request')).toBeUndefined();
  });

  it('takes another ClientToken, another request or no ClientToken as a new checkpoint', () => {
    const { answers } = answersAt();
    answers.remember(ARN, 'c-1', 'request', { CheckpointToken: 'next' });
    expect(answers.repeat(ARN, 'c-2', 'request')).toBeUndefined();
    expect(answers.repeat(ARN, 'c-1', 'other request')).toBeUndefined();
    expect(answers.repeat(ARN, undefined, 'request')).toBeUndefined();
    expect(answers.repeat(`${ARN}0`, 'c-1', 'request')).toBeUndefined();
  });

  it("keeps only an execution's latest checkpoint, and forgets it when the next has no ClientToken", () => {
    const { answers } = answersAt();
    answers.remember(ARN, 'c-1', 'first', 1);
    answers.remember(ARN, 'c-2', 'second', 2);
    expect(answers.repeat(ARN, 'c-1', 'first')).toBeUndefined();
    expect(answers.repeat(ARN, 'c-2', 'second')).toBe(2);
    answers.remember(ARN, undefined, 'third', 3);
    expect(answers.repeat(ARN, 'c-2', 'second')).toBeUndefined();
  });

  it('forgets answers past the window as new ones come, whatever their execution', () => {
    const { clock, answers } = answersAt();
    answers.remember(`${ARN}a`, 'c-1', 'request', 1);
    clock.now += CLIENT_TOKEN_WINDOW_MS + 1;
    answers.remember(`${ARN}b`, 'c-1', 'request', 2);
    clock.now -= CLIENT_TOKEN_WINDOW_MS + 1;
    // Even with the clock turned back, the old answer is gone: it was dropped, not just hidden.
    expect(answers.repeat(`${ARN}a`, 'c-1', 'request')).toBeUndefined();
    expect(answers.repeat(`${ARN}b`, 'c-1', 'request')).toBe(2);
  });
});
