import { AwsError } from '../endpoint/aws-error.js';
import { parameterPath } from '../endpoint/validation/check-input.js';
import { type InputValidator, modelValidator, violationsMessage } from '../endpoint/validation/validator.js';
import { invalidParameter, missingParameter } from './sqs-errors.js';

/**
 * SQS's request checks from its model. SQS answers a member of the wrong JSON type with the
 * deserializer's SerializationException and a missing top-level member with MissingParameter
 * ("The request must contain the parameter QueueUrl."). What is missing inside an entry or
 * an attribute, and the model's enums (attribute names), are left to the operations, which
 * answer them in SQS's own words (InvalidBatchEntryId, InvalidAttributeName, ...).
 */
function sqsValidator(textScalars: boolean): InputValidator {
  return modelValidator('sqs', {
    enums: false,
    textScalars,
    wrongType: (finding) => new AwsError('SerializationException', finding.message),
    violations: (violations) => {
      const missing = violations.find((violation) => violation.kind === 'required' && violation.path.length === 1);
      if (missing) return missingParameter(parameterPath(missing.path));
      const other = violations.filter((violation) => violation.kind !== 'required');
      return other.length > 0 ? invalidParameter(violationsMessage(other)) : undefined;
    },
  });
}

/** For the JSON protocol. */
export const validateSqsJsonInput = sqsValidator(false);

/** For the query protocol, whose values are all text: a number given as text is the operation's to read. */
export const validateSqsQueryInput = sqsValidator(true);
