import Type from 'typebox';
import { type Detail, defineContract } from './contract.js';

/**
 * What a schedule's target input puts in `scheduledTime`: EventBridge Scheduler replaces
 * this keyword with the time the firing was due (`2022-03-22T18:59:43Z`), the same on
 * every retry of that firing, which is what makes the firing one fact.
 */
export const SCHEDULED_TIME_PLACEHOLDER = '<aws.scheduler.scheduled-time>';

/**
 * A schedule fired: one fact per schedule and scheduled time. Scheduler's delivery is
 * at least once (a retried PutEvents, a flexible window), and each delivery is a new
 * EventBridge event with its own id, so consumers key on the schedule and the time it was
 * due, never on the event id.
 */
export const ScheduleFired = defineContract({
  detailType: 'ScheduleFired',
  source: 'switchyard.scheduler',
  description: 'A schedule fired; one fact per schedule and scheduled time.',
  properties: {
    /** The trigger's name (a `ScheduledTrigger`'s `triggerName`); consumers match on it. */
    schedule: Type.String({ minLength: 1, maxLength: 64 }),
    /** When the firing was due, ISO-8601 UTC to the second. */
    scheduledTime: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' }),
    /** Fixed values the trigger adds to every firing. */
    payload: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  idempotencyFields: ['schedule', 'scheduledTime'],
});
export type ScheduleFired = Detail<typeof ScheduleFired>;
