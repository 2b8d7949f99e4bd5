import type { StepFunctionsIntegrations } from '../states/task-integrations.js';
import type { SsmService } from './ssm-service.js';

/** Parameter Store's Step Functions integrations: its API as `aws-sdk:ssm` (no optimized integration). */
export const ssmStepFunctions: StepFunctionsIntegrations<SsmService> = {
  sdk: {
    ssm: {
      name: 'Ssm',
      wireCase: 'pascal',
      timestamps: new Set(['LastModifiedDate', 'CreatedDate', 'CreationDate']),
      model: { package: '@aws-sdk/client-ssm', baseException: 'SSMServiceException' },
      apiModel: 'ssm',
    },
  },
};
