import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { LocalUrl, LocalUrlContext } from '../cloudformation/local-urls.js';
import { currentCaller } from '../iam/caller.js';
import { type IamCheck, sessionArn } from '../iam/iam-check.js';
import { untrustedRoleWarnings } from '../iam/module.js';
import { tryParseArn } from '../names/arn.js';
import { apiOperations } from '../service-registry/operation-table.js';
import type { ServiceDefinitions } from '../service-registry/service-definitions.js';
import type { ServiceLookup, ServiceModule } from '../service-registry/service-module.js';
import type { SqsService } from '../sqs/sqs-service.js';
import { appDeployRegions } from '../template/deploy-regions.js';
import type { LoadedResource } from '../template/load.js';
import { ServiceDestinations } from './async/destinations.js';
import { functionDefinitions } from './definitions.js';
import type { SqsMappingDefinition } from './event-source-mappings/sqs-event-source.js';
import { lambdaIam } from './iam-authorizations.js';
import { invocationObserver, recordInvocation } from './invocation-notes.js';
import { LAMBDA_API_TYPES } from './lambda-api.js';
import { LambdaService } from './lambda-service.js';
import { lambdaReads } from './read-routes.js';
import { LAMBDA_RESOURCE_POLICIES } from './resource-policies.js';
import { LAMBDA_RESOURCE_TYPES } from './resource-types.js';
import type { FunctionDefinition, InvocationNote } from './runtime/function-runtime.js';
import type { InvocationFaults } from './runtime/invocation-faults.js';
import { PublicLayers } from './runtime/public-layers/public-layers.js';
import { RuntimeSdk } from './runtime/runtime-sdk.js';
import { pythonReportLines } from './runtime/runtimes.js';
import { type RuntimeSdkOptions, sdkCacheSettings } from './runtime/sdk-cache.js';
import { codeScans, endpointBlindClientWarnings, unhostedClientWarnings } from './runtime/unhosted-clients.js';
import { functionReport, functionUrlLines } from './startup-lines.js';
import { lambdaStepFunctions } from './step-functions.js';
import type { FunctionUrlDefinition } from './urls/function-url-definitions.js';
import { FunctionUrls, type UrlAuthorization } from './urls/function-urls.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    lambda: LambdaService;
  }
  interface ServiceOptions {
    /**
     * Where the AWS SDK packages that functions import without bundling them (and that
     * switchyard-cli does not carry) are kept, and whether they are fetched from the npm
     * registry when missing (local/lambda/runtime/runtime-sdk.ts).
     * @default SWITCHYARD_SDK_CACHE, else the per-user cache folder; fetched unless SWITCHYARD_SDK_FETCH=off
     */
    readonly sdk?: RuntimeSdkOptions;
    /**
     * Failures to inject into functions' invocations (switchyard-cli/testing's faults). The
     * testing API gives the same object to each start of a test runtime, so a restart keeps them.
     */
    readonly faults?: InvocationFaults;
    /**
     * Code folders to run in place of the template's, each by the asset folder it replaces
     * (absolute paths): `switchyard dev` gives the handlers rebuilt since the last synthesis, read
     * once the assembly is there. Each such function starts on that code, its first environment
     * warmed on it, as though its code had been updated before its first invocation, and it is
     * listed as running code its template does not hold (LambdaService.updatedCode). @default none
     */
    readonly replacedCode?: () => ReadonlyMap<string, string>;
  }
}

/** Its notes to the read API (local/read-api/read-notes.ts). */
declare module '../read-api/read-notes.js' {
  interface ReadNotes {
    /** Lambda started or ended an invocation. */
    invocation: InvocationNote;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    lambda: 'lambda';
  }
}

declare module '../service-registry/service-definitions.js' {
  interface ServiceDefinitions {
    readonly functions: readonly FunctionDefinition[];
    readonly sqsMappings: readonly SqsMappingDefinition[];
    readonly functionUrls: readonly FunctionUrlDefinition[];
    /** The app's layers' folders by what a function's `Layers` names them with (its `Ref`, its version ARN). */
    readonly layerFolders: Readonly<Record<string, string>>;
    /** The functions a service invokes with its own event (an authorizer, an AppSync data source, a Firehose processor), by name: the start-up report suggests no invoke of them. */
    readonly invokedByServices: readonly string[];
  }
}

