// From aws/aws-durable-execution-sdk-js@afe2020f (Apache-2.0, see NOTICE):
// packages/aws-durable-execution-sdk-js-examples/src/examples/non-durable/non-durable.ts, types and config removed.
export const handler = async (event) => {
  if (event.failure) {
    throw new Error('This is a failure');
  }

  await new Promise((resolve) => setTimeout(resolve, 1000));

  return {
    status: 200,
    body: JSON.stringify({ message: 'Hello from Lambda!' }),
  };
};
