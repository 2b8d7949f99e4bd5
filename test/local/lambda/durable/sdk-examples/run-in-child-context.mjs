// From aws/aws-durable-execution-sdk-js@afe2020f (Apache-2.0, see NOTICE):
// packages/aws-durable-execution-sdk-js-examples/src/examples/run-in-child-context/basic/run-in-child-context.ts, types and config removed.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (_event, context) => {
  const result = await context.runInChildContext(async (childContext) => {
    const stepResult = await childContext.step(async () => {
      return 'child step completed';
    });
    return stepResult;
  });
  return result;
});
