import { apiOperations } from '../service-registry/operation-table.js';
import type { ServiceModule, ServiceOption } from '../service-registry/service-module.js';
import { appDeployRegions } from '../template/deploy-regions.js';
import { AsyncInvokeApi } from './async-invoke.js';
import { BatchInferenceApi } from './batch-inference.js';
import { BedrockRuntimeApi, bedrockRuntimeProtocol } from './bedrock-api.js';
import { BedrockService } from './bedrock-service.js';
import { bedrockIam } from './iam-authorizations.js';
import { bedrockJobs } from './job-apis.js';
import { bedrockAgentProtocol, KnowledgeBaseAgentApi } from './knowledge-bases/agent-api.js';
import { knowledgeBaseDefinitions } from './knowledge-bases/definitions.js';
import { KNOWLEDGE_BASES, KnowledgeBaseService } from './knowledge-bases/knowledge-base-service.js';
import { KNOWLEDGE_BASE_TYPES } from './knowledge-bases/resource-types.js';
import { bedrockAgentRuntimeProtocol, KnowledgeBaseRuntimeApi } from './knowledge-bases/runtime-api.js';
import { mayCallModels, refusedModelWarnings } from './model-mentions.js';
import { parseModelSettings } from './model-settings.js';
import { OpenAiCompatibleApi } from './openai-compatible-api.js';
import { modelCallReads } from './read-routes.js';
import { bedrockStepFunctions } from './step-functions.js';
import { prepareTokenizer } from './tokens.js';

/** The API models it serves (`apis`): asynchronous invocations, batch inference, the knowledge bases' control plane and runtime. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    'bedrock-runtime': 'bedrock';
    bedrock: 'bedrock';
    'bedrock-agent': 'bedrock';
    'bedrock-agent-runtime': 'bedrock';
  }
}

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    bedrock: BedrockService;
  }
  interface ServiceOptions {
    /**
     * Where Bedrock Runtime's answers come from, as SWITCHYARD_MODELS takes it
     * (docs/local-runtime/bedrock.md). @default process.env.SWITCHYARD_MODELS, else 'simulated'
     */
    readonly models?: string;
  }
}

/** The services of apps that may call a model (mayCallModels): their start-up report says where the OpenAI-compatible APIs are. */
const CALLING_MODELS = new WeakSet<BedrockService>();

/** `--models`, else SWITCHYARD_MODELS: where the answers come from, checked when the service is created (ModelSettingsError). */
const MODELS_OPTION: ServiceOption<'models'> = {
  name: 'models',
  flag: 'models',
  env: 'SWITCHYARD_MODELS',
  help: `  --models    where Bedrock Runtime's answers come from: simulated (default), fixtures:<file>,
              openai:<base url>, per model glob with faults; default SWITCHYARD_MODELS
              (docs/local-runtime/bedrock.md, "Bedrock Runtime and SWITCHYARD_MODELS")`,
  // Given empty, the option is unset: the runtime reads SWITCHYARD_MODELS, else simulates.
  parse: (text) => (text === '' ? undefined : text),
};

