import { modelValidator } from '../endpoint/validation/validator.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { secretDefinitions } from './definitions.js';
import { secretsManagerIam } from './iam-authorizations.js';
import { SECRETS_MANAGER_RESOURCE_POLICIES } from './resource-policies.js';
import { SECRETS_MANAGER_RESOURCE_TYPES } from './resource-types.js';
import { SERVED_OPERATIONS, SecretsManagerService } from './secrets-service.js';
import { secretsManagerStepFunctions } from './step-functions.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    secretsmanager: SecretsManagerService;
  }
}

/** The API model it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    secretsmanager: 'secretsmanager';
  }
}

/** Secrets Manager: the template's secrets, kept in the data folder. */
export const secretsManagerModule: ServiceModule<'secretsmanager', ReturnType<typeof secretDefinitions>> = {
  name: 'secretsmanager',
  iam: secretsManagerIam,
  apis: [{ model: 'secretsmanager', operations: SERVED_OPERATIONS }],
  stepFunctions: secretsManagerStepFunctions,
  sdkClients: [{ package: '@aws-sdk/client-secrets-manager', serviceId: 'Secrets Manager' }],
  databases: ['secretsmanager'],
  resourceTypes: SECRETS_MANAGER_RESOURCE_TYPES,
  resourcePolicies: SECRETS_MANAGER_RESOURCE_POLICIES,
  definitions: secretDefinitions,
  create({ settings, database, warn, services }, template) {
    const { clock, accountId, region, log } = settings;
    const secretsManager = new SecretsManagerService({
      db: database('secretsmanager'),
      clock,
      accountId,
      region,
      log,
      // Rotation invokes the app's function through Lambda's own synchronous path (looked up when a rotation runs: Lambda is created after).
      functions: () => {
        const lambda = services.get('lambda');
        return { exists: (arn) => lambda.hasFunction(arn), invoke: (arn, event) => lambda.invoke(arn, event) };
      },
      // A policy put through the API is the secret's policy for IAM too, as on AWS (the template's ResourcePolicy until then).
      onPolicyChange: (secretArn, policy) => services.get('iam').setResourcePolicy(secretArn, policy),
    });
    warn(secretsManager.declare(template.secrets));
    return {
      service: secretsManager,
      // Policies put through the API before a restart hold again.
      start: () => {
        for (const { secretArn, policy } of secretsManager.resourcePolicies()) services.get('iam').setResourcePolicy(secretArn, policy);
      },
      mounts: {
        json: [
          {
            targetPrefix: 'secretsmanager',
            jsonVersion: '1.1',
            operations: secretsManager.operations,
            validate: modelValidator('secretsmanager'),
          },
        ],
      },
    };
  },
};
