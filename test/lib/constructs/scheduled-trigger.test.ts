import { Duration, TimeZone } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { describe, expect, it } from 'vitest';
import { ScheduledTrigger, type ScheduledTriggerProps, ScheduleEngine } from '../../../lib/constructs/scheduled-trigger.js';
import { testStack } from '../../helpers/synth.js';

function trigger(props: Partial<ScheduledTriggerProps> = {}) {
  const { stack, bus } = testStack();
  const construct = new ScheduledTrigger(stack, 'Sweep', {
    eventBus: bus,
    schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)),
    ...props,
  });
  return { construct, template: Template.fromStack(stack) };
}

const at = (iso: string) => new Date(iso);

describe('ScheduledTrigger', () => {
  it('schedules a PutEvents of a ScheduleFired event keyed on the scheduled time, with retries and a dead-letter queue', () => {
    const { template } = trigger({ payload: { scope: 'escalations' } });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Bus'), 'Arn'] },
        EventBridgeParameters: { DetailType: 'ScheduleFired', Source: 'switchyard.scheduler' },
        Input: JSON.stringify({ schedule: 'Sweep', scheduledTime: '<aws.scheduler.scheduled-time>', payload: { scope: 'escalations' } }),
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SweepDeadLetterQueue'), 'Arn'] } },
      },
    });
  });

  it('lets its role put events on the bus and send to the dead-letter queue, nothing more', () => {
    const { template } = trigger();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })] },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Bus'), 'Arn'] } },
          {
            Action: 'sqs:SendMessage',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SweepDeadLetterQueue'), 'Arn'] },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('passes a cron expression with its time zone, a flexible window, start and end dates and the retry policy', () => {
    const { template } = trigger({
      schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '9', weekDay: 'MON-FRI', timeZone: TimeZone.EUROPE_BERLIN }),
      flexibleWindow: Duration.minutes(15),
      start: at('2027-01-01T00:00:00Z'),
      end: at('2028-01-01T00:00:00Z'),
      retryAttempts: 3,
      maxEventAge: Duration.minutes(10),
      enabled: false,
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 9 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      StartDate: '2027-01-01T00:00:00.000Z',
      EndDate: '2028-01-01T00:00:00.000Z',
      State: 'DISABLED',
      Target: Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 } }),
    });
  });

  it('schedules a one-time firing', () => {
    trigger({ schedule: scheduler.ScheduleExpression.at(at('2027-03-01T08:30:00Z'), TimeZone.ASIA_TOKYO) }).template.hasResourceProperties(
      'AWS::Scheduler::Schedule',
      { ScheduleExpression: 'at(2027-03-01T08:30:00)', ScheduleExpressionTimezone: 'Asia/Tokyo' },
    );
  });

  it('exposes the pattern that matches its firings', () => {
    const { construct } = trigger({ triggerName: 'sla-sweep' });
    expect(construct.eventPattern).toEqual({
      source: ['switchyard.scheduler'],
      detailType: ['ScheduleFired'],
      detail: { schedule: ['sla-sweep'] },
    });
  });

  it('can be a scheduled rule on the default bus that forwards its Scheduled Event to the bus', () => {
    const { construct, template } = trigger({ engine: ScheduleEngine.RULE });
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      EventBusName: Match.absent(),
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Bus'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SweepDeadLetterQueue'), 'Arn'] } },
        }),
      ],
    });
    expect(construct.eventPattern).toMatchObject({ source: ['aws.events'], detailType: ['Scheduled Event'] });
  });

  it.each([
    [
      'the trigger name has a space',
      { triggerName: 'has space' },
      'Test/Sweep: triggerName must be 1 to 64 of A-Z a-z 0-9 . _ - (got "has space")',
    ],
    ['the trigger name is over 64 characters', { triggerName: 'x'.repeat(65) }, 'triggerName must be 1 to 64'],
    [
      'the flexible window is under a minute',
      { flexibleWindow: Duration.seconds(30) },
      'Test/Sweep: flexibleWindow must be from 1 to 1440 minutes (got 0.5 minutes)',
    ],
    [
      'the flexible window is over 1440 minutes',
      { flexibleWindow: Duration.hours(25) },
      'flexibleWindow must be from 1 to 1440 minutes (got 1500 minutes)',
    ],
    ['retryAttempts is over 185', { retryAttempts: 186 }, 'Test/Sweep: retryAttempts must be from 0 to 185 (got 186)'],
    ['retryAttempts is not whole', { retryAttempts: 1.5 }, 'retryAttempts must be a whole number (got 1.5)'],
    [
      'maxEventAge is under 60 seconds',
      { maxEventAge: Duration.seconds(30) },
      'Test/Sweep: maxEventAge must be from 60 to 86400 seconds (got 30 seconds)',
    ],
    ['the description is over 512 characters', { description: 'd'.repeat(513) }, 'description must be at most 512 characters (got 513)'],
    ['end is before start', { start: at('2027-01-02T00:00:00Z'), end: at('2027-01-01T00:00:00Z') }, 'end must be after start'],
    [
      'the rate is under a minute',
      { schedule: scheduler.ScheduleExpression.expression('rate(30 seconds)') },
      'schedule must be a rate of 1 minute or more',
    ],
    [
      'a scheduled rule is given a flexible window',
      { engine: ScheduleEngine.RULE, flexibleWindow: Duration.minutes(5) },
      'flexibleWindow need the Scheduler engine',
    ],
    [
      'a scheduled rule is given a time zone',
      {
        engine: ScheduleEngine.RULE,
        schedule: scheduler.ScheduleExpression.cron({ hour: '9', minute: '0', timeZone: TimeZone.EUROPE_BERLIN }),
      },
      'a scheduled rule takes a cron or rate expression in UTC (got cron(0 9 * * ? *) in Europe/Berlin); use the Scheduler engine',
    ],
    [
      'a scheduled rule is given a one-time expression',
      { engine: ScheduleEngine.RULE, schedule: scheduler.ScheduleExpression.at(at('2027-01-01T00:00:00Z')) },
      'a scheduled rule takes a cron or rate expression in UTC',
    ],
  ] as [string, Partial<ScheduledTriggerProps>, string][])('fails if %s', (_name, props, message) => {
    expect(() => trigger(props)).toThrow(message);
  });
});
