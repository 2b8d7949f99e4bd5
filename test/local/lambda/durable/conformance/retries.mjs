// A step that fails twice and succeeds on its third attempt.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (_event, context) => {
  return await context.step(
    'flaky',
    async (step) => {
      // 1 on the first attempt.
      const { attempt } = step;
      if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
      return `succeeded on attempt ${attempt}`;
    },
    { retryStrategy: (_error, attempts) => ({ shouldRetry: attempts < 5, delay: { seconds: 1 } }) },
  );
});
