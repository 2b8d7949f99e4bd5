import type { ServiceModule } from '../service-registry/service-module.js';
import { AWS_CUSTOM_RESOURCE, AwsCustomResources, awsCustomResources } from './aws-custom-resources.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    customresources: AwsCustomResources;
  }
}

/**
 * The template's custom resources whose provider's work the runtime does itself (CDK's
 * AwsCustomResource, `Custom::AWS`): their calls are made once every other service has
 * started (it is the last module), before the runtime says it is ready, as CloudFormation
 * finishes a stack's custom resources before the stack is complete.
 */
export const customResourcesModule: ServiceModule<'customresources'> = {
  name: 'customresources',
  needs: ['template', 'iam'],
  databases: ['customresources'],
  // Their attributes are the call's response, which the template is resolved before: a Fn::GetAtt to one stays unresolved, and is named so.
  resourceTypes: { [AWS_CUSTOM_RESOURCE]: {} },
  create({ settings, services, database }) {
    const { url, region, log } = settings;
    const resources = new AwsCustomResources(
      database('customresources'),
      // Signed as the provider function's role would sign, so that IAM (when enforced) judges the call by its policy.
      (roleArn, sessionName) => ({
        url,
        region,
        credentials: roleArn === undefined ? settings.credentials : services.get('iam').principals.credentialsFor(roleArn, sessionName),
      }),
      (line) => log(`[customresources] ${line}`),
    );
    return {
      service: resources,
      start: async () => {
        await resources.apply(awsCustomResources(services.get('template').app));
      },
    };
  },
};
