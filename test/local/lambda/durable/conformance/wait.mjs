// Steps around a wait.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (_event, context) => {
  const before = await context.step('before', async () => 'before');
  await context.wait('pause', { seconds: 1 });
  const after = await context.step('after', async () => 'after');
  return [before, after];
});
