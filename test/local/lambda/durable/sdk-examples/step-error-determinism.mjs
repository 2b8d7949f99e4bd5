// From aws/aws-durable-execution-sdk-js@afe2020f (Apache-2.0, see NOTICE):
// packages/aws-durable-execution-sdk-js-examples/src/examples/step/step-error-determinism/step-error-determinism.ts, types and config removed.
import { retryPresets, withDurableExecution } from '@aws/durable-execution-sdk-js';

class CustomBusinessError extends Error {
  errorCode;

  constructor(message, errorCode) {
    super(message);
    this.name = 'CustomBusinessError';
    this.errorCode = errorCode;
  }
}

export const handler = withDurableExecution(async (_event, context) => {
  let stepError = null;

  // Step throws custom error
  try {
    await context.step(
      'failing-step',
      async () => {
        throw new CustomBusinessError('Business validation failed', 'VALIDATION_ERROR');
      },
      { retryStrategy: retryPresets.noRetry },
    );
  } catch (error) {
    stepError = error;
  }

  // Check error properties before replay
  const errorPropsBeforeReplay = await context.step(
    'check-before-replay',
    async () => {
      return {
        hasError: stepError !== null,
        errorMessage: stepError?.message,
        causeMessage: stepError?.cause?.message,
        causeName: stepError?.cause?.name,
        // Note: Custom properties like errorCode are lost during serialization
        // but error handling is now deterministic between runs
      };
    },
    { retryStrategy: retryPresets.noRetry },
  );

  await context.wait({ seconds: 1 });

  // Check error properties after replay
  const errorPropsAfterReplay = await context.step(
    'check-after-replay',
    async () => {
      return {
        hasError: stepError !== null,
        errorMessage: stepError?.message,
        causeMessage: stepError?.cause?.message,
        causeName: stepError?.cause?.name,
      };
    },
    { retryStrategy: retryPresets.noRetry },
  );

  // Verify deterministic behavior - error properties should be the same
  return JSON.stringify(errorPropsBeforeReplay) === JSON.stringify(errorPropsAfterReplay);
});
