import type { ServiceModule } from '../services/service-module.js';
import { BedrockApi } from './bedrock-api.js';
import { BedrockService } from './bedrock-service.js';
import { bedrockIam } from './iam-authorizations.js';
import { mayCallModels, refusedModelWarnings } from './model-mentions.js';
import { parseModelSettings } from './model-settings.js';
import { bedrockStepFunctions } from './step-functions.js';
import { prepareTokenizer } from './tokens.js';

declare module '../services/service-module.js' {
  interface ServiceTypes {
    bedrock: BedrockService;
  }
}

/** Bedrock Runtime: model calls answered by the backends SWITCHYARD_MODELS (or the runtime's `models` option) names; simulated by default. */
export const bedrockModule: ServiceModule<'bedrock'> = {
  name: 'bedrock',
  iam: bedrockIam,
  stepFunctions: bedrockStepFunctions,
  sdkClients: [{ package: '@aws-sdk/client-bedrock-runtime', serviceId: 'Bedrock Runtime' }],
  // The template's functions and state machines: the start-up report names those that name a model refused here.
  needs: ['template', 'traces'],
  create({ settings, services, warn }) {
    const { clock, region, log, options } = settings;
    const routes = parseModelSettings(options.models ?? process.env.SWITCHYARD_MODELS, {
      record: process.env.SWITCHYARD_MODELS_RECORD === '1',
      region,
    });
    const { definitions } = services.get('template');
    warn(refusedModelWarnings(definitions.functions, definitions.stateMachines, routes));
    const { spans } = services.get('traces');
    const bedrock = new BedrockService({ routes, region, clock, log, onCall: (call) => spans.modelCall(call) });
    return {
      service: bedrock,
      mounts: { rest: [new BedrockApi(bedrock)] },
      // The token counter's ranks, which a model call's answer needs (usage, maxTokens): 0.1-0.4 s the first call would wait.
      warm: () => {
        if (mayCallModels(services.get('template').app)) prepareTokenizer();
      },
    };
  },
  report: (bedrock) => ({ lines: [bedrock.describe()] }),
};
