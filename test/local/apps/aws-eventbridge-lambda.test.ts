import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers.js';
import { functionLog, logHolding, onlyFunctionName, runApp } from './helpers.js';

// @aws-solutions-constructs/aws-eventbridge-lambda, integ.evtlam-eventbridge-new-eventbus: a rule
// on the new bus "test-new-lambda" (source "solutionsconstructs") that invokes a function
// (inline code that logs the event).
let events: EventBridgeClient;
let lambda: LambdaClient;

const app = runApp('aws-eventbridge-lambda', async (running) => {
  events = new EventBridgeClient(running.config);
  lambda = new LambdaClient(running.config);
});

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
    const name = await onlyFunctionName(lambda);
    const log = await logHolding(() => app().logs, name, marker, 'the function to log the event');
    // console.log(event) prints the envelope, detail included.
    expect(log).toContain("source: 'solutionsconstructs'");
    expect(log).toContain("'detail-type': 'integ test'");
  });

  it('does not invoke the function for an event of another source', async () => {
    const other = randomUUID();
    const wanted = randomUUID();
    await put('someone.else', other);
    await put('solutionsconstructs', wanted);
    const name = await onlyFunctionName(lambda);
    await eventually(async () => (functionLog(app().logs, name).includes(wanted) ? true : undefined), 15_000, 'the wanted invocation');
    expect(functionLog(app().logs, name)).not.toContain(other);
  });
});
