import { randomUUID } from 'node:crypto';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelRestJsonProtocol } from '../endpoint/model-protocols/rest-json-codec.js';
import type { JsonProtocolService } from '../endpoint/protocols.js';
import { loadModel } from '../endpoint/validation/model.js';
import { modelValidator } from '../endpoint/validation/validator.js';
import { serviceIam } from '../iam/authorizations.js';
import { currentCaller } from '../iam/caller.js';
import type { IamPrincipal } from '../iam/types.js';
import type { RegisteredModule, RunningService, ServiceContext, ServiceModule, ServiceOption } from '../service-registry/service-module.js';
import { backendLabel, type LeafBackend, parseLeafBackends } from './backends.js';
import type { LeafServiceDeclaration, LeafServiceName } from './declaration.js';
import { LeafService } from './engine.js';
import { LEAF_SERVICES } from './services.js';

/** The leaf services' backends, by service: what the base module reads from SWITCHYARD_AI_SERVICES. */
export interface LeafBackends {
  readonly backends: ReadonlyMap<string, LeafBackend>;
  /** The setting as given, for the report. */
  readonly setting?: string;
}

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    leafServices: LeafBackends;
    textract: LeafService;
    comprehend: LeafService;
    translate: LeafService;
    rekognition: LeafService;
    polly: LeafService;
    transcribe: LeafService;
    'bedrock-data-automation-runtime': LeafService;
  }
  interface ServiceOptions {
    /**
     * Where the leaf AI services' answers come from, as SWITCHYARD_AI_SERVICES takes it
     * (docs/local-runtime/ai-services.md). @default process.env.SWITCHYARD_AI_SERVICES, else 'simulated'
     */
    readonly aiServices?: string;
  }
}

/** The API models the leaf services serve (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    textract: 'textract';
    comprehend: 'comprehend';
    translate: 'translate';
    rekognition: 'rekognition';
    polly: 'polly';
    transcribe: 'transcribe';
    'bedrock-data-automation-runtime': 'bedrock-data-automation-runtime';
  }
}

/** `--ai-services`, else SWITCHYARD_AI_SERVICES: each leaf service's backend, checked when the runtime starts (LeafSettingsError). */
const AI_SERVICES_OPTION: ServiceOption<'aiServices'> = {
  name: 'aiServices',
  flag: 'ai-services',
  env: 'SWITCHYARD_AI_SERVICES',
  help: aiServicesHelp(LEAF_SERVICES),
  parse: (text) => (text === '' ? undefined : text),
};

/** The services whose operations include model calls: the ones a model backend may be given to. */
function withModelCalls(declarations: readonly LeafServiceDeclaration[]): string[] {
  return declarations.filter((d) => Object.values(d.operations).some((o) => o.modelCall)).map((d) => d.name);
}

/**
 * `--ai-services`' lines of `--help`, from the services' declarations: each by the name its
 * `<service>=` entry takes, so a service declared is a service the help names.
 */
export function aiServicesHelp(declarations: readonly LeafServiceDeclaration[]): string {
  const text =
    `where ${listed(declarations.map((d) => d.name))} answer from: [<service>=]simulated (default), fixtures:<file>, ` +
    `and for ${listed(withModelCalls(declarations))} a model backend (openai:<base url>); default SWITCHYARD_AI_SERVICES ` +
    '(docs/local-runtime/ai-services.md)';
  // Indented and about as wide as the other options' help.
  const lines: string[] = [];
  // A space inside <...> does not break: `<base url>` is one placeholder.
  for (const word of text.split(/ (?![^<]*>)/)) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= 80) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return ['  --ai-services', ...lines.map((line) => `${' '.repeat(14)}${line}`)].join('\n');
}

