import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers.js';
import { functionLog, only, type RunningApp, startApp } from './helpers.js';

// @aws-solutions-constructs/aws-eventbridge-lambda, integ.evtlam-eventbridge-new-eventbus: a rule
// on the new bus "test-new-lambda" (source "solutionsconstructs") that invokes a function
// (inline code that logs the event).
let app: RunningApp;
let events: EventBridgeClient;
let lambda: LambdaClient;

beforeAll(async () => {
  app = await startApp('aws-eventbridge-lambda');
  events = new EventBridgeClient(app.config);
  lambda = new LambdaClient(app.config);
});
afterAll(async () => {
  await app?.runtime.stop();
});

async function functionName(): Promise<string> {
  const { Functions = [] } = await lambda.send(new ListFunctionsCommand({}));
  return only(Functions.map((f) => f.FunctionName ?? ''));
}

async function put(source: string, marker: string): Promise<void> {
  const result = await events.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: 'test-new-lambda', Source: source, DetailType: 'integ test', Detail: JSON.stringify({ marker }) }],
    }),
  );
  expect(result.FailedEntryCount).toBe(0);
}

describe('aws-eventbridge-lambda (integ.evtlam-eventbridge-new-eventbus)', () => {
  it('invokes the function with an event matching the rule', async () => {
    const marker = randomUUID();
    await put('solutionsconstructs', marker);
    const name = await functionName();
    const log = await eventually(
      async () => {
        const text = functionLog(app.logs, name);
        return text.includes(marker) ? text : undefined;
      },
      15_000,
      'the function to log the event',
    );
    // console.log(event) prints the envelope, detail included.
    expect(log).toContain("source: 'solutionsconstructs'");
    expect(log).toContain("'detail-type': 'integ test'");
  });

  it('does not invoke the function for an event of another source', async () => {
    const other = randomUUID();
    const wanted = randomUUID();
    await put('someone.else', other);
    await put('solutionsconstructs', wanted);
    const name = await functionName();
    await eventually(async () => (functionLog(app.logs, name).includes(wanted) ? true : undefined), 15_000, 'the wanted invocation');
    expect(functionLog(app.logs, name)).not.toContain(other);
  });
});
