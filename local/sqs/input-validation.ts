import { AwsError } from '../aws-error.js';
import { parameterPath } from '../endpoint/validation/check-input.js';
import { type InputValidator, modelValidator, violationsMessage } from '../endpoint/validation/validator.js';
import { invalidParameter, missingParameter } from './sqs-errors.js';

/**
 * SQS's request checks from its model. SQS answers a member of the wrong JSON type with the
 * deserializer's SerializationException, a missing member with MissingParameter ("The
 * request must contain the parameter QueueUrl."), and the rest with InvalidParameterValue.
 * The model's enums (attribute names) are left to the service, which answers an unknown
 * one with InvalidAttributeName, as SQS does.
 */
function sqsValidator(textScalars: boolean): InputValidator {
  return modelValidator('sqs', {
    enums: false,
    textScalars,
    wrongType: (finding) => new AwsError('SerializationException', finding.message),
    violations: (violations) => {
      const missing = violations.find((violation) => violation.kind === 'required');
      return missing ? missingParameter(parameterPath(missing.path)) : invalidParameter(violationsMessage(violations));
    },
  });
}

/** For the JSON protocol. */
export const validateSqsJsonInput = sqsValidator(false);

/** For the query protocol, whose values are all text: a number given as text is the operation's to read. */
export const validateSqsQueryInput = sqsValidator(true);
