import type { StepFunctionsIntegrations } from '../states/task-integrations.js';
import type { SecretsManagerService } from './secrets-service.js';

/** Secrets Manager's Step Functions integrations: its API as `aws-sdk:secretsmanager` (no optimized integration). */
export const secretsManagerStepFunctions: StepFunctionsIntegrations<SecretsManagerService> = {
  sdk: {
    secretsmanager: {
      name: 'SecretsManager',
      wireCase: 'pascal',
      // The service answers its dates in epoch seconds, as its JSON protocol does.
      timestamps: new Set([
        'CreatedDate',
        'LastChangedDate',
        'LastAccessedDate',
        'DeletedDate',
        'DeletionDate',
        'LastRotatedDate',
        'NextRotationDate',
      ]),
      model: { package: '@aws-sdk/client-secrets-manager', baseException: 'SecretsManagerServiceException' },
    },
  },
};