/** Bedrock Runtime: model calls answered by the backends SWITCHYARD_MODELS (or the runtime's `models` option) names; simulated by default. */
export const bedrockModule: ServiceModule<'bedrock'> = {
  name: 'bedrock',
  iam: bedrockIam,
  stepFunctions: bedrockStepFunctions,
  // The model calls and asynchronous invocations, batch inference jobs, and the knowledge bases' operations (their APIs' methods).
  apis: [
    {
      model: 'bedrock-runtime',
      operations: [...apiOperations(BedrockRuntimeApi), ...apiOperations(AsyncInvokeApi)],
      protocolFromModel: true,
    },
    { model: 'bedrock', operations: apiOperations(BatchInferenceApi), protocolFromModel: true },
    { model: 'bedrock-agent', operations: apiOperations(KnowledgeBaseAgentApi), protocolFromModel: true },
    { model: 'bedrock-agent-runtime', operations: apiOperations(KnowledgeBaseRuntimeApi), protocolFromModel: true },
  ],
  sdkClients: [
    { package: '@aws-sdk/client-bedrock-runtime', serviceId: 'Bedrock Runtime' },
    { package: '@aws-sdk/client-bedrock', serviceId: 'Bedrock' },
    { package: '@aws-sdk/client-bedrock-agent', serviceId: 'Bedrock Agent' },
    { package: '@aws-sdk/client-bedrock-agent-runtime', serviceId: 'Bedrock Agent Runtime' },
  ],
  resourceTypes: KNOWLEDGE_BASE_TYPES,
  // The template's functions and state machines: the start-up report names those that name a model refused here;
  // IAM and S3 for the jobs, which read and write S3 as their caller or role, and the knowledge bases' data sources.
  needs: ['template', 'traces', 'iam', 's3'],
  // The model calls, kept across restarts with the lineage and spans they are part of, and the jobs; the knowledge bases' index and ingestion jobs.
  databases: ['bedrock', 'knowledge-bases'],
  options: [MODELS_OPTION],
  create({ settings, services, warn, database }) {
    const { clock, region, log, options, accountId } = settings;
    const routes = parseModelSettings(options.models ?? process.env[MODELS_OPTION.env], {
      record: process.env.SWITCHYARD_MODELS_RECORD === '1',
      region,
    });
    const { definitions, app } = services.get('template');
    // Where the app's stacks deploy, its geographic profiles are answered, though the runtime runs them in its own Region:
    // a European developer's `eu.` profile is answered as it is where they deploy, not refused for the runtime's us-east-1.
    const stackRegions = appDeployRegions(app);
    warn(refusedModelWarnings(definitions.functions, definitions.stateMachines, routes, { region, stackRegions }));
    const { spans } = services.get('traces');
    const bedrock = new BedrockService({
      routes,
      region,
      stackRegions,
      clock,
      log,
      callsDb: database('bedrock'),
      onCall: (call) => spans.modelCall(call),
    });
    const jobs = bedrockJobs({
      bedrock,
      db: database('bedrock'),
      clock,
      region,
      accountId,
      s3: () => services.get('s3').s3,
      iam: () => services.get('iam'),
      onError: (error) => log(`[bedrock] a job's work failed: ${(error.cause as Error)?.message ?? error.message}`),
    });
    const knowledgeBases = new KnowledgeBaseService({
      db: database('knowledge-bases'),
      clock,
      region,
      accountId,
      definitions: knowledgeBaseDefinitions(services.get('template').app),
      s3: () => services.get('s3').s3,
      bedrock,
      onError: (error) => log(`[bedrock] ${error.message}`),
    });
    KNOWLEDGE_BASES.set(bedrock, knowledgeBases);
    if (mayCallModels(services.get('template').app)) CALLING_MODELS.add(bedrock);
    const rest = [
      bedrockRuntimeProtocol(bedrock, jobs.asyncInvokes),
      // The OpenAI-compatible Chat Completions and Responses under /openai/v1, bedrock-runtime's as AWS serves them.
      new OpenAiCompatibleApi(bedrock, { region, clock }),
      ...jobs.protocols,
      bedrockAgentRuntimeProtocol(new KnowledgeBaseRuntimeApi(knowledgeBases, bedrock)),
      bedrockAgentProtocol(new KnowledgeBaseAgentApi(knowledgeBases)),
    ];
    return {
      service: bedrock,
      mounts: { rest, reads: modelCallReads(bedrock.calls) },
      start: () => {
        jobs.start();
        knowledgeBases.start();
      },
      stop: async () => {
        await Promise.all([jobs.stop(), knowledgeBases.stop()]);
      },
      // The token counter's ranks, which a model call's answer needs (usage, maxTokens): 0.1-0.4 s the first call would wait.
      warm: () => {
        if (mayCallModels(services.get('template').app)) prepareTokenizer();
      },
    };
  },
  report: (bedrock, { url }) => ({
    lines: [bedrock.describe(), ...(KNOWLEDGE_BASES.get(bedrock)?.describe() ?? [])],
    // Where it differs from AWS, said where the APIs are: the key's signature is not checked.
    serves: CALLING_MODELS.has(bedrock)
      ? [
          `  OpenAI-compatible APIs (Chat Completions, Responses): ${url}/openai/v1 with a Bedrock API key (any well-formed key, unless --verify-signatures) or SigV4`,
        ]
      : [],
  }),
};
