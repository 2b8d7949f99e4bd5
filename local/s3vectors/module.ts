import { apiOperations } from '../service-registry/operation-table.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { vectorDefinitions } from './definitions.js';
import { s3VectorsIam } from './iam-authorizations.js';
import { S3VECTORS_TYPE_SPECS } from './resource-types.js';
import { S3VectorsApi, s3VectorsProtocol } from './s3vectors-api.js';
import { S3VectorsService } from './s3vectors-service.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    s3vectors: S3VectorsService;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    s3vectors: 's3vectors';
  }
}

/** Amazon S3 Vectors: the template's vector buckets and indexes, created at start, and the API over them (exact nearest neighbours). */
export const s3VectorsModule: ServiceModule<'s3vectors'> = {
  name: 's3vectors',
  iam: s3VectorsIam,
  // The operations it serves are S3VectorsApi's methods.
  apis: [{ model: 's3vectors', operations: apiOperations(S3VectorsApi), protocolFromModel: true }],
  sdkClients: [{ package: '@aws-sdk/client-s3vectors', serviceId: 'S3Vectors' }],
  needs: ['template'],
  databases: ['s3vectors'],
  resourceTypes: S3VECTORS_TYPE_SPECS,
  create({ settings, database, services, warn }) {
    const { clock, accountId, region } = settings;
    const s3vectors = new S3VectorsService({ db: database('s3vectors'), clock, accountId, region });
    return {
      service: s3vectors,
      mounts: { rest: [s3VectorsProtocol(new S3VectorsApi(s3vectors))] },
      start: () => warn(s3vectors.declare(vectorDefinitions(services.get('template').app))),
    };
  },
};