/** Lambda: the template's functions, run from their bundles; SQS event sources; asynchronous invocation with destinations. */
export const lambdaModule: ServiceModule<'lambda'> = {
  name: 'lambda',
  iam: lambdaIam,
  stepFunctions: lambdaStepFunctions,
  localUrls: functionLocalUrls,
  apis: [
    {
      model: 'lambda',
      // The operations it serves are the methods of its API's classes (LambdaApi, the control plane, layers, ...).
      operations: LAMBDA_API_TYPES.flatMap((type) => apiOperations(type)),
      protocolFromModel: true,
    },
  ],
  sdkClients: [{ package: '@aws-sdk/client-lambda', serviceId: 'Lambda' }],
  needs: ['template', 'iam', 'sqs', 'logs', 'readApi', 'traces', 'dynamodb', 'ec2'],
  databases: ['lambda'],
  // The code of the functions Lambda's API creates.
  folders: ['lambda'],
  // Versions and aliases are invoked as the function; permissions are IAM's (local/iam/policy-store.ts).
  resourceTypes: LAMBDA_RESOURCE_TYPES,
  resourcePolicies: LAMBDA_RESOURCE_POLICIES,
  // A function runs its new code from its next invocation; mappings take their new settings.
  reloads: {
    types: [
      'AWS::Lambda::Function',
      'AWS::Lambda::EventSourceMapping',
      'AWS::Lambda::EventInvokeConfig',
      'AWS::Lambda::LayerVersion',
      'AWS::Lambda::Version',
      'AWS::Lambda::Alias',
      'AWS::Lambda::Url',
    ],
  },
  shares: functionDefinitions,
  records: (recorder) => ({ invocation: (note) => recordInvocation(recorder, note) }),
  create({ settings, database, folder, services, hostedClients, warn }) {
    const { clock, url, region, accountId, credentials, log } = settings;
    const definitions = withReplacedCode(services.get('template').definitions, settings.options.replacedCode?.());
    // Each function's code is read once, for the SDK it needs and the clients it holds.
    const scanOf = codeScans();
    const sqs = services.get('sqs');
    const iam = services.get('iam');
    const sdk = new RuntimeSdk(settings.options.sdk, publicLayers(settings, iam, appDeployRegions(services.get('template').app)));
    const functionUrls = functionUrlsOf(settings, services, definitions.functionUrls);
    const lambda = new LambdaService({
      functionUrls,
      db: database('lambda'),
      folder: folder('lambda'),
      url,
      // S3 is created after Lambda (its notifications invoke functions): looked up when CreateFunction names an object.
      readS3: (Bucket, Key) => services.get('s3').s3.GetObject({ Bucket, Key }).body,
      // A function's VpcConfig names EC2's subnets and security groups.
      network: services.get('ec2'),
      clock,
      destinations: destinationsOf(services, sqs),
      functions: definitions.functions,
      layerFolders: definitions.layerFolders,
      sqsMappings: definitions.sqsMappings,
      sqs,
      region,
      accountId,
      log: (name: string, line: string) => log(`[${name}] ${line}`),
      logs: services.get('logs'),
      onInvocation: invocationObserver(services),
      ...(settings.options.faults ? { faults: settings.options.faults } : {}),
      sdk,
      // Each function signs with its execution role's session: the endpoint checks its calls against that role's grants.
      roleCredentials: (roleArn, functionName) => iam.principals.credentialsFor(roleArn, functionName),
      // New code (switchyard dev's rebuilt handler) may import an SDK package the old did not.
      prepareCode: (definition) => provideSdk(sdk, [definition], scanOf, log),
      // Lambda polls a queue as the function's role: it must receive, delete and read the queue's attributes (and decrypt).
      authorizeSource: queueSourceAuthorizer(sqs, iam),
      // AddPermission's statements on a function the API made are its policy for IAM, as the template's permissions are.
      onPolicyChange: (resourceArn, policy) => iam.setResourcePolicy(resourceArn, policy),
      baseEnvironment: baseEnvironment(url, services.get('dynamodb').host.url, region, credentials),
    });
    const reads = lambdaReads(settings, services, lambda);
    // Once: the start awaits it before any poller runs, and a warm-up begun before the start (warmsEarly) before the first init.
    const provide = once(() => sdk.provide(definitions.functions, scanOf, log));
    return {
      service: lambda,
      mounts: { rest: [lambda.protocol], httpApis: [functionUrls], reads },
      start: async () => {
        // Before any invocation: the SDK packages the functions leave to the runtime are fetched, or the report says why not.
        await provide();
        warn([...sdk.warnings(), ...endpointBlindClientWarnings(definitions.functions, scanOf)]);
        warn(unhostedClientWarnings(definitions.functions, hostedClients, scanOf, (fn) => sdk.unloadable(fn)));
        const roles = definitions.functions.map((fn) => ({ what: `function ${fn.name}`, roleArn: roleOf(fn) }));
        warn(await untrustedRoleWarnings(iam, 'lambda.amazonaws.com', roles));
        await lambda.start();
      },
      reload: async ({ definitions, before }) => {
        await provideSdk(sdk, definitions.functions, scanOf, log);
        const result = await lambda.reload(definitions.functions, definitions.sqsMappings);
        functionUrls.reload(definitions.functionUrls);
        return {
          reloaded: [
            ...result.changed.map((c) => `function ${c.name} (${c.what})`),
            ...result.added.map((name) => `function ${name} (new)`),
            ...result.mappings.map((uuid) => `event source mapping ${mappingLabel(definitions, before.definitions, uuid)}`),
          ],
        };
      },
      // A function's init runs on its own thread: begun as the endpoint serves, the first event finds it under way.
      warmsEarly: true,
      warm: async (idle) => {
        await provide();
        await lambda.prepare(idle, reachedFirst(services.get('template').definitions));
      },
      stop: async () => {
        await lambda.stop();
        await sdk.layers?.close();
      },
    };
  },
  // How functions get the AWS SDK, and each function whose init will fail on a package no Lambda runtime has; the durable functions; invoking one.
  report: (lambda, { url, definitions }) => {
    const report = functionReport(definitions.functions, url, definitions.invokedByServices, [
      ...(lambda.sdk?.report() ?? []),
      ...pythonReportLines(definitions.functions),
      ...updatedCodeLines(lambda, definitions),
      ...apiFunctionLines(lambda),
    ]);
    return { ...report, serves: [...(report.serves ?? []), ...functionUrlLines(lambda.functionUrls?.addresses(url) ?? [])] };
  },
};

