import { inProcessConsumerControls } from '../pauses/consumer-controls.js';
import { pauseReads } from '../read-api/pauses.js';
import type { ServiceDefinitions } from '../service-registry/service-definitions.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import type { CustomResourceAttributes, LoadAppOptions, LoadedApp } from './load.js';
import { loadApp } from './load.js';
import { TEMPLATE_RESOURCE_TYPES } from './resource-types.js';

/** The app the runtime runs: its loaded templates, the services' shared definitions of it, and how to load a newer assembly the same way. */
export interface LoadedTemplate {
  /** The app as loaded now: a reload (`switchyard dev`) replaces it here, so readers that look it up when asked (CloudFormation's read API) follow. */
  app: LoadedApp;
  definitions: ServiceDefinitions;
  /** Loads an assembly as the first one was loaded (same endpoint, account, region, parameters): what a reload runs. */
  load(cdkOut: string): { app: LoadedApp; definitions: ServiceDefinitions };
  /**
   * Rule targets' and functions' (asynchronous invocation) dead-letter queues, which the read
   * API asks about; a reload adds its own. Queues' redrive targets SQS knows itself.
   */
  readonly deadLetterQueues: Set<string>;
  /**
   * The attributes (Data) the providers of a stack's custom resources answered, which its late
   * outputs (`LoadedStack.lateOutputs`) are resolved with: given by the service that runs them
   * (local/custom-resources), which is created after this one; none until then.
   */
  customResourceAttributes?: (stackName: string) => CustomResourceAttributes;
}

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    template: LoadedTemplate;
  }
}

/** The cloud assembly, loaded once SSM is there: parameters of type AWS::SSM::Parameter::Value<...> read its store while loading. */
export const templateModule: ServiceModule<'template'> = {
  name: 'template',
  needs: ['ssm'],
  // Accepted with nothing to run: schemas and CDK's metadata only describe the app (IAM's types are the iam module's).
  resourceTypes: TEMPLATE_RESOURCE_TYPES,
  // Metadata and schemas run nothing: a reload's new definitions are the whole change (the report's example events
  // read the schemas). The dead-letter queues the new template names are added below.
  reloads: { types: ['AWS::CDK::Metadata', 'AWS::EventSchemas::Registry', 'AWS::EventSchemas::Schema'], removals: true },
  create({ settings, services, templateTypes, sharedDefinitions, warn }) {
    const ssm = services.get('ssm');
    const { options } = settings;
    const loadOptions: Omit<LoadAppOptions, 'cdkOut'> = {
      baseUrl: settings.url,
      accountId: settings.accountId,
      region: settings.region,
      types: templateTypes,
      ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
      ssmParameter: (name) => ssm.valueOf(name),
    };
    const load = (cdkOut: string) => {
      const app = loadApp({ ...loadOptions, cdkOut });
      return { app, definitions: sharedDefinitions(app) };
    };
    const { app, definitions } = load(options.cdkOut);
    warn([...app.warnings, ...definitions.warnings]);
    const deadLetterQueues = new Set(deadLetterQueuesOf(definitions));
    const service: LoadedTemplate = { app, definitions, load, deadLetterQueues };
    return {
      service,
      mounts: {
        // Pausing needs the app's templates to find a flow's consumers, which the console has not: the
        // ones this service runs when asked (a reload replaces them), never the assembly's folder,
        // which a synthesis that fails under switchyard dev empties. Lambda, Scheduler and EventBridge
        // are created after this service: the controls look them up at each call.
        reads: pauseReads({ controls: inProcessConsumerControls(services, settings), app: () => service.app }),
      },
      // A queue that was a dead-letter queue stays one for the read API: its messages still are dead letters.
      reload: (change) => {
        for (const arn of deadLetterQueuesOf(change.definitions)) deadLetterQueues.add(arn);
        return { reloaded: [] };
      },
    };
  },
};

/** Rule targets' and functions' (asynchronous invocation) dead-letter queues. */
function deadLetterQueuesOf(definitions: ServiceDefinitions): string[] {
  return [
    ...definitions.rules.flatMap((rule) => rule.targets.flatMap((t) => t.deadLetterArn ?? [])),
    ...definitions.functions.flatMap((fn) => fn.asyncConfig?.deadLetterArn ?? []),
  ];
}
