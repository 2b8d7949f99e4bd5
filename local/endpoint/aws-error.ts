/**
 * An error the local endpoint answers in AWS's shape: the `code` is the AWS error code
 * the SDK turns into an exception class (`QueueDoesNotExist`, `ValidationException`,
 * `InvalidEventPatternException`, ...), the status is the HTTP status AWS uses for it.
 */
export class AwsError extends Error {
  // A string, not the literal: subclasses name themselves (UnsupportedTargetError).
  override readonly name: string = 'AwsError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** `cause`: the error that led to this answer (a JSON parse error, a failed write), kept for the log. */
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** Whether the caller (4xx) or the service (5xx) is at fault, as AWS reports it. */
  get senderFault(): boolean {
    return this.status < 500;
  }
}

export const validationError = (message: string, options?: ErrorOptions) => new AwsError('ValidationException', message, 400, options);
