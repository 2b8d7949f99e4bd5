import { AwsError } from '../../endpoint/aws-error.js';
import type { RawResponse } from '../../endpoint/protocols.js';
import { errorMessageMember } from '../../endpoint/validation/model.js';

/** A refusal Lambda answers without its `Type` member, as a few of its answers are recorded (one without a message: with no body at all). */
export class UntypedLambdaError extends AwsError {
  override readonly name: string = 'UntypedLambdaError';
}

/**
 * Lambda's throttle (TooManyRequestsException, 429): `Rate Exceeded.` and, in its `Reason`
 * member, which limit: the function's reserved concurrency, or the account's (which the local
 * runtime's default concurrency per function stands in for).
 */
export class ThrottledError extends AwsError {
  override readonly name: string = 'ThrottledError';
  constructor(readonly reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded') {
    super('TooManyRequestsException', 'Rate Exceeded.', 429);
  }
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
    body: JSON.stringify({ ...type, ...message, ...(error instanceof ThrottledError ? { Reason: error.reason } : {}) }),
  };
}

/**
 * CreateFunction's refusal of a layer version of another region than the function's: a function
 * takes only its own region's layers (a public layer has an ARN in each region).
 */
export function layerRegionError(functionRegion: string): AwsError {
  return new AwsError(
    'InvalidParameterValueException',
    `Layers are not in the same region as the function. Layers are expected to be in region ${functionRegion}.`,
  );
}
