import { modelValidator } from '../endpoint/validation/validator.js';
import { apiOperations } from '../service-registry/operation-table.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { kinesisDefinitions } from './definitions.js';
import { kinesisIam } from './iam-authorizations.js';
import { KinesisService } from './kinesis-service.js';
import { KinesisStore } from './kinesis-store.js';
import { KINESIS_TYPE_SPECS } from './resource-types.js';
import { StreamMetadataApi } from './stream-metadata.js';

/** The running Kinesis: its API, and its store (what event source mappings read in process). */
export interface LocalKinesis {
  readonly api: KinesisService;
  readonly store: KinesisStore;
}

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    kinesis: LocalKinesis;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    kinesis: 'kinesis';
  }
}

/** Kinesis Data Streams: the template's streams and those created through the API, their records in `kinesis.sqlite`. */
export const kinesisModule: ServiceModule<'kinesis', ReturnType<typeof kinesisDefinitions>> = {
  name: 'kinesis',
  iam: kinesisIam,
  apis: [{ model: 'kinesis', operations: [...apiOperations(KinesisService), ...apiOperations(StreamMetadataApi)] }],
  sdkClients: [{ package: '@aws-sdk/client-kinesis', serviceId: 'Kinesis' }],
  databases: ['kinesis'],
  resourceTypes: KINESIS_TYPE_SPECS,
  definitions: kinesisDefinitions,
  create({ settings, database }, template) {
    const { clock, accountId, region } = settings;
    const db = database('kinesis');
    const store = new KinesisStore(db, clock);
    const api = new KinesisService({ store, db, clock, accountId, region });
    // Created now, before the services that read them (event source mappings) start.
    api.declare(template.streams);
    return {
      service: { api, store },
      mounts: {
        json: [{ targetPrefix: 'Kinesis_20131202', jsonVersion: '1.1', operations: api.operations, validate: modelValidator('kinesis') }],
      },
    };
  },
  report: ({ store }) => {
    const streams = store.streams().map((s) => `${s.name} (${s.shardCount} shard${s.shardCount === 1 ? '' : 's'})`);
    return {
      counts: { 'Kinesis streams': streams.length },
      ...(streams.length === 0
        ? {}
        : { lines: [`  kinesis streams: ${streams.join(', ')}; records kept in the data folder for each stream's retention period`] }),
    };
  },
};
