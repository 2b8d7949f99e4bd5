import { SFNClient } from '@aws-sdk/client-sfn';
import { Endpoint } from '../../../local/endpoint/server.js';
import { createStates, REGION, type TestStates } from './helpers.js';

/** A states service on a local endpoint (on `port`; 0 lets the system pick a free one), and an SDK client for it. */
export async function statesOnEndpoint(port = 0): Promise<{ t: TestStates; sfn: SFNClient; close(): Promise<void> }> {
  const t = await createStates();
  const endpoint = new Endpoint({ port });
  const url = await endpoint.start();
  endpoint.mount({ jsonServices: [{ targetPrefix: 'AWSStepFunctions', jsonVersion: '1.0', operations: t.states.operations }] });
  const sfn = new SFNClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // The SDK sends TestState (as StartSyncExecution) to a `sync-` host; a local endpoint has none.
    disableHostPrefix: true,
  });
  return {
    t,
    sfn,
    async close() {
      sfn.destroy();
      await endpoint.stop();
      await t.close();
    },
  };
}