/** Function URLs: a caller is let in as the URL's auth type and the function's resource policy say. */
function functionUrlsOf(
  settings: Parameters<ServiceModule<'lambda'>['create']>[0]['settings'],
  services: ServiceLookup,
  urls: readonly FunctionUrlDefinition[],
): FunctionUrls {
  const { clock, region, accountId, log } = settings;
  return new FunctionUrls({
    urls,
    // Looked up when requests come, once the Lambda service exists.
    invoke: (fn, event, options) => services.get('lambda').invoke(fn, event, options),
    authorize: urlAuthorizer(services.get('iam')),
    accountId,
    region,
    clock,
    log,
  });
}

/** The public layers' provider: their packages in the SDK's cache, the extension's calls signed as each function's role. */
function publicLayers(
  settings: Parameters<ServiceModule<'lambda'>['create']>[0]['settings'],
  iam: IamCheck,
  deployRegions: readonly string[],
): PublicLayers {
  const { root, fetch } = sdkCacheSettings(settings.options.sdk);
  return new PublicLayers({
    cacheRoot: root,
    fetch,
    npm: settings.options.sdk?.npm,
    endpoint: settings.url,
    region: settings.region,
    deployRegions,
    accountId: settings.accountId,
    roleCredentials: (roleArn, functionName) => iam.principals.credentialsFor(roleArn, functionName),
    log: (name, line) => settings.log(`[${name}] ${line}`),
  });
}

/** What every function's environment holds locally: the endpoints its SDK calls, the region, the runtime's credentials. */
function baseEnvironment(
  url: string,
  dynamodbUrl: string,
  region: string,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string },
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    // X-Ray is not emulated; with tracing on, the SDK would look for a daemon and a trace header.
    POWERTOOLS_TRACE_ENABLED: 'false',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    // As Lambda sets them for every runtime (its documented defined variables), under the function's own.
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    // The programs code runs are the machine's (Lambda's PATH names its image's folders: /var/lang/bin, /usr/bin, /opt/bin).
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  };
}

/** The SDK packages new code leaves to the runtime, fetched before it runs; what cannot be is printed as a difference from AWS. */
async function provideSdk(
  sdk: RuntimeSdk,
  functions: readonly FunctionDefinition[],
  scanOf: ReturnType<typeof codeScans>,
  log: (line: string) => void,
): Promise<void> {
  await sdk.provide(functions, scanOf, log);
  for (const line of sdk.warnings()) log(`[not as in AWS] ${line}`);
}

