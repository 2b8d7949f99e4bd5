import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers.js';
import { expectLambdaTaskAnswered, onlyStateMachineArn, runApp } from './helpers.js';

// @aws-solutions-constructs/aws-eventbridge-stepfunctions, integ.evtstp-eventbridge-stepfunctions-new-eventbus:
// a rule on the new bus "test-new" (source "solutionsconstructs") starts a state machine that
// passes the event to a Lambda task (the package's test/lambda/index.js, CommonJS).
let events: EventBridgeClient;
let sfn: SFNClient;

runApp('aws-eventbridge-stepfunctions', async (running) => {
  events = new EventBridgeClient(running.config);
  sfn = new SFNClient(running.config);
});

async function executionInputs(): Promise<{ executionArn: string; input: string }[]> {
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: await onlyStateMachineArn(sfn) }));
  return Promise.all(
    executions.map(async (e) => {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
      return { executionArn: e.executionArn ?? '', input: described.input ?? '' };
    }),
  );
}

async function put(source: string, marker: string): Promise<string | undefined> {
  const put = await events.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: 'test-new', Source: source, DetailType: 'integ test', Detail: JSON.stringify({ marker }) }],
    }),
  );
  expect(put.FailedEntryCount).toBe(0);
  return put.Entries?.[0]?.EventId;
}

describe('aws-eventbridge-stepfunctions (integ.evtstp-eventbridge-stepfunctions-new-eventbus)', () => {
  it('starts an execution with the event for a matching event, which runs the Lambda task and succeeds', async () => {
    const marker = randomUUID();
    const eventId = await put('solutionsconstructs', marker);
    const started = await eventually(
      async () => (await executionInputs()).find((e) => e.input.includes(marker)),
      15_000,
      'an execution for the event',
    );
    expect(JSON.parse(started.input)).toMatchObject({ id: eventId, source: 'solutionsconstructs', detail: { marker } });
    // The handler answers API Gateway style (its source has no-break spaces in the body's text).
    await expectLambdaTaskAnswered(sfn, started.executionArn, "Hello from Project Vesper!\u00a0You've\u00a0hit\u00a0undefined\n");
  });

  it('does not start an execution for an event of another source', async () => {
    const other = randomUUID();
    const wanted = randomUUID();
    await put('someone.else', other);
    await put('solutionsconstructs', wanted);
    await eventually(
      async () => ((await executionInputs()).some((e) => e.input.includes(wanted)) ? true : undefined),
      15_000,
      'the wanted run',
    );
    expect((await executionInputs()).some((e) => e.input.includes(other))).toBe(false);
  });
});
