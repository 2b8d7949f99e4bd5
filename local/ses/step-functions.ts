import type { StepFunctionsIntegrations } from '../states/task-integrations.js';
import type { LocalSes } from './module.js';

/**
 * SES's Step Functions integrations: its two APIs as `aws-sdk:ses` and `aws-sdk:sesv2` (no
 * optimized integration). Their operations answer timestamps as Date objects, which the
 * integration writes as ISO-8601 text.
 */
export const sesStepFunctions: StepFunctionsIntegrations<LocalSes> = {
  sdk: {
    ses: {
      name: 'Ses',
      wireCase: 'pascal',
      model: { package: '@aws-sdk/client-ses', baseException: 'SESServiceException' },
      apiModel: 'ses',
      operations: (ses) => ses.sdkOperations.v1,
    },
    sesv2: {
      name: 'SesV2',
      wireCase: 'pascal',
      model: { package: '@aws-sdk/client-sesv2', baseException: 'SESv2ServiceException' },
      apiModel: 'sesv2',
      operations: (ses) => ses.sdkOperations.v2,
    },
  },
};
