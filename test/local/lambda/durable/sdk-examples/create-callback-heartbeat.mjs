// From aws/aws-durable-execution-sdk-js@afe2020f (Apache-2.0, see NOTICE):
// packages/aws-durable-execution-sdk-js-examples/src/examples/create-callback/heartbeat/create-callback-heartbeat.ts, types and config removed.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (event, context) => {
  const [callbackPromise] = await context.createCallback('long-running-task', {
    heartbeatTimeout: event.isCloud ? { seconds: 30 } : { seconds: 1 },
  });

  const result = await callbackPromise;
  return { longTaskResult: result };
});
