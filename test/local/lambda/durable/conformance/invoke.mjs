// A chained invoke of another function of the app (`doubler`, not durable).
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (_event, context) => {
  const doubled = await context.invoke('double', 'doubler', { value: 21 });
  return await context.step('report', async () => `doubled: ${doubled.value}`);
});
