import { AwsError } from '../aws-error.js';
import { type CheckOptions, checkInput, type Violation, type WrongType } from './check-input.js';
import { loadModel, type ModelService } from './model.js';

/** Checks an operation's input; throws the AwsError the service answers for an input it refuses. */
export type InputValidator = (operation: string, input: unknown) => void;

export interface ValidatorOptions extends CheckOptions {
  /**
   * The error for a member of the wrong JSON type (default: SerializationException with the
   * deserializer's message); undefined lets the request through to its constraint checks.
   */
  readonly wrongType?: (finding: WrongType) => AwsError | undefined;
  /**
   * The error for constraint violations (default: ValidationException, `N validation errors detected: ...`);
   * undefined leaves them to the operation, which words its own answer.
   */
  readonly violations?: (violations: readonly Violation[]) => AwsError | undefined;
}

/** `1 validation error detected: ...` / `3 validation errors detected: ...; ...; ...`, AWS's summary of violations. */
export function violationsMessage(violations: readonly Violation[]): string {
  const count = violations.length === 1 ? '1 validation error' : `${violations.length} validation errors`;
  return `${count} detected: ${violations.map((violation) => violation.message).join('; ')}`;
}

/**
 * A validator of a service's requests against its model in the repository, answering as
 * AWS's JSON services do unless the service words its answers otherwise.
 */
export function modelValidator(service: ModelService, options: ValidatorOptions = {}): InputValidator {
  const model = loadModel(service);
  return (operation, input) => {
    const findings = checkInput(model, operation, input, options);
    if (findings.wrongType) {
      const error = options.wrongType
        ? options.wrongType(findings.wrongType)
        : new AwsError('SerializationException', findings.wrongType.message);
      if (error) throw error;
    }
    if (findings.violations.length === 0) return;
    const error = options.violations
      ? options.violations(findings.violations)
      : new AwsError('ValidationException', violationsMessage(findings.violations));
    if (error) throw error;
  };
}
