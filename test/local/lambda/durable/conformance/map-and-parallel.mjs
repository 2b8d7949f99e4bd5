// map over items and parallel branches.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (_event, context) => {
  const squares = await context.map('squares', [1, 2, 3], async (item, child) => child.step(`square-${item}`, async () => item * item));
  const branches = await context.parallel('branches', [
    { name: 'left', func: async (child) => child.step('left-step', async () => 'L') },
    { name: 'right', func: async (child) => child.step('right-step', async () => 'R') },
  ]);
  return { squares: squares.getResults(), branches: branches.getResults() };
});
