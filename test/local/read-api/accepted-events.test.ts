import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { StreamMessage } from '../../../clients/read-api-contract.js';
import { eventsModule } from '../../../local/events/module.js';
import { ReadApi, ReadApiRecordError } from '../../../local/read-api/read-api.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { acceptedEventNote as note } from '../../helpers/accepted-event.js';

/** A read API recording the buses' notes, with one live-feed subscriber when `listening`; `published` collects what the feed sends. */
function readApi(listening: boolean) {
  const records = eventsModule.records;
  if (records === undefined) throw new Error('the events module records nothing');
  const api = new ReadApi({ db: openDatabase(':memory:'), records: [records] });
  if (listening) {
    const client = Object.assign(new PassThrough(), { writeHead: () => client });
    client.resume();
    api.feed.subscribe(client as unknown as ServerResponse);
  }
  const published = vi.spyOn(api.feed, 'publish');
  const added = vi.spyOn(api.records, 'addEvent');
  return { api, published, added };
}

describe('ReadApi', () => {
  it('sends the live feed the very record it wrote when the bus accepted the event', () => {
    const { api, published, added } = readApi(true);
    const accepted = note('e-1');
    api.record('eventRecorded', accepted);
    api.record('eventAccepted', accepted);
    const written = added.mock.calls[0]?.[0];
    expect(written?.id).toBe('e-1');
    expect(published.mock.calls.map(([message]) => message)).toEqual([{ kind: 'event', event: written }]);
    const sent = published.mock.calls[0]?.[0] as Extract<StreamMessage, { kind: 'event' }> | undefined;
    expect(sent?.event).toBe(written);
    api.close();
  });

  it('sends an event it holds no record of, built from the note', () => {
    const { api, published } = readApi(true);
    api.record('eventAccepted', note('e-2'));
    expect(published.mock.calls[0]?.[0]).toMatchObject({ kind: 'event', event: { id: 'e-2', bus: 'hub', detail: { ticketId: 'e-2' } } });
    api.close();
  });

  it('builds no feed message when nobody listens', () => {
    const { api, published } = readApi(false);
    const accepted = note('e-3');
    api.record('eventRecorded', accepted);
    api.record('eventAccepted', accepted);
    expect(published).not.toHaveBeenCalled();
    expect(api.records.eventsById('e-3')).toHaveLength(1);
    api.close();
  });

  it('fails if no module records the kind of note a service tells it', () => {
    const api = new ReadApi({ db: openDatabase(':memory:') });
    expect(() => api.record('eventAccepted', note('e-4'))).toThrow(ReadApiRecordError);
    api.close();
  });

  it('fails if two modules record the same kind of note', () => {
    const records = eventsModule.records;
    if (records === undefined) throw new Error('the events module records nothing');
    expect(() => new ReadApi({ db: openDatabase(':memory:'), records: [records, records] })).toThrow(/two modules record .* eventRecorded/);
  });
});
