import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SdkIntegrations } from '../../../local/states/aws-sdk-integrations.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { undeliveringBus } from '../events/undelivering-bus.js';
import { ACCOUNT, catchInto, caught, createStates, REGION, runCaughtTask, type TestStates } from './helpers.js';

let t: TestStates;
let eventsDb: DatabaseSync;

beforeEach(async () => {
  const clock = new ManualClock();
  eventsDb = openDatabase(':memory:');
  const events = undeliveringBus({
    db: eventsDb,
    clock,
    accountId: ACCOUNT,
    region: REGION,
    buses: [{ name: 'hub', arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/hub` }],
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

describe('SdkIntegrations.resourceError', () => {
  const integrations = (pkg: string) =>
    new SdkIntegrations([
      { arnName: 'ses', metadata: { name: 'Ses', wireCase: 'pascal', model: { package: pkg, baseException: 'SESServiceException' } } },
    ]);

  it("checks an action against the SDK package's commands where it is installed", () => {
    const installed = integrations('@aws-sdk/client-ses');
    expect(installed.resourceError('arn:aws:states:::aws-sdk:ses:sendEmail')).toBeUndefined();
    expect(installed.resourceError('arn:aws:states:::aws-sdk:ses:sendNothing')).toMatch(/is not recognized/);
  });

  it('accepts any action of a service whose SDK package is not installed (switchyard-cli carries not every client)', () => {
    expect(integrations('@aws-sdk/client-not-installed').resourceError('arn:aws:states:::aws-sdk:ses:sendEmail')).toBeUndefined();
  });
});
