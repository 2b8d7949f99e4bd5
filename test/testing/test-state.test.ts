import { TestStateCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../../testing/index.js';
import { smallApp } from './small-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ cdkOut: smallApp() });
});
afterAll(async () => {
  await app?.stop();
});

describe('TestApp clients.sfn', () => {
  it('sends TestState to the runtime, which the SDK would send to a sync- host', async () => {
    // The AWS News Blog's first example (a mocked Lambda result), through the public testing API.
    const response = await app.clients.sfn.send(
      new TestStateCommand({
        definition: JSON.stringify({
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'process-order' },
          End: true,
        }),
        mock: { result: '{"orderId":"12345","status":"processed"}' },
      }),
    );
    expect(response).toMatchObject({ status: 'SUCCEEDED', output: '{"orderId":"12345","status":"processed"}' });
  });
});
