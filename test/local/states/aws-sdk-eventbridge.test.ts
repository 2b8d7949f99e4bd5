import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../local/events/definitions.js';
import type { EventsService } from '../../../local/events/events-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { undeliveringBus } from '../events/undelivering-bus.js';
import { ACCOUNT, catchInto, caught, createStates, REGION, runCaughtTask, runTaskState, type TestStates } from './helpers.js';

let t: TestStates;
let events: EventsService;
let eventsDb: DatabaseSync;
let accepted: EventEnvelope[];

const HUB = { name: 'hub', arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/hub` };

beforeEach(async () => {
  const clock = new ManualClock();
  accepted = [];
  eventsDb = openDatabase(':memory:');
  events = undeliveringBus({
    db: eventsDb,
    clock,
    accountId: ACCOUNT,
    region: REGION,
    buses: [HUB],
    onEvent: (_bus, event) => accepted.push(event),
  });
  t = await createStates({ clock, neighbours: { events } });
});

afterEach(async () => {
  await t.close();
  eventsDb.close();
});

describe('aws-sdk:eventbridge integrations', () => {
  it('puts events as the API takes them, without the Resources the optimized integration adds, and answers PutEvents', async () => {
    const { status, result } = await runTaskState(
      t.states,
      {
        Resource: 'arn:aws:states:::aws-sdk:eventbridge:putEvents',
        Parameters: {
          Entries: [{ EventBusName: 'hub', Source: 'switchyard.triage', DetailType: 'TicketRouted', 'Detail.$': 'States.JsonToString($)' }],
        },
      },
      { ticketId: 'T-1' },
    );
    expect(status).toBe('SUCCEEDED');
    expect(result).toEqual({ Entries: [{ EventId: accepted[0]?.id }], FailedEntryCount: 0 });
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({
      source: 'switchyard.triage',
      'detail-type': 'TicketRouted',
      detail: { ticketId: 'T-1' },
      resources: [],
    });
  });

  it('answers failed entries in the result instead of failing the task', async () => {
    const { status, result } = await runTaskState(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:eventbridge:putEvents',
      // A Detail that is not JSON fails its entry (an entry for a bus that does not exist is accepted and dropped, as AWS does).
      Parameters: { Entries: [{ EventBusName: 'hub', Source: 's', DetailType: 'd', Detail: 'not json' }] },
    });
    expect(status).toBe('SUCCEEDED');
    expect(result).toMatchObject({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'MalformedDetail' }] });
  });

  it('runs the other EventBridge operations, and names their errors EventBridge.<Exception>', async () => {
    const described = await runTaskState(
      t.states,
      {
        Resource: 'arn:aws:states:::aws-sdk:eventbridge:describeEventBus',
        Parameters: { Name: 'hub' },
      },
      {},
      'describe',
    );
    expect(described.result).toEqual({ Name: 'hub', Arn: HUB.arn, CreationTime: expect.any(String), LastModifiedTime: expect.any(String) });

    const missing = await runCaughtTask(
      t.states,
      {
        Resource: 'arn:aws:states:::aws-sdk:eventbridge:describeEventBus',
        Parameters: { Name: 'gone' },
        ...catchInto('EventBridge.ResourceNotFoundException'),
      },
      {},
      'missing',
    );
    const error = caught(missing.result);
    expect(error.Error).toBe('EventBridge.ResourceNotFoundException');
    expect(error.Cause).toMatch(
      /^Event bus gone does not exist\. \(Service: EventBridge, Status Code: 400, Request ID: [0-9a-f-]{36}\) \(SDK Attempt Count: 1\)$/,
    );
  });
});
