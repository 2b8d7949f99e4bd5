// From aws/aws-durable-execution-sdk-js@afe2020f (Apache-2.0, see NOTICE):
// packages/aws-durable-execution-sdk-js-examples/src/examples/concurrent/wait/concurrent-wait.ts, types and config removed.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (_event, context) => {
  await Promise.all([
    context.wait('wait-1-second', { seconds: 1 }),
    context.wait('wait-5-seconds', { seconds: 5 }),
    context.wait('wait-10-seconds', { seconds: 10 }),
  ]);
  return 'Completed waits';
});
