import { afterEach, describe, expect, it } from 'vitest';
import type { EventsService } from '../../../local/events/events-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { undeliveringBus } from './undelivering-bus.js';

/** Step Functions tasks call PutEvents in process, without the endpoint's model check. */
describe('EventsService.PutEvents in process', () => {
  const services: EventsService[] = [];
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.stop()));
  });
  const events = () => {
    const service = undeliveringBus({ db: openDatabase(':memory:'), clock: new ManualClock() });
    services.push(service);
    return service;
  };
  const entry = { Source: 'app', DetailType: 'Thing', Detail: '{}' };

  it.each([
    ['a DetailType that is a number', { ...entry, DetailType: 5 }, 'DetailType'],
    ['a Source that is a number', { ...entry, Source: 123 }, 'Source'],
    ['a bus name that is a number', { ...entry, EventBusName: 7 }, 'EventBusName'],
    ['Resources that are text', { ...entry, Resources: 'arn:x' }, 'Resources'],
    ['Resources that are numbers', { ...entry, Resources: [1, 2] }, 'Resources'],
    ['an entry that is null', null, 'Entries'],
  ])('fails the entry if it has %s', async (_, bad, field) => {
    const result = await events().PutEvents({ Entries: [bad as never, entry] });
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries[0]).toEqual({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: expect.stringContaining(`Parameter ${field} is not valid`),
    });
    expect(result.Entries[1]).toHaveProperty('EventId');
  });
});
