// A step that fails without retrying: the execution fails with its error.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (_event, context) => {
  await context.step('ok', async () => 'fine');
  return await context.step(
    'broken',
    async () => {
      const error = new Error('the order does not exist');
      error.name = 'OrderMissing';
      throw error;
    },
    { retryStrategy: () => ({ shouldRetry: false }) },
  );
});
