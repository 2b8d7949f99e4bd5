// From aws/aws-durable-execution-sdk-js@afe2020f (Apache-2.0, see NOTICE):
// packages/aws-durable-execution-sdk-js-examples/src/examples/create-callback/failures/create-callback-failures.ts, types and config removed.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (event, context) => {
  if (event.shouldCatchError) {
    // Pattern where error is caught and returned in result
    try {
      const [callbackPromise] = await context.createCallback('failing-operation', {
        timeout: { seconds: 60 },
      });

      await callbackPromise;
      return { success: true };
    } catch (error) {
      return {
        success: false,
        error: error instanceof Error ? error.message : String(error),
      };
    }
  } else {
    // Pattern where error propagates to framework (for basic failure case)
    const [callbackPromise] = await context.createCallback('failing-operation');

    await callbackPromise;
    return { success: true };
  }
});
