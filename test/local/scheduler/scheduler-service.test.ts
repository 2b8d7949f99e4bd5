import type { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import type { ScheduleDefinition } from '../../../local/scheduler/definitions.js';
import { SchedulerService } from '../../../local/scheduler/scheduler-service.js';
import { DataFolder } from '../../../local/store/data-folder.js';
import { type Clock, ManualClock, systemClock } from '../../../local/time/clock.js';
import { tempDataDir } from '../helpers.js';

const BUS = 'arn:aws:events:us-east-1:000000000000:event-bus/hub';
const DLQ = 'arn:aws:sqs:us-east-1:000000000000:schedule-dlq';
const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

interface Put {
  readonly busName: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
}

/** The targets a schedule reaches, recorded; `failing` makes PutEvents refuse every entry. */
class FakeTargets {
  readonly puts: Put[] = [];
  readonly deadLetters: { body: string; attributes: Record<string, string> }[] = [];
  failing = false;
  readonly events = {
    PutEvents: async (input: { Entries: { EventBusName: string; Source: string; DetailType: string; Detail: string }[] }) => {
      const [entry] = input.Entries;
      if (!entry) throw new Error('no entry');
      if (this.failing) return { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalException', ErrorMessage: 'bus unavailable' }] };
      this.puts.push({ busName: entry.EventBusName, source: entry.Source, detailType: entry.DetailType, detail: JSON.parse(entry.Detail) });
      return { FailedEntryCount: 0, Entries: [{ EventId: 'e' }] };
    },
  };
  readonly sqs = {
    GetQueueUrl: async (input: { QueueName: string }) => ({ QueueUrl: `http://local/000000000000/${input.QueueName}` }),
    SendMessage: async (input: { QueueUrl: string; MessageBody: string; MessageAttributes?: Record<string, { StringValue: string }> }) => {
      const attributes = Object.fromEntries(Object.entries(input.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
      this.deadLetters.push({ body: input.MessageBody, attributes });
      return {};
    },
  };
  readonly lambda = {
    invokeAsync: async () => {
      throw new AwsError('ResourceNotFoundException', 'no such function');
    },
  };
  readonly states = { StartExecution: async () => ({}) };
}

function schedule(overrides: Partial<ScheduleDefinition> = {}): ScheduleDefinition {
  const name = overrides.Name ?? 'sweep';
  return {
    Name: name,
    GroupName: 'default',
    Arn: `arn:aws:scheduler:us-east-1:000000000000:schedule/default/${name}`,
    ScheduleExpression: 'rate(1 hour)',
    State: 'ENABLED',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: BUS,
      RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
      Input:
        '{"schedule":"sweep","scheduledTime":"<aws.scheduler.scheduled-time>","attempt":"<aws.scheduler.attempt-number>","arn":"<aws.scheduler.schedule-arn>","execution":"<aws.scheduler.execution-id>"}',
      EventBridgeParameters: { DetailType: 'ScheduleFired', Source: 'switchyard.scheduler' },
      DeadLetterConfig: { Arn: DLQ },
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
    },
    CreationDate: T0,
    LastModificationDate: T0,
    ...overrides,
  };
}

const open: DatabaseSync[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/** A scheduler on a data folder; a second call with the same folder is the runtime after a restart. */
function scheduler(options: { dir?: string; clock: Clock; schedules: ScheduleDefinition[]; targets?: FakeTargets; random?: () => number }) {
  const dir = options.dir ?? tempDataDir();
  const db = new DataFolder(dir).database('scheduler');
  open.push(db);
  const targets = options.targets ?? new FakeTargets();
  const log: string[] = [];
  const service = new SchedulerService({
    db,
    clock: options.clock,
    accountId: '000000000000',
    region: 'us-east-1',
    schedules: options.schedules,
    groups: [],
    targets,
    log: (line) => log.push(line),
    random: options.random ?? (() => 0),
  });
  return { service, targets, dir, db, log };
}

const times = (targets: FakeTargets) => targets.puts.map((put) => put.detail.scheduledTime);

describe('SchedulerService', () => {
  it('fires a rate schedule every interval while it runs, with the context attributes in the input', async () => {
    const clock = new ManualClock(T0);
    const { service, targets } = scheduler({ clock, schedules: [schedule()] });
    service.start();
    await service.runDue();
    // A rate schedule without a start date starts invoking at once.
    expect(times(targets)).toEqual(['2026-01-01T10:00:00Z']);
    clock.advance(59 * 60_000);
    await service.runDue();
    expect(targets.puts).toHaveLength(1);
    clock.advance(60_000);
    await service.runDue();
    expect(times(targets)).toEqual(['2026-01-01T10:00:00Z', '2026-01-01T11:00:00Z']);
    const [put] = targets.puts;
    expect(put).toMatchObject({
      busName: BUS,
      source: 'switchyard.scheduler',
      detailType: 'ScheduleFired',
      detail: { schedule: 'sweep', attempt: '1', arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/sweep' },
    });
    expect(put?.detail.execution).toMatch(/^[0-9a-f]{16}$/);
    await service.stop();
  });

  it('fires a cron schedule at its times in its time zone', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 7, 59));
    const { service, targets } = scheduler({
      clock,
      schedules: [schedule({ ScheduleExpression: 'cron(0 9 * * ? *)', ScheduleExpressionTimezone: 'Europe/Berlin' })],
    });
    await service.runDue();
    expect(targets.puts).toHaveLength(0);
    clock.advance(60_000);
    await service.runDue();
    expect(times(targets)).toEqual(['2026-01-01T08:00:00Z']);
  });

  it('lands a firing within its flexible window, keeping the scheduled time in the input', async () => {
    const clock = new ManualClock(T0);
    const { service, targets } = scheduler({
      clock,
      schedules: [schedule({ FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 10 } })],
      random: () => 0.5,
    });
    await service.runDue();
    expect(targets.puts).toHaveLength(0);
    clock.advance(4 * 60_000);
    await service.runDue();
    expect(targets.puts).toHaveLength(0);
    clock.advance(60_000);
    await service.runDue();
    expect(times(targets)).toEqual(['2026-01-01T10:00:00Z']);
  });

  it('does not fire a disabled schedule, nor before its start date or after its end date', async () => {
    const clock = new ManualClock(T0);
    const { service, targets } = scheduler({
      clock,
      schedules: [
        schedule({ Name: 'off', State: 'DISABLED' }),
        schedule({ Name: 'later', StartDate: T0 + 2 * 3_600_000 }),
        schedule({ Name: 'over', EndDate: T0 - 1 }),
      ],
    });
    for (let i = 0; i < 3; i++) {
      await service.runDue();
      clock.advance(3_600_000);
    }
    await service.runDue();
    expect(targets.puts.map((p) => p.busName)).toHaveLength(2);
    expect(times(targets)).toEqual(['2026-01-01T12:00:00Z', '2026-01-01T13:00:00Z']);
  });

  it('retries a failed firing with the same scheduled time, then sends it to the dead-letter queue with the reason', async () => {
    const clock = new ManualClock(T0);
    const targets = new FakeTargets();
    targets.failing = true;
    const { service, log } = scheduler({ clock, schedules: [schedule()], targets });
    await service.runDue();
    // The first failure is said at once (the retries may last a day), the retries after it are not.
    const failures = () => log.filter((line) => line.includes(': the firing for'));
    expect(failures()).toEqual([
      expect.stringMatching(
        /^schedule sweep: the firing for 2026-01-01T10:00:00Z failed \(InternalException: bus unavailable\); retried under its RetryPolicy, next at 2026-01-01T10:00:0\d\.\d{3}Z \(in \d\.\d s\)$/,
      ),
    ]);
    // Listed as failing while it is retried, with AWS's error and when it is tried next.
    expect(service.failures()).toEqual([
      expect.objectContaining({
        schedule: 'default/sweep',
        scheduledTime: '2026-01-01T10:00:00Z',
        errorCode: 'InternalException',
        errorMessage: 'bus unavailable',
        attempts: 1,
        fate: 'retrying',
        nextAttemptAt: expect.stringMatching(/^2026-01-01T10:00:0\d\.\d{3}Z$/),
      }),
    ]);
    // MaximumRetryAttempts 2: the first attempt and two retries, seconds apart.
    for (let i = 0; i < 2; i++) {
      expect(targets.deadLetters).toHaveLength(0);
      clock.advance(5_000);
      await service.runDue();
    }
    expect(targets.deadLetters).toHaveLength(1);
    expect(failures()).toEqual([
      expect.any(String),
      expect.stringContaining('failed 3 times (InternalException: bus unavailable); sent to'),
    ]);
    const [dead] = targets.deadLetters;
    expect(JSON.parse(dead?.body ?? '{}')).toMatchObject({ schedule: 'sweep', scheduledTime: '2026-01-01T10:00:00Z', attempt: '3' });
    expect(dead?.attributes).toMatchObject({
      ERROR_CODE: 'InternalException',
      ERROR_MESSAGE: 'bus unavailable',
      RETRY_ATTEMPTS: '2',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      SCHEDULE_ARN: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/sweep',
      TARGET_ARN: BUS,
    });
    expect(service.failures()).toEqual([
      expect.objectContaining({
        attempts: 3,
        fate: 'dead-lettered',
        deadLetterQueueArn: DLQ,
        exhaustedRetryCondition: 'MaximumRetryAttempts',
      }),
    ]);
    expect(service.failures()[0]).not.toHaveProperty('nextAttemptAt');
  });

  it('lists a firing dropped without a dead-letter queue, across a restart, until a later firing succeeds', async () => {
    const clock = new ManualClock(T0);
    const targets = new FakeTargets();
    targets.failing = true;
    const { Target } = schedule();
    const { DeadLetterConfig: _none, ...noDlq } = Target;
    const definition = schedule({ Target: { ...noDlq, RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } } });
    const first = scheduler({ clock, schedules: [definition], targets });
    await first.service.runDue();
    await first.service.stop();
    const again = scheduler({ dir: first.dir, clock, schedules: [definition], targets });
    expect(again.service.failures()).toEqual([expect.objectContaining({ attempts: 1, fate: 'dropped', errorCode: 'InternalException' })]);
    targets.failing = false;
    clock.advance(3_600_000);
    await again.service.runDue();
    expect(again.service.failures()).toEqual([]);
    expect(again.log).toContain(
      'schedule sweep: the firing for 2026-01-01T11:00:00Z succeeded; the firing for 2026-01-01T10:00:00Z had dropped',
    );
  });

  it('delivers a firing whose first attempts failed once the target recovers, under the same scheduled time', async () => {
    const clock = new ManualClock(T0);
    const targets = new FakeTargets();
    targets.failing = true;
    const { service, log } = scheduler({ clock, schedules: [schedule()], targets });
    await service.runDue();
    expect(service.failures()).toHaveLength(1);
    targets.failing = false;
    clock.advance(2_000);
    await service.runDue();
    expect(targets.puts).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ scheduledTime: '2026-01-01T10:00:00Z', attempt: '2' }) }),
    ]);
    expect(targets.deadLetters).toHaveLength(0);
    // The recovery is said, and the schedule is no longer listed as failing.
    expect(log).toContain('schedule sweep: the firing for 2026-01-01T10:00:00Z succeeded at attempt 2, after 1 failed');
    expect(service.failures()).toEqual([]);
  });

  it('neither repeats nor loses a firing across a restart', async () => {
    const clock = new ManualClock(T0);
    const first = scheduler({ clock, schedules: [schedule()] });
    first.service.start();
    await first.service.runDue();
    await first.service.stop();
    first.db.close();
    open.splice(open.indexOf(first.db), 1);
    // Restarted 30 minutes later, and again at the next firing: each firing once.
    clock.advance(30 * 60_000);
    const second = scheduler({ dir: first.dir, clock, schedules: [schedule()], targets: first.targets });
    second.service.start();
    await second.service.runDue();
    expect(times(first.targets)).toEqual(['2026-01-01T10:00:00Z']);
    clock.advance(30 * 60_000);
    await second.service.runDue();
    expect(times(first.targets)).toEqual(['2026-01-01T10:00:00Z', '2026-01-01T11:00:00Z']);
    await second.service.stop();
  });

  it('fires a firing missed while stopped once at start when it is within its window, and only the latest', async () => {
    const clock = new ManualClock(T0);
    const fifteen = schedule({
      ScheduleExpression: 'rate(5 minutes)',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
    });
    const first = scheduler({ clock, schedules: [fifteen] });
    await first.service.runDue();
    first.db.close();
    open.splice(open.indexOf(first.db), 1);
    // Stopped for 12 minutes: the firings due at 10:05 and 10:10 were missed; both are within 15 minutes.
    clock.advance(12 * 60_000);
    const second = scheduler({ dir: first.dir, clock, schedules: [fifteen], targets: first.targets });
    second.service.start();
    await second.service.runDue();
    expect(times(first.targets)).toEqual(['2026-01-01T10:00:00Z', '2026-01-01T10:10:00Z']);
    expect(second.log.join('\n')).toContain('1 earlier firings within its window are folded into the latest');
    await second.service.stop();
  });

  it('skips a firing missed while stopped when its window has passed, and says so', async () => {
    const clock = new ManualClock(T0);
    const first = scheduler({ clock, schedules: [schedule()] });
    await first.service.runDue();
    first.db.close();
    open.splice(open.indexOf(first.db), 1);
    // Stopped from 10:00 to 11:30: the 11:00 firing is 30 minutes late, outside Scheduler's minute.
    clock.advance(90 * 60_000);
    const second = scheduler({ dir: first.dir, clock, schedules: [schedule()], targets: first.targets });
    second.service.start();
    await second.service.runDue();
    expect(times(first.targets)).toEqual(['2026-01-01T10:00:00Z']);
    expect(second.log.join('\n')).toContain(
      'schedule sweep: the firings from 2026-01-01T11:00:00Z to before 2026-01-01T11:29:00Z were missed (the runtime was not running, or the schedule was disabled) and are past its window; not fired',
    );
    clock.advance(30 * 60_000);
    await second.service.runDue();
    expect(times(first.targets)).toEqual(['2026-01-01T10:00:00Z', '2026-01-01T12:00:00Z']);
    await second.service.stop();
  });

  it('delivers after a restart a firing recorded before a crash, once', async () => {
    const clock = new ManualClock(T0);
    const targets = new FakeTargets();
    targets.failing = true;
    const first = scheduler({ clock, schedules: [schedule()], targets });
    await first.service.runDue();
    first.db.close();
    open.splice(open.indexOf(first.db), 1);
    targets.failing = false;
    clock.advance(10_000);
    const second = scheduler({ dir: first.dir, clock, schedules: [schedule()], targets });
    second.service.start();
    await second.service.runDue();
    expect(times(targets)).toEqual(['2026-01-01T10:00:00Z']);
    await second.service.stop();
  });

  it('fires a one-time schedule once and deletes it when asked to', async () => {
    const clock = new ManualClock(T0);
    const once = schedule({ Name: 'once', ScheduleExpression: 'at(2026-01-01T11:00:00)', ActionAfterCompletion: 'DELETE' });
    const first = scheduler({ clock, schedules: [once] });
    await first.service.runDue();
    clock.advance(3_600_000);
    await first.service.runDue();
    clock.advance(3_600_000);
    await first.service.runDue();
    expect(times(first.targets)).toEqual(['2026-01-01T11:00:00Z']);
    expect(first.service.schedule('once')).toBeUndefined();
    first.db.close();
    open.splice(open.indexOf(first.db), 1);
    // The template still declares it; a restart does not bring it back.
    const second = scheduler({ dir: first.dir, clock, schedules: [once], targets: first.targets });
    expect(second.service.schedule('once')).toBeUndefined();
  });

  it('keeps a template schedule UpdateSchedule disabled across a restart, fires nothing meanwhile, and gives way to a template that changes its State', async () => {
    const clock = new ManualClock(T0);
    const first = scheduler({ clock, schedules: [schedule()] });
    await first.service.runDue();
    expect(times(first.targets)).toEqual(['2026-01-01T10:00:00Z']);
    clock.advance(60_000);
    first.service.saveSchedule({ ...schedule(), State: 'DISABLED', LastModificationDate: clock.now() });
    first.db.close();
    open.splice(open.indexOf(first.db), 1);

    // The same template at the next start: still disabled, since when it was, and it does not fire.
    const second = scheduler({ dir: first.dir, clock, schedules: [schedule()], targets: first.targets });
    expect(second.service.schedule('sweep')).toMatchObject({ State: 'DISABLED', LastModificationDate: T0 + 60_000 });
    clock.advance(3 * 3_600_000);
    await second.service.runDue();
    expect(times(first.targets)).toEqual(['2026-01-01T10:00:00Z']);
    second.db.close();
    open.splice(open.indexOf(second.db), 1);

    // A template that changes something else keeps it disabled; one that sets its State has it.
    const slower = schedule({ ScheduleExpression: 'rate(2 hours)' });
    const third = scheduler({ dir: first.dir, clock, schedules: [slower], targets: first.targets });
    expect(third.service.schedule('sweep')).toMatchObject({ State: 'DISABLED', ScheduleExpression: 'rate(2 hours)' });
    third.db.close();
    open.splice(open.indexOf(third.db), 1);
    const fourth = scheduler({ dir: first.dir, clock, schedules: [{ ...slower, State: 'DISABLED' }], targets: first.targets });
    fourth.db.close();
    open.splice(open.indexOf(fourth.db), 1);
    const fifth = scheduler({ dir: first.dir, clock, schedules: [slower], targets: first.targets });
    expect(fifth.service.schedule('sweep')?.State).toBe('ENABLED');
  });

  it('sends a firing to the dead-letter queue when its target cannot be invoked', async () => {
    const clock = new ManualClock(T0);
    const { service, targets } = scheduler({
      clock,
      schedules: [
        schedule({
          Target: {
            Arn: 'arn:aws:lambda:us-east-1:000000000000:function:gone',
            RoleArn: 'r',
            DeadLetterConfig: { Arn: DLQ },
            RetryPolicy: { MaximumRetryAttempts: 0 },
          },
        }),
      ],
    });
    await service.runDue();
    expect(targets.deadLetters.map((d) => d.attributes.ERROR_CODE)).toEqual(['ResourceNotFoundException']);
  });
  it('names a universal target saved through the API, which it cannot invoke, when it is saved', async () => {
    const clock = new ManualClock(T0);
    const { service, log } = scheduler({ clock, schedules: [] });
    service.saveSchedule(
      schedule({ Name: 'rotate', Target: { Arn: 'arn:aws:scheduler:::aws-sdk:secretsmanager:rotateSecret', RoleArn: 'r' } }),
    );
    expect(log).toEqual([
      expect.stringMatching(
        /^\[not as in AWS\] schedule rotate: its universal target .* cannot run locally: this runtime has no AWS SDK integrations$/,
      ),
    ]);
    service.saveSchedule(schedule({ Name: 'sweep' }));
    expect(log).toHaveLength(1);
  });

  it('fires on its own timer while it runs, on the real clock', async () => {
    // A one-time schedule two seconds ahead, to the second, in UTC.
    const due = new Date(Math.ceil((Date.now() + 2000) / 1000) * 1000);
    const at = `at(${due.toISOString().slice(0, 19)})`;
    const { service, targets } = scheduler({ clock: systemClock, schedules: [schedule({ Name: 'soon', ScheduleExpression: at })] });
    service.start();
    const deadline = Date.now() + 8000;
    while (targets.puts.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await service.stop();
    expect(times(targets)).toEqual([`${due.toISOString().slice(0, 19)}Z`]);
    expect(Date.now()).toBeGreaterThanOrEqual(due.getTime());
  }, 15_000);
});
