import type { ServiceModule } from '../service-registry/service-module.js';
import { secretDefinitions } from './definitions.js';
import { secretsManagerIam } from './iam-authorizations.js';
import { SECRETS_MANAGER_RESOURCE_POLICIES } from './resource-policies.js';
import { SECRETS_MANAGER_RESOURCE_TYPES } from './resource-types.js';
import { SecretsManagerService } from './secrets-service.js';
import { secretsManagerStepFunctions } from './step-functions.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    secretsmanager: SecretsManagerService;
  }
}

/** Secrets Manager: the template's secrets, kept in the data folder. */
export const secretsManagerModule: ServiceModule<'secretsmanager', ReturnType<typeof secretDefinitions>> = {
  name: 'secretsmanager',
  iam: secretsManagerIam,
  stepFunctions: secretsManagerStepFunctions,
  sdkClients: [{ package: '@aws-sdk/client-secrets-manager', serviceId: 'Secrets Manager' }],
  databases: ['secretsmanager'],
  resourceTypes: SECRETS_MANAGER_RESOURCE_TYPES,
  resourcePolicies: SECRETS_MANAGER_RESOURCE_POLICIES,
  definitions: secretDefinitions,
  create({ settings, database, warn }, template) {
    const { clock, accountId, region } = settings;
    const secretsManager = new SecretsManagerService({ db: database('secretsmanager'), clock, accountId, region });
    warn(secretsManager.declare(template.secrets));
    return {
      service: secretsManager,
      mounts: {
        json: [
          {
            targetPrefix: 'secretsmanager',
            jsonVersion: '1.1',
            operations: secretsManager.operations,
          },
        ],
      },
    };
  },
};
