import { modelValidator } from '../endpoint/validation/validator.js';
import { apiOperations } from '../service-registry/operation-table.js';

import type { ServiceModule } from '../service-registry/service-module.js';
import { kmsDefinitions } from './definitions.js';
import { kmsIam } from './iam-authorizations.js';
import { KmsService } from './kms-service.js';
import { KMS_RESOURCE_POLICIES } from './resource-policies.js';
import { KMS_TYPE_SPECS } from './resource-types.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    kms: KmsService;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    kms: 'kms';
  }
}

/** KMS: the template's keys and aliases (encryption runs with key material kept in the data folder). */
export const kmsModule: ServiceModule<'kms', ReturnType<typeof kmsDefinitions>> = {
  name: 'kms',
  iam: kmsIam,
  // The operations it serves are KmsService's methods.
  apis: [{ model: 'kms', operations: apiOperations(KmsService) }],
  sdkClients: [{ package: '@aws-sdk/client-kms', serviceId: 'KMS' }],
  databases: ['kms'],
  resourceTypes: KMS_TYPE_SPECS,
  resourcePolicies: KMS_RESOURCE_POLICIES,
  definitions: kmsDefinitions,
  create({ settings, database }, template) {
    const { clock, accountId, region } = settings;
    const kms = new KmsService({ db: database('kms'), clock, accountId, region, ...template });
    return {
      service: kms,
      mounts: {
        json: [
          {
            targetPrefix: 'TrentService',
            jsonVersion: '1.1',
            operations: kms.operations,
            validate: modelValidator('kms'),
          },
        ],
      },
    };
  },
};
