// From aws/aws-durable-execution-sdk-js@afe2020f (Apache-2.0, see NOTICE):
// packages/aws-durable-execution-sdk-js-examples/src/examples/run-in-child-context/with-failing-step/run-in-child-context-failing-step.ts, types and config removed.
import { ChildContextError, StepError, withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (_event, context) => {
  try {
    await context.runInChildContext('child-with-failure', async (ctx) => {
      await ctx.step(
        'failing-step',
        async () => {
          throw new Error('Step failed in child context');
        },
        {
          retryStrategy: (_, attemptCount) => {
            return {
              shouldRetry: attemptCount < 3,
              delay: { seconds: 1 * attemptCount },
            };
          },
        },
      );
    });
  } catch (error) {
    if (!(error instanceof ChildContextError) && !(error instanceof StepError)) {
      throw error;
    }
  }

  await context.wait('wait-after-failure', { seconds: 1 });

  return { success: true };
});
