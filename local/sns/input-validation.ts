import { modelValidator, violationsMessage } from '../endpoint/validation/validator.js';
import { invalidParameter, SnsError } from './sns-errors.js';

/**
 * SNS's request checks from its model: violations are a ValidationError worded as AWS's
 * request layer words them (`1 validation error detected: Value null at 'topicArn' ...`).
 * Form values are text, so numbers and booleans are left to the operations to read.
 */
const validateAgainstModel = modelValidator('sns', {
  textScalars: true,
  wrongType: (finding) => invalidParameter(finding.message),
  violations: (violations) => new SnsError('ValidationError', violationsMessage(violations)),
});

/**
 * Required members SNS checks itself before the model's checks, with its own wording
 * (`Invalid parameter: SubscriptionArn Reason: no value for required parameter`, recorded on AWS).
 */
const CHECKED_BY_SNS: Readonly<Record<string, readonly string[]>> = { Unsubscribe: ['SubscriptionArn'] };

export function validateSnsInput(operation: string, input: unknown): void {
  const members = (input ?? {}) as Record<string, unknown>;
  for (const member of CHECKED_BY_SNS[operation] ?? []) {
    if (members[member] === undefined || members[member] === null)
      throw invalidParameter(`${member} Reason: no value for required parameter`);
  }
  validateAgainstModel(operation, input);
}
