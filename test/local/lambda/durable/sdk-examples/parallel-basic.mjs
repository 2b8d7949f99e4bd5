// From aws/aws-durable-execution-sdk-js@afe2020f (Apache-2.0, see NOTICE):
// packages/aws-durable-execution-sdk-js-examples/src/examples/parallel/basic/parallel-basic.ts, types and config removed.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (_event, context) => {
  const results = await context.parallel(
    'parallel',
    [
      async (childContext) => {
        return await childContext.step(async () => {
          return 'task 1 completed';
        });
      },
      async (childContext) => {
        return await childContext.step(async () => {
          return 'task 2 completed';
        });
      },
      async (childContext) => {
        await childContext.wait({ seconds: 1 });
        return 'task 3 completed after wait';
      },
    ],
    {
      maxConcurrency: 2,
    },
  );

  return results.getResults();
});
