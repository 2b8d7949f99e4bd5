// From aws/aws-durable-execution-sdk-js@afe2020f (Apache-2.0, see NOTICE):
// packages/aws-durable-execution-sdk-js-examples/src/examples/handler-error/handler-error.ts, types and config removed.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (_event, _context) => {
  // Simulate a handler-level error that might occur in real applications
  throw new Error('Intentional handler failure');
});
