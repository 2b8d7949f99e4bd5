import { afterEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import type {
  DeadLetterReason,
  EventEnvelope,
  RuleDefinition,
  TargetDefinition,
  TargetDelivery,
} from '../../../local/events/definitions.js';
import { EVENTS_OPERATIONS, EventsService } from '../../../local/events/events-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';

const BUS = { name: 'hub', arn: 'arn:aws:events:us-east-1:000000000000:event-bus/hub' };
const services: EventsService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.stop()));
});

/**
 * Records deliveries; a target whose ARN contains "broken" always refuses, one containing
 * "gone" answers as a deleted state machine does, one containing "busy" is throttled.
 */
class RecordingDelivery implements TargetDelivery {
  readonly delivered: { target: string; input: string }[] = [];
  readonly deadLettered: ({ queue: string; event: EventEnvelope } & DeadLetterReason)[] = [];
  readonly attempts = new Map<string, number>();
  async deliver(target: TargetDefinition, input: string) {
    this.attempts.set(target.id, (this.attempts.get(target.id) ?? 0) + 1);
    if (target.arn.includes('broken')) throw new Error('target refused');
    if (target.arn.includes('gone')) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${target.arn}'`);
    if (target.arn.includes('busy')) throw new AwsError('ThrottlingException', 'Rate exceeded');
    this.delivered.push({ target: target.id, input });
  }
  async deadLetter(queue: string, event: EventEnvelope, reason: DeadLetterReason) {
    this.deadLettered.push({ queue, event, ...reason });
  }
}

function service(rules: RuleDefinition[], clock = new ManualClock(), log?: string[]) {
  const delivery = new RecordingDelivery();
  const events = new EventsService({
    db: openDatabase(':memory:'),
    clock,
    accountId: '000000000000',
    region: 'us-east-1',
    buses: [BUS],
    rules,
    archives: [],
    delivery,
    log: log && ((line) => log.push(line)),
  });
  events.start();
  services.push(events);
  return { events, delivery, clock };
}

function rule(targets: TargetDefinition[], eventPattern: unknown = { source: ['app'] }): RuleDefinition {
  return { name: 'r', arn: 'arn:aws:events:us-east-1:000000000000:rule/hub/r', busName: 'hub', eventPattern, state: 'ENABLED', targets };
}

const put = (events: EventsService, detail: object = { n: 1 }, source = 'app') =>
  events.PutEvents({ Entries: [{ EventBusName: 'hub', Source: source, DetailType: 'Thing', Detail: JSON.stringify(detail) }] });

