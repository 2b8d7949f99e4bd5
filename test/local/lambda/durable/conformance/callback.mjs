// Waits for a callback, which the test sends through the runner.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (_event, context) => {
  const [answer] = await context.createCallback('approval', { timeout: { minutes: 5 } });
  const decision = await answer;
  return await context.step('record', async () => `decided: ${decision}`);
});
