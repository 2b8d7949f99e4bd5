import { apiOperations } from '../service-registry/operation-table.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { CloudFormationService } from './cloudformation-service.js';
import { cloudformationIam } from './iam-authorizations.js';
import { CloudFormationQueryProtocol } from './query-protocol.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    cloudformation: CloudFormationService;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    cloudformation: 'cloudformation';
  }
}

/**
 * CloudFormation's read API over the loaded assembly (`aws cloudformation describe-stacks`
 * after `cdk deploy`, unchanged). It keeps no state: the stacks are what the template module loaded.
 */
export const cloudFormationModule: ServiceModule<'cloudformation'> = {
  name: 'cloudformation',
  iam: cloudformationIam,
  // The operations it serves are CloudFormationService's methods.
  apis: [{ model: 'cloudformation', operations: apiOperations(CloudFormationService), protocolFromModel: true }],
  sdkClients: [{ package: '@aws-sdk/client-cloudformation', serviceId: 'CloudFormation' }],
  needs: ['template'],
  create({ services, settings }) {
    const cloudFormation = new CloudFormationService({
      app: () => services.get('template').app,
      createdAt: new Date(settings.clock.now()),
    });
    return {
      service: cloudFormation,
      mounts: { query: [new CloudFormationQueryProtocol(cloudFormation)] },
    };
  },
};
