import { describe, expect, it } from 'vitest';
import { PERMANENT_ERRORS } from '../../../domain/index.js';
import { EmitError, InvalidEventError, isPermanent, UnknownEventTypeError, WorkflowFailedError } from '../../../lambdas/kit/errors.js';
import { ModelRequestInvalidError, ModelStepLimitError } from '../../../lambdas/kit/model/errors.js';
import { InvalidTicketError, ModelThrottledError, ModelUnavailableError } from '../../../lambdas/triage/errors.js';

describe('isPermanent', () => {
  it('holds for the errors the wiring names permanent: invalid or unknown events, a model request refused, a tool loop at its step limit', () => {
    const permanent = [
      new InvalidEventError('x'),
      new UnknownEventTypeError('x'),
      new ModelRequestInvalidError('x'),
      new ModelStepLimitError('x'),
    ];
    expect(permanent.map((e) => e.name).sort()).toEqual([...PERMANENT_ERRORS].sort());
    for (const error of permanent) expect(isPermanent(error), error.name).toBe(true);
  });

  it('holds for an app error that marks itself permanent (an invalid ticket), whose name the kit does not know', () => {
    const error = new InvalidTicketError('x');
    expect(PERMANENT_ERRORS).not.toContain(error.name);
    expect(isPermanent(error)).toBe(true);
  });

  it('does not hold for transient errors, or for errors the kit knows nothing about', () => {
    const transient = [
      new ModelThrottledError('x'),
      new ModelUnavailableError('x'),
      new EmitError('x', []),
      new WorkflowFailedError('x'),
      new Error('x'),
    ];
    for (const error of transient) expect(isPermanent(error), error.name).toBe(false);
  });

  it('holds for any error named as a permanent one, thrown by code outside the kit', () => {
    expect(isPermanent(Object.assign(new Error('x'), { name: 'InvalidEvent' }))).toBe(true);
  });
});