/** Functions running code their template does not hold yet (switchyard dev's rebuilt handlers): the fidelity claim names them. */
function updatedCodeLines(lambda: LambdaService, definitions: ServiceDefinitions): string[] {
  const updated = lambda.updatedCode(definitions.functions);
  if (updated.length === 0) return [];
  const names = updated.map((fn) => fn.name).join(', ');
  return [`  code newer than cdk.out: ${names} (rebuilt from the sources since the last synthesis, which the next one writes to cdk.out)`];
}

/** The functions and mappings Lambda's API made in an earlier run, back from the data folder (the app's counts are the template's). */
function apiFunctionLines(lambda: LambdaService): string[] {
  const names = lambda.apiFunctionNames;
  const mappings = lambda.apiMappingLabels;
  return [
    ...(names.length === 0 ? [] : [`  functions made through Lambda's API (kept in the data folder): ${names.join(', ')}`]),
    ...(mappings.length === 0
      ? []
      : [`  event source mappings made through Lambda's API (kept in the data folder): ${mappings.join('; ')}`]),
  ];
}

/** A mapping by the queue and function it joins (its UUID is the template's logical reference, not readable). */
function mappingLabel(next: ServiceDefinitions, before: ServiceDefinitions, uuid: string): string {
  const mapping = next.sqsMappings.find((m) => m.uuid === uuid) ?? before.sqsMappings.find((m) => m.uuid === uuid);
  if (mapping === undefined) return uuid;
  const queue = tryParseArn(mapping.queueArn)?.resourceId ?? mapping.queueArn;
  const state = next.sqsMappings.includes(mapping) ? (mapping.enabled ? '' : ', disabled') : ', removed';
  return `${queue} -> ${mapping.functionName}${state}`;
}

/** `make`'s promise, made at the first call and the same at every later one. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

/** The functions an event source invokes as the app's events arrive (queues' mappings, rules' targets): warmed first. */
function reachedFirst({ sqsMappings, rules }: ServiceDefinitions): string[] {
  const targets = rules
    .flatMap((rule) => rule.targets.map((target) => target.arn))
    .filter((arn) => tryParseArn(arn)?.resourceType === 'function');
  return [...sqsMappings.map((mapping) => mapping.functionName), ...targets];
}

/**
 * Whether a function's role may poll its queue, as CreateEventSourceMapping checks it: the
 * error AWS gives when it may not, else undefined.
 */
function queueSourceAuthorizer(
  sqs: SqsService,
  iam: IamCheck,
): (roleArn: string, queueArn: string, functionName: string) => Promise<string | undefined> {
  return async (roleArn, queueArn, functionName) => {
    // A queue that does not exist is the poller's to report.
    if (!sqs.hasQueue(queueArn)) return undefined;
    const QueueUrl = sqs.queueUrlFromArn(queueArn);
    const reads = ['ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes'].flatMap((operation) =>
      iam.authorizationsOf('sqs', operation, { QueueUrl }),
    );
    const refusal = await iam.authorize(
      { kind: 'role', roleArn, sessionName: functionName },
      reads,
      `event source mapping of ${functionName}`,
    );
    return (
      refusal &&
      `InvalidParameterValueException: The provided execution role does not have permissions to call ${refusal.request.action.replace(/^sqs:/, '')} on SQS (${refusal.message})`
    );
  };
}

/** A function's execution role as its template gives it (a resolved ARN), if it does. */
function roleOf(fn: ServiceDefinitions['functions'][number]): string | undefined {
  const role = fn.template?.Role;
  return typeof role === 'string' ? role : undefined;
}

/**
 * Where a function's asynchronous invocation records go: SQS, and EventBridge, SNS and Lambda
 * itself, which are created later (EventBridge and SNS deliver to Lambda): looked up when a record is sent.
 */
function destinationsOf(services: ServiceLookup, sqs: SqsService): ServiceDestinations {
  return new ServiceDestinations({
    sqs,
    lambda: { invokeAsync: (fn: string, event: unknown) => services.get('lambda').invokeAsync(fn, event) },
    events: { putServiceEvent: (bus, event) => services.get('events').putServiceEvent(bus, event) },
    s3: {
      putObject: (Bucket, Key, Body) => {
        services
          .get('s3')
          .s3.PutObject({ Bucket, Key, Body: Buffer.from(Body) }, { requestId: 'lambda-destination', sourceIp: '127.0.0.1' });
      },
    },
    sns: {
      publish: async (TopicArn, Message, attributes) => {
        await services.get('sns').Publish({ TopicArn, Message, ...(attributes ? { MessageAttributes: { ...attributes } } : {}) });
      },
    },
  });
}

