import { modelValidator } from '../endpoint/validation/validator.js';
import { apiOperations } from '../service-registry/operation-table.js';

import type { ServiceModule } from '../service-registry/service-module.js';
import { ssmParameterDefinitions } from './definitions.js';
import { ssmIam } from './iam-authorizations.js';
import { SSM_TYPE_SPECS } from './resource-types.js';
import { SsmService } from './ssm-service.js';
import { ssmStepFunctions } from './step-functions.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    ssm: SsmService;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    ssm: 'ssm';
  }
}

/** Parameter Store. Created first: the template's parameters of type AWS::SSM::Parameter::Value<...> read it while the template loads. */
export const ssmModule: ServiceModule<'ssm'> = {
  name: 'ssm',
  iam: ssmIam,
  stepFunctions: ssmStepFunctions,
  // The operations it serves are SsmService's methods.
  apis: [{ model: 'ssm', operations: apiOperations(SsmService) }],
  sdkClients: [{ package: '@aws-sdk/client-ssm', serviceId: 'SSM' }],
  databases: ['ssm'],
  // The template's parameters: created from the template when the runtime starts.
  resourceTypes: SSM_TYPE_SPECS,
  create({ settings, database, services, warn }) {
    const { clock, accountId, region } = settings;
    const ssm = new SsmService({ db: database('ssm'), clock, accountId, region });
    return {
      service: ssm,
      mounts: {
        json: [
          {
            targetPrefix: 'AmazonSSM',
            jsonVersion: '1.1',
            operations: ssm.operations,
            validate: modelValidator('ssm'),
          },
        ],
      },
      // The template (which needs this service to load) is there by now.
      start: () => warn(ssm.declare(ssmParameterDefinitions(services.get('template').app))),
    };
  },
};
