import { modelValidator, violationsMessage } from '../endpoint/validation/validator.js';
import { invalidParameter, SnsError } from './sns-errors.js';

/**
 * SNS's request checks from its model: violations are a ValidationError worded as AWS's
 * request layer words them (`1 validation error detected: Value null at 'topicArn' ...`).
 * Form values are text, so numbers and booleans are left to the operations to read.
 */
export const validateSnsInput = modelValidator('sns', {
  textScalars: true,
  wrongType: (finding) => invalidParameter(finding.message),
  violations: (violations) => new SnsError('ValidationError', violationsMessage(violations)),
});
