import type { ServiceModule } from '../service-registry/service-module.js';
import { AWS_CUSTOM_RESOURCE, awsCallRunner, CustomResources, customResources } from './custom-resources.js';
import { lambdaBackedRunner, ResponseUrls } from './lambda-backed.js';
import { frameworkRunner } from './provider-framework.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    customresources: CustomResources;
  }
}

/**
 * The template's custom resources whose provider's work the runtime does itself (CDK's
 * AwsCustomResource, `Custom::AWS`; a provider framework's, `cr.Provider`, whose onEvent and
 * isComplete functions are the app's): run once every other service has started (it is the
 * last module), before the runtime says it is ready, as CloudFormation finishes a stack's
 * custom resources before the stack is complete.
 */
export const customResourcesModule: ServiceModule<'customresources'> = {
  name: 'customresources',
  needs: ['template', 'iam', 'lambda'],
  databases: ['customresources'],
  // Their attributes are the call's response, which the template is resolved before: a Fn::GetAtt to one stays unresolved, and is named so.
  resourceTypes: { [AWS_CUSTOM_RESOURCE]: {} },
  create({ settings, services, database, hasDatabase }) {
    const { url, region } = settings;
    const log = (line: string) => settings.log(`[customresources] ${line}`);
    const invoke = (fn: string, event: unknown) => services.get('lambda').invoke(fn, event);
    const responses = new ResponseUrls();
    const resources = new CustomResources(
      { open: () => database('customresources'), exists: () => hasDatabase('customresources') },
      {
        // Signed as the provider function's role would sign, so that IAM (when enforced) judges the call by its policy.
        aws: awsCallRunner(
          (roleArn, sessionName) => ({
            url,
            region,
            credentials: roleArn === undefined ? settings.credentials : services.get('iam').principals.credentialsFor(roleArn, sessionName),
          }),
          log,
        ),
        framework: frameworkRunner(invoke, log),
        lambda: lambdaBackedRunner({ invoke, responses, url, log }),
      },
    );
    return {
      service: resources,
      // The ResponseURLs plain Lambda-backed resources' functions answer at (served before the services start).
      mounts: { httpApis: [responses] },
      start: async () => {
        const template = services.get('template');
        await resources.apply(customResources(template.app));
        // The stacks' outputs that name a custom resource's attribute resolve with what its provider answered.
        template.customResourceAttributes = (stackName) => (logicalId, attribute) => {
          const value = resources.data(`${stackName}/${logicalId}`)?.[attribute];
          return value === undefined || value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
        };
      },
    };
  },
};
