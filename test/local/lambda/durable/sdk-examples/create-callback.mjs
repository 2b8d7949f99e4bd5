// From aws/aws-durable-execution-sdk-js@afe2020f (Apache-2.0, see NOTICE):
// packages/aws-durable-execution-sdk-js-examples/src/examples/create-callback/simple/create-callback.ts, types and config removed.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (_event, context) => {
  const [callbackPromise, _callbackId] = await context.createCallback();

  // In a real scenario, you would send the callbackId to an external system
  // The promise would be resolved by calling SendDurableExecutionCallbackSuccess
  // with the callbackId from an external system
  return await callbackPromise;
});
