import type { ServiceModule } from '../services/service-module.js';
import { SECRETS_MANAGER_RESOURCE_TYPES, secretDefinitions } from './definitions.js';
import { SecretsManagerService } from './secrets-service.js';

declare module '../services/service-module.js' {
  interface ServiceTypes {
    secretsmanager: SecretsManagerService;
  }
}

/** Secrets Manager: the template's secrets, kept in the data folder. */
export const secretsManagerModule: ServiceModule<'secretsmanager'> = {
  name: 'secretsmanager',
  needs: ['template'],
  databases: ['secretsmanager'],
  resourceTypes: SECRETS_MANAGER_RESOURCE_TYPES,
  create({ settings, database, services, warn }) {
    const { clock, accountId, region } = settings;
    const template = secretDefinitions(services.get('template').app);
    const secretsManager = new SecretsManagerService({ db: database('secretsmanager'), clock, accountId, region });
    warn([...template.warnings, ...secretsManager.declare(template.secrets)]);
    return {
      service: secretsManager,
      mounts: { json: [{ targetPrefix: 'secretsmanager', jsonVersion: '1.1', operations: secretsManager.operations }] },
    };
  },
};