/**
 * The template's definitions with each code folder `replaced` names run in place of the function's
 * asset folder: the functions as they start (dev's rebuilt handlers from the beginning, no switch after the start).
 */
function withReplacedCode(template: ServiceDefinitions, replaced: ReadonlyMap<string, string> | undefined): ServiceDefinitions {
  if (replaced === undefined || replaced.size === 0) return template;
  const functions = template.functions.map((fn) => {
    const codePath = replaced.get(path.resolve(fn.codePath));
    return codePath === undefined ? fn : { ...fn, codePath };
  });
  return { ...template, functions };
}

/**
 * Who may call a function URL, as Lambda decides it: `lambda:InvokeFunctionUrl` and (for URLs
 * created since October 2025, as every local one is) `lambda:InvokeFunction`, with
 * `lambda:FunctionUrlAuthType` and `lambda:InvokedViaFunctionUrl` in the request context. A
 * NONE URL's caller is anonymous: only a statement of the function's policy naming `*`
 * allows it. An AWS_IAM URL's caller is whoever signed: an unsigned request is refused
 * whatever IAM's mode, as Lambda authenticates before it authorizes.
 */
function urlAuthorizer(iam: IamCheck): (url: FunctionUrlDefinition) => Promise<UrlAuthorization> {
  return async (url) => {
    const accessKeyId = currentCaller()?.accessKeyId;
    if (url.authType === 'AWS_IAM' && accessKeyId === undefined) {
      return { refused: 'the URL is of auth type AWS_IAM and the request is not signed with SigV4' };
    }
    const principal = url.authType === 'NONE' ? ({ kind: 'anonymous' } as const) : iam.principals.principalOf(accessKeyId);
    const context = { 'lambda:FunctionUrlAuthType': url.authType, 'lambda:InvokedViaFunctionUrl': 'true' };
    const refusal = await iam.authorize(
      principal,
      ['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction'].map((action) => ({ action, resource: url.functionArn, context })),
      `function URL ${url.urlId}`,
    );
    if (refusal) return { refused: refusal.message };
    if (url.authType === 'NONE' || accessKeyId === undefined) return {};
    return { iam: callerIdentity(principal, accessKeyId, url.functionArn.split(':')[4] ?? '') };
  };
}

/** `requestContext.authorizer.iam` of an AWS_IAM URL's event: the signer, a role's session or the account's administrator. */
function callerIdentity(principal: ReturnType<IamCheck['principals']['principalOf']>, accessKey: string, accountId: string) {
  if (principal.kind !== 'role') {
    const root = { accessKey, accountId, callerId: accountId, cognitoIdentity: null, principalOrgId: null };
    return { ...root, userArn: `arn:aws:iam::${accountId}:root`, userId: accountId };
  }
  const roleAccount = principal.roleArn.split(':')[4] ?? accountId;
  // The role's unique id (AROA...) is not known from its ARN: a stand-in of the same form, stable per role.
  const userId = `AROA${createHash('sha256').update(principal.roleArn).digest('hex').slice(0, 17).toUpperCase()}:${principal.sessionName}`;
  return {
    accessKey,
    accountId: roleAccount,
    callerId: userId,
    cognitoIdentity: null,
    principalOrgId: null,
    userArn: sessionArn(principal.roleArn, principal.sessionName),
    userId,
  };
}

/**
 * The template's function URLs (`FunctionUrl`, `https://<url-id>.lambda-url.<region>.on.aws/`),
 * served path-style here: `/_aws/lambda-url/<url-id>/<path>`.
 */
function functionLocalUrls(resources: readonly LoadedResource[], { url }: LocalUrlContext): LocalUrl[] {
  return resources.flatMap((r) => {
    const aws =
      r.type === 'AWS::Lambda::Url' ? /^(https:\/\/([a-z0-9]+)\.lambda-url\.[^/]+)\/?$/.exec(r.attributes.FunctionUrl ?? '') : null;
    return aws === null ? [] : [{ aws: aws[1] as string, local: `${url}/_aws/lambda-url/${aws[2]}` }];
  });
}
