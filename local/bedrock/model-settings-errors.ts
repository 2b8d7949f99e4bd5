import { AwsError } from '../endpoint/aws-error.js';

/** ModelErrorException: the model failed; AWS names its status and the model. */
export class ModelErrorError extends AwsError {
  override readonly name = 'ModelErrorError';
  constructor(
    message: string,
    readonly originalStatusCode: number,
    readonly resourceName: string,
    options?: ErrorOptions,
  ) {
    super('ModelErrorException', message, 424, options);
  }
}
