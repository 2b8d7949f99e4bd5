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
  // The modules' addresses on AWS of what they serve (API Gateway's APIs, function URLs), for outputs.
  collects: 'localUrls',
  create({ services, settings, contributions }) {
    const app = () => services.get('template').app;
    const addresses = contributions('localUrls');
    const context = { url: settings.url, region: settings.region };
    const cloudFormation = new CloudFormationService({
      app,
      createdAt: new Date(settings.clock.now()),
      localUrls: () => {
        const resources = app().stacks.flatMap((stack) => stack.resources);
        return addresses.flatMap(({ value: urls }) => urls(resources, context));
      },
    });
    return {
      service: cloudFormation,
      mounts: { query: [new CloudFormationQueryProtocol(cloudFormation)] },
    };
  },
  report: (cloudFormation) => {
    const outputs = cloudFormation.localizedOutputs();
    if (outputs.length === 0) return {};
    return {
      lines: [
        `  cloudformation differs: describe-stacks shows ${outputs.join(', ')} as ${outputs.length === 1 ? 'a local URL' : 'local URLs'}, not the address on AWS of the API, function URL or load balancer (docs/local-runtime.md)`,
      ],
    };
  },
};
