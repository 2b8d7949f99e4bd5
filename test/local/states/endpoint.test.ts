import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Endpoint } from '../../../local/endpoint/server.js';
import { callbackState, createStates, finished, REGION, ROLE, type TestStates, tokenSentTo } from './helpers.js';

let t: TestStates;
let endpoint: Endpoint;
let sfn: SFNClient;

beforeAll(async () => {
  t = await createStates();
  endpoint = new Endpoint({ port: 0 });
  const url = await endpoint.start();
  endpoint.mount({ jsonServices: [{ targetPrefix: 'AWSStepFunctions', jsonVersion: '1.0', operations: t.states.operations }] });
  // The SDK sends StartSyncExecution to a `sync-` host; a custom endpoint has none.
  sfn = new SFNClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    disableHostPrefix: true,
  });
});

afterAll(async () => {
  sfn?.destroy();
  await endpoint?.stop();
  await t?.close();
});

describe('StatesService on the endpoint', () => {
  it('serves the AWS SDK: dates as dates, errors as its exception classes', async () => {
    const definition = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: 'ok', End: true } } });
    const { stateMachineArn } = await sfn.send(new CreateStateMachineCommand({ name: 'sdk', definition, roleArn: ROLE }));
    const { executionArn, startDate } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'via-sdk' }));
    expect(startDate).toEqual(new Date(t.clock.now()));
    await finished(t.states, String(executionArn));
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '"ok"', stopDate: new Date(t.clock.now()) });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    expect(events?.[0]).toMatchObject({ type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: '"ok"' } });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'via-sdk' }))).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('answers StartSyncExecution for an EXPRESS machine', async () => {
    const definition = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({ name: 'sdk-express', definition, roleArn: ROLE, type: 'EXPRESS' }),
    );
    const result = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn, input: '{"x":1}' }));
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: '{"x":1}' });
  });

  it('takes task tokens back, and fails with TaskTimedOut for a token whose task has ended', async () => {
    const definition = JSON.stringify({ StartAt: 'Ask', States: { Ask: callbackState() } });
    const { stateMachineArn } = await sfn.send(new CreateStateMachineCommand({ name: 'sdk-callback', definition, roleArn: ROLE }));
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn }));
    const taskToken = await tokenSentTo(t.sqs);
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{"done":true}' }));
    expect(await finished(t.states, String(executionArn))).toMatchObject({ output: '{"done":true}' });
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
  });
});