/** `a, b and c`. */
function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The backends of the leaf services, one setting for all of them (each service's module reads its own). */
export const leafServicesModule: ServiceModule<'leafServices'> = {
  name: 'leafServices',
  options: [AI_SERVICES_OPTION],
  create({ settings }) {
    const setting = settings.options.aiServices ?? process.env[AI_SERVICES_OPTION.env];
    const names = LEAF_SERVICES.map((d) => d.name);
    const modelCalls = new Set(withModelCalls(LEAF_SERVICES));
    return { service: { backends: parseLeafBackends(setting, { names, modelCalls }), ...(setting ? { setting } : {}) } };
  },
  report: ({ backends }) => ({
    lines: [
      `  ai services (SWITCHYARD_AI_SERVICES): ${LEAF_SERVICES.map((d) => `${d.title} ${backendLabel(backends.get(d.name) ?? { kind: 'simulated' })}`).join('; ')}`,
    ],
  }),
};

/**
 * A leaf service's module, made from its declaration and its botocore model: its protocol
 * (JSON 1.1 by the model's X-Amz-Target prefix, or REST-JSON by its routes), validation
 * against the model, IAM (each operation `<name>:<Operation>` on `*`, or the resource the declaration names), its AWS SDK
 * integration for Step Functions (`aws-sdk:<name>:*`), its jobs' database.
 */
export function leafServiceModule(declaration: LeafServiceDeclaration): RegisteredModule {
  const { name, sdkClient } = declaration;
  const module: ServiceModule<LeafServiceName> = {
    name,
    needs: ['leafServices', 'iam', 's3', 'sns', 'events', 'template'],
    iam:
      declaration.iam ??
      serviceIam(name, {
        accessDenied: { code: 'AccessDeniedException', status: 400 },
        unscoped: Object.keys(declaration.operations).filter((operation) => declaration.iamResources?.[operation] === undefined),
        sameNamed: declaration.iamResources ?? {},
      }),
    ...(declaration.resourceTypes ? { resourceTypes: declaration.resourceTypes } : {}),
    apis: [{ model: name, operations: Object.keys(declaration.operations), protocolFromModel: true }],
    sdkClients: [{ package: sdkClient.package, serviceId: sdkClient.serviceId }],
    ...(declaration.jobs || declaration.stateful ? { databases: [name] } : {}),
    stepFunctions: {
      sdk: {
        [declaration.stepFunctionsName ?? name]: {
          name: declaration.title,
          wireCase: 'pascal',
          model: { package: sdkClient.package, baseException: sdkClient.baseException },
          apiModel: name,
          ...(declaration.timestamps ? { timestamps: new Set(declaration.timestamps) } : {}),
        },
      },
    },
    create: (context) => createLeafService(declaration, context),
  };
  return module as RegisteredModule;
}

/** A leaf service running: its engine over S3, SNS and IAM, mounted in its model's protocol. */
function createLeafService(
  declaration: LeafServiceDeclaration,
  { settings, services, database }: ServiceContext,
): RunningService<LeafService> {
  const { name } = declaration;
  const { clock, region, accountId, log } = settings;
  const backend = services.get('leafServices').backends.get(name) ?? { kind: 'simulated' };
  const iam = () => services.get('iam');
  const asPrincipal = async (principal: IamPrincipal, operation: string, input: Record<string, string>) => {
    const refusal = await iam().authorize(principal, iam().authorizationsOf('s3', operation, input), `${declaration.title}`);
    if (refusal) throw iam().accessDenied('s3', refusal);
  };
  const service = new LeafService(declaration, backend, {
    region,
    accountId,
    clock,
    ...(declaration.jobs || declaration.stateful ? { db: database(name) } : {}),
    caller: () => iam().principals.principalOf(currentCaller()?.accessKeyId),
    async readObject({ bucket, key }, principal) {
      // As the caller: AWS reads a document with the caller's permissions.
      await asPrincipal(principal, 'GetObject', { Bucket: bucket, Key: key });
      return services.get('s3').s3.GetObject({ Bucket: bucket, Key: key }).body;
    },
    async writeObject({ bucket, key }, body, contentType, principal) {
      if (principal) await asPrincipal(principal, 'PutObject', { Bucket: bucket, Key: key });
      services
        .get('s3')
        .s3.PutObject(
          { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
          { requestId: randomUUID(), sourceIp: '127.0.0.1' },
        );
    },
    resources: (type) => services.get('template').app.stacks.flatMap((stack) => stack.resources.filter((r) => r.type === type)),
    notify: {
      publish: async (topicArn, message) => {
        await services.get('sns').Publish({ TopicArn: topicArn, Message: message });
      },
      putEvent: (event) => services.get('events').putServiceEvent('default', event),
    },
    onError: (error) => log(`[${name}] ${error.message}`),
  });
  const model = loadModel(name);
  const validate = modelValidator(name);
  const json: JsonProtocolService[] =
    model.metadata.protocol === 'json'
      ? [
          {
            targetPrefix: model.metadata.targetPrefix as string,
            jsonVersion: ((model.metadata as { jsonVersion?: string }).jsonVersion ?? '1.1') as '1.0' | '1.1',
            operations: service.wireOperations(),
            validate,
          },
        ]
      : [];
  const rest =
    model.metadata.protocol === 'rest-json'
      ? [
          new ModelRestJsonProtocol(
            model,
            service.operations as ModelOperations,
            { serviceName: declaration.title, validate },
            {
              ...(declaration.restPaths ? { paths: declaration.restPaths } : {}),
            },
          ),
        ]
      : [];
  return {
    service,
    mounts: { json, rest },
    start: () => service.start(),
    stop: () => service.stop(),
  };
}

/** Every leaf service's module, after the one of their backends. */
export const LEAF_SERVICE_MODULES: readonly RegisteredModule[] = [
  leafServicesModule as RegisteredModule,
  ...LEAF_SERVICES.map(leafServiceModule),
];
