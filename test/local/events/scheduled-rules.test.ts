import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope, RuleDefinition } from '../../../local/events/definitions.js';
import { ScheduledRules } from '../../../local/events/scheduled-rules.js';
import { ManualClock } from '../../../local/time/clock.js';

const rule = (scheduleExpression: string): RuleDefinition => ({
  name: 'tick',
  arn: 'arn:aws:events:us-east-1:000000000000:rule/tick',
  busName: 'default',
  scheduleExpression,
  state: 'ENABLED',
  targets: [],
});

function scheduled(expression: string) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 10, 0, 30));
  const fired: EventEnvelope[] = [];
  const rules = new ScheduledRules({
    db: new DatabaseSync(':memory:'),
    clock,
    accountId: '000000000000',
    region: 'us-east-1',
    rules: () => [rule(expression)],
    deliver: (_rule, event) => fired.push(event),
    delivered: () => undefined,
  });
  return { clock, fired, rules };
}

describe('ScheduledRules', () => {
  it('fires a rate rule first one period after it is created, not at start-up', () => {
    const { clock, fired, rules } = scheduled('rate(2 minutes)');
    rules.start();
    rules.stop();
    expect(fired).toEqual([]);

    clock.advance(119_000);
    rules.runDue();
    expect(fired).toEqual([]);
    clock.advance(1_000);
    rules.runDue();
    expect(fired.map((e) => e.time)).toEqual(['2026-01-01T10:02:30Z']);
    rules.stop();
  });

  it('fires a cron rule at its next matching minute after it is created', () => {
    const { clock, fired, rules } = scheduled('cron(* * * * ? *)');
    rules.start();
    expect(fired).toEqual([]);
    clock.advance(30_000);
    rules.runDue();
    expect(fired.map((e) => e.time)).toEqual(['2026-01-01T10:01:00Z']);
    rules.stop();
  });
});
