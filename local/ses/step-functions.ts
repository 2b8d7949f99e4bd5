import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import type { StepFunctionsIntegrations } from '../states/task-integrations.js';

/**
 * SES's Step Functions integrations: its two APIs as `aws-sdk:ses` and `aws-sdk:sesv2` (no
 * optimized integration). Their operations answer timestamps as Date objects, which the
 * integration writes as ISO-8601 text.
 */
// Of the running service (LocalSes, module.ts), the tasks call each API's operations.
export const sesStepFunctions: StepFunctionsIntegrations<{
  readonly sdkOperations: { readonly v1: ModelOperations; readonly v2: ModelOperations };
}> = {
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
