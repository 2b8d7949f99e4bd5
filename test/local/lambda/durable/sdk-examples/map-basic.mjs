// From aws/aws-durable-execution-sdk-js@afe2020f (Apache-2.0, see NOTICE):
// packages/aws-durable-execution-sdk-js-examples/src/examples/map/basic/map-basic.ts, types and config removed.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (_event, context) => {
  const items = [1, 2, 3, 4, 5];

  const results = await context.map(
    'map',
    items,
    async (context, item, _index) => {
      return await context.step(async () => {
        return item * 2;
      });
    },
    {
      maxConcurrency: 2,
    },
  );

  // context.wait() terminates the current execution and restarts it later,
  // ensuring getResults() functions correctly during workflow replay
  await context.wait({ seconds: 1 });

  return results.getResults();
});
