// Steps, and a child context with its own steps (after the SDK's examples).
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (event, context) => {
  const greeting = await context.step('greet', async () => `hello ${event.name}`);
  const nested = await context.runInChildContext('child', async (child) => {
    const a = await child.step('child-a', async () => 1);
    const b = await child.step('child-b', async () => 2);
    return a + b;
  });
  return { greeting, nested };
});
