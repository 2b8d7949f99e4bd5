import type { ServiceModule } from '../service-registry/service-module.js';
import { AWS_CUSTOM_RESOURCE, awsCallRunner, CustomResources, customResources } from './custom-resources.js';
import { lambdaBackedRunner, ResponseUrls } from './lambda-backed.js';
import { frameworkRunner } from './provider-framework.js';
import { settleCustomResources } from './settle.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    customresources: CustomResources;
  }
}

/**
 * The template's custom resources whose provider's work the runtime does itself (CDK's
 * AwsCustomResource, `Custom::AWS`; a provider framework's, `cr.Provider`, whose onEvent and
 * isComplete functions are the app's; a plain Lambda-backed one's function): run once every
 * other service has started (it is the last module), before the runtime says it is ready, as
 * CloudFormation finishes a stack's custom resources before the stack is complete. What
 * references their answers (Ref, Fn::GetAtt) waits for them, then starts with their values
 * (settle.ts).
 */
export const customResourcesModule: ServiceModule<'customresources'> = {
  name: 'customresources',
  needs: ['template', 'iam', 'lambda'],
  databases: ['customresources'],
  resourceTypes: { [AWS_CUSTOM_RESOURCE]: {} },
  create({ settings, services, database, hasDatabase, reloadServices, warn, restate }) {
    const { url, region } = settings;
    const log = (line: string) => settings.log(`[customresources] ${line}`);
    const invoke = (fn: string, event: unknown) => services.get('lambda').invoke(fn, event);
    const responses = new ResponseUrls();
    const template = services.get('template');
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
      // The loader resolves their Ref and attributes from their answers.
      template.customResourceOutcomes,
    );
    return {
      service: resources,
      // The ResponseURLs plain Lambda-backed resources' functions answer at (served before the services start).
      mounts: { httpApis: [responses] },
      start: () =>
        settleCustomResources({
          template,
          cdkOut: settings.options.cdkOut,
          apply: (app, tried, held) => resources.apply(customResources(app), tried, held),
          reloadServices,
          warn,
          restate,
          log,
        }),
    };
  },
};
