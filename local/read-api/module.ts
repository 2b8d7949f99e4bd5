import type { ServiceModule } from '../service-registry/service-module.js';
import { ReadApi } from './read-api.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    readApi: ReadApi;
  }
}

/**
 * The read API: every service tells it what happens; it answers under READ_API_PREFIX its own
 * views (the event records, lineage, the live stream) and what the other modules mount in
 * `reads` (their routes, lineage nodes and invocations' log lines), which the registry hands it
 * once they all exist: it asks no service of its own (its pauses, which the template module
 * mounts, go through the runtime's public APIs, pauses.ts).
 */
export const readApiModule: ServiceModule<'readApi'> = {
  name: 'readApi',
  // Accepted events are recorded in the bus's own transaction, so their records live in its database.
  databases: ['read-api', 'events'],
  create({ settings, database, readRecords }) {
    const { clock, options } = settings;
    const readApi = new ReadApi({
      db: database('read-api'),
      eventsDb: database('events'),
      retention: options.eventRecords,
      records: readRecords,
      now: () => clock.now(),
    });
    return {
      service: readApi,
      mounts: {
        readApi: {
          handles: (path) => readApi.router.handles(path),
          handle: (req, res) => readApi.router.handle(req, res),
          mount: (reads) => readApi.mount(reads),
        },
      },
      stop: () => readApi.close(),
    };
  },
};