describe('EventsService', () => {
  it('delivers a matching event to each target, and nothing for one that does not match', async () => {
    const { events, delivery } = service([
      rule([
        { id: 'a', arn: 'arn:aws:sqs:us-east-1:000000000000:a' },
        { id: 'b', arn: 'arn:aws:sqs:us-east-1:000000000000:b' },
      ]),
    ]);
    await put(events);
    await put(events, {}, 'other');
    await events.idle();
    expect(delivery.delivered.map((d) => d.target).sort()).toEqual(['a', 'b']);
    expect(JSON.parse(delivery.delivered[0]?.input ?? '{}')).toMatchObject({ source: 'app', 'detail-type': 'Thing', detail: { n: 1 } });
  });

  it('renders InputTransformer templates for the target', async () => {
    const { events, delivery } = service([
      rule([
        {
          id: 't',
          arn: 'arn:aws:sqs:us-east-1:000000000000:t',
          inputTransformer: { InputPathsMap: { n: '$.detail.n' }, InputTemplate: '{"count": <n>, "rule": "<aws.events.rule-name>"}' },
        },
      ]),
    ]);
    await put(events, { n: 7 });
    await events.idle();
    expect(JSON.parse(delivery.delivered[0]?.input ?? '{}')).toEqual({ count: 7, rule: 'r' });
  });

  it('retries a refusing target with backoff, then sends the event to the target DLQ with the reason', async () => {
    const dlq = 'arn:aws:sqs:us-east-1:000000000000:dlq';
    const { events, delivery, clock } = service([
      rule([
        {
          id: 'x',
          arn: 'arn:aws:lambda:us-east-1:000000000000:function:broken',
          retryPolicy: { maximumRetryAttempts: 2 },
          deadLetterArn: dlq,
        },
      ]),
    ]);
    await put(events);
    for (let i = 0; i < 5 && delivery.deadLettered.length === 0; i++) {
      await events.idle();
      clock.advance(600_000);
      // Wake the dispatcher as its timer would.
      await put(events, {}, 'unmatched');
    }
    expect(delivery.deadLettered).toEqual([
      expect.objectContaining({
        queue: dlq,
        errorCode: 'InternalFailure',
        errorMessage: 'target refused',
        targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:broken',
        retryAttempts: 2,
        exhaustedRetryCondition: 'MaximumRetryAttempts',
      }),
    ]);
    expect(delivery.deadLettered[0]?.event.detail).toEqual({ n: 1 });
  });

  it('sends an event whose target is gone to the DLQ at once, without retrying, and retries a throttled one', async () => {
    const dlq = 'arn:aws:sqs:us-east-1:000000000000:dlq';
    const { events, delivery, clock } = service([
      rule([
        { id: 'gone', arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:gone', deadLetterArn: dlq },
        {
          id: 'busy',
          arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:busy',
          retryPolicy: { maximumRetryAttempts: 1 },
          deadLetterArn: dlq,
        },
      ]),
    ]);
    await put(events);
    for (let i = 0; i < 3; i++) {
      await events.idle();
      clock.advance(600_000);
      await put(events, {}, 'unmatched');
    }
    await events.idle();
    expect(delivery.attempts.get('gone')).toBe(1);
    expect(delivery.attempts.get('busy')).toBe(2);
    const gone = delivery.deadLettered.find((d) => d.targetArn.endsWith(':gone'));
    expect(gone).toMatchObject({ errorCode: 'StateMachineDoesNotExist', retryAttempts: 0 });
    expect(gone?.exhaustedRetryCondition).toBeUndefined();
    expect(delivery.deadLettered.find((d) => d.targetArn.endsWith(':busy'))).toMatchObject({
      errorCode: 'ThrottlingException',
      retryAttempts: 1,
      exhaustedRetryCondition: 'MaximumRetryAttempts',
    });
  });

  it('keeps accepted deliveries across a restart of the service on the same database', async () => {
    const db = openDatabase(':memory:');
    const refusing = new RecordingDelivery();
    const clock = new ManualClock();
    const options = { db, clock, accountId: '000000000000', region: 'us-east-1', buses: [BUS], archives: [] };
    const target = { id: 'x', arn: 'arn:aws:sqs:us-east-1:000000000000:broken' };
    const first = new EventsService({ ...options, rules: [rule([target])], delivery: refusing });
    first.start();
    await put(first);
    await first.idle();
    first.stop();
    // The target works again after the restart; the accepted event is still owed to it.
    const working = new RecordingDelivery();
    const second = new EventsService({
      ...options,
      rules: [rule([{ ...target, arn: 'arn:aws:sqs:us-east-1:000000000000:fixed' }])],
      delivery: working,
    });
    services.push(second);
    clock.advance(600_000);
    second.start();
    await second.idle();
    expect(working.delivered).toHaveLength(1);
  });

  it('fails PutEvents entries individually with AWS error codes', async () => {
    const { events } = service([]);
    const result = await events.PutEvents({
      Entries: [
        { Source: 'app', DetailType: 'T', Detail: '[1]', EventBusName: 'hub' },
        { DetailType: 'T', Detail: '{}', EventBusName: 'hub' },
        { Source: 'app', DetailType: 'T', Detail: '{}', EventBusName: 'hub' },
      ],
    });
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries.map((e) => ('ErrorCode' in e ? e.ErrorCode : 'ok'))).toEqual(['MalformedDetail', 'InvalidArgument', 'ok']);
  });

  it('answers an entry for a bus that does not exist with an EventId, delivers it nowhere and logs that it was dropped', async () => {
    const lines: string[] = [];
    const { events, delivery } = service([rule([{ id: 'a', arn: 'arn:aws:sqs:us-east-1:000000000000:a' }])], new ManualClock(), lines);
    const result = await events.PutEvents({ Entries: [{ Source: 'app', DetailType: 'T', Detail: '{}', EventBusName: 'nope' }] });
    await events.idle();
    expect(result).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });
    expect(delivery.delivered).toEqual([]);
    expect(lines).toEqual([expect.stringContaining('event bus nope, which does not exist')]);
  });

  it('delivers no event to a rule with only a schedule', async () => {
    const { events, delivery } = service([
      { ...rule([{ id: 'a', arn: 'arn:aws:sqs:us-east-1:000000000000:a' }]), eventPattern: undefined, scheduleExpression: 'rate(1 hour)' },
    ]);
    await put(events);
    await events.idle();
    expect(delivery.delivered).toEqual([]);
  });

  it('fails if a rule in the template has an invalid pattern', () => {
    expect(() => service([rule([], { source: 'not-an-array' })])).toThrow(
      expect.objectContaining({ code: 'InvalidEventPatternException' }),
    );
  });
});

describe('EventsService operations', () => {
  it('serves each operation its module declares to the endpoint, and no other', () => {
    const { events } = service([]);
    expect(Object.keys(events.operations).sort()).toEqual([...EVENTS_OPERATIONS].sort());
  });

  it('fails if a request body is not a JSON object, for the operations that pass it on as it is', async () => {
    const { events } = service([]);
    await expect(events.operations.ListRules(null)).rejects.toMatchObject({ code: 'SerializationException' });
    await expect(events.operations.TagResource([])).rejects.toMatchObject({ code: 'SerializationException' });
  });
});
