import { AwsError } from '../aws-error.js';
import type { RawResponse } from '../endpoint/protocols.js';
import { errorMessageMember } from '../endpoint/validation/model.js';

/** A refusal Lambda answers without its `Type` member, as a few of its answers are recorded (one without a message: with no body at all). */
export class UntypedLambdaError extends AwsError {
  override readonly name: string = 'UntypedLambdaError';
}

/**
 * An error as Lambda's REST-JSON protocol answers it: the code in `x-amzn-errortype`, the
 * text under the member the error's shape names it by (`Message` for ResourceNotFoundException,
 * `message` for InvalidParameterValueException, as botocore's model says), and whose fault it is.
 */
export function lambdaErrorAnswer(error: AwsError): RawResponse {
  const untyped = error instanceof UntypedLambdaError;
  const type = untyped ? {} : { Type: error.senderFault ? 'User' : 'Service' };
  const message = untyped && error.message === '' ? {} : { [errorMessageMember('lambda', error.code)]: error.message };
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
    body: JSON.stringify({ ...type, ...message }),
  };
}
