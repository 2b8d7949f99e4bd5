import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/clock.js';
import { EventsService } from '../../../local/events/events-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ACCOUNT, catchInto, caught, createStates, REGION, runCaughtTask, type TestStates } from './helpers.js';

let t: TestStates;
let eventsDb: DatabaseSync;

beforeEach(async () => {
  const clock = new ManualClock();
  eventsDb = openDatabase(':memory:');
  const events = new EventsService({
    db: eventsDb,
    clock,
    accountId: ACCOUNT,
    region: REGION,
    buses: [{ name: 'hub', arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/hub` }],
    rules: [],
    archives: [],
    delivery: { deliver: async () => {}, deadLetter: async () => {} },
  });
  t = await createStates({ clock, neighbours: { events } });
});

afterEach(async () => {
  await t.close();
  eventsDb.close();
});

describe('aws-sdk integrations and the API model', () => {
  // ValidationException is not an error EventBridge's model declares: the Java SDK raises its base exception.
  it("fails the task with the service's validation error when a parameter breaks the model", async () => {
    const run = await runCaughtTask(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:eventbridge:putEvents',
      Parameters: { Entries: [{ EventBusName: 'hub', Source: 's', DetailType: 'd', Detail: '{}', TraceHeader: '' }] },
      ...catchInto('EventBridge.EventBridgeException'),
    });
    const error = caught(run.result);
    expect(error.Error).toBe('EventBridge.EventBridgeException');
    expect(error.Cause).toMatch(
      /^1 validation error detected: Value '' at 'entries\.1\.member\.traceHeader' failed to satisfy constraint: Member must have length greater than or equal to 1 \(Service: EventBridge, Status Code: 400/,
    );
  });
});
