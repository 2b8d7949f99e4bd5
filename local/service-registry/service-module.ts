import type { DatabaseSync } from 'node:sqlite';
import type { Credentials, EndpointGuard } from '../endpoint/guard.js';
import type { EndpointServices, PathHandler } from '../endpoint/server.js';
import type { ApiModels, ModelService } from '../endpoint/validation/model.js';
import type { ServiceIam } from '../iam/authorizations.js';
import type { ResourcePolicySource, ResourcePolicySources } from '../iam/resource-policies.js';
import type { ReadRecords } from '../read-api/read-api.js';
import type { Retention } from '../read-api/records.js';
import type { ServiceReads } from '../read-api/routes.js';
import type { DataFolderKind } from '../store/data-folder.js';
import type { LoadedApp } from '../template/load.js';
import type { ResourceTypes, TemplateTypes } from '../template/resource-spec.js';
import type { Clock } from '../time/clock.js';
import type { ResourcesOfType, ServiceDefinitions, SharedDefinitions } from './service-definitions.js';

/**
 * The running services by name. Each service's `module.ts` adds its own entry (TypeScript
 * merges the declarations), so a lookup by name is typed while adding a service touches
 * only its folder and the list in `modules.ts`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in each local/<service>/module.ts
export interface ServiceTypes {}

export type ServiceName = keyof ServiceTypes & string;

/** Finds a created service by name: at creation for the services a module needs, at any later time for the others. */
export interface ServiceLookup {
  get<N extends ServiceName>(name: N): ServiceTypes[N];
}

/**
 * The options of single services. Each module that has one adds its field here (declaration
 * merging, as for ServiceTypes), with its type and documentation, and its service reads it from
 * `settings.options`; the ones a person sets on the command line it declares in `options` too.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in each local/<service>/module.ts
export interface ServiceOptions {}

/** The runtime's options: its own below, and each service's (ServiceOptions). */
export interface RuntimeOptions extends ServiceOptions {
  /**
   * The services to run, each its module. @default SERVICE_MODULES (local/service-registry/modules.ts);
   * a test may run one of its own beside them.
   */
  readonly modules?: readonly RegisteredModule[];
  /** The cloud assembly folder. */
  readonly cdkOut: string;
  /** Where all state lives; it survives restarts. */
  readonly dataDir: string;
  /**
   * `disposable` for a data folder removed when the runtime stops (a test's): its databases
   * skip the disk syncs that guard against power loss; a process crash loses nothing either way.
   * @default 'kept'
   */
  readonly dataFolderKind?: DataFolderKind;
  /** @default 4566; 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Host names the endpoint answers besides loopback ones (and the address it listens on). */
  readonly allowHosts?: readonly string[];
  /**
   * An MCP server at /mcp of the endpoint, made once the runtime's URL is known (`switchyard
   * dev` brings its own, cli/mcp/http.ts: the runtime imports nothing of the CLI). @default none
   */
  readonly mcp?: (url: string) => PathHandler;
  /**
   * An interactive runtime (`switchyard dev`, `npm start`): the services whose warm-up works off
   * the runtime's thread (`warmsEarly`: a function's init on its own worker) begin it as soon as
   * the endpoint serves, before the services start, so that the first event finds its
   * function's environment under way; LocalRuntime.warm does the rest. @default false (tests)
   */
  readonly warm?: boolean;
  /**
   * Verify every request's SigV4 signature against these credentials (the first is given
   * to local functions). @default - signatures are not checked
   */
  readonly verifySignatures?: { readonly credentials: readonly Credentials[] };
  /** @default '000000000000' */
  readonly accountId?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Template parameter values (`Name` or `Stack:Name`), as `cdk deploy --parameters` takes them. @default - each parameter's Default */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Console output; every line of a function's logs comes prefixed with its name. @default console.log */
  readonly log?: (line: string) => void;
  /**
   * Print a line for every event a bus accepts: with its whole detail (true), or a line a
   * terminal shows whole, an event forwarded from bus to bus printed once ('summary', what
   * `switchyard dev` and `npm start` print).
   * @default true
   */
  readonly logEvents?: boolean | 'summary';
  readonly clock?: Clock;
  /** How much of the buses' events (and their lineage) the read API keeps. @default the newest 10,000 events, none older than 24 hours */
  readonly eventRecords?: Retention;
}

/**
 * A service's option that `switchyard dev` and `npm start` take on the command line, else from
 * an environment variable: its module declares it (`options`), the launcher (local/launcher.ts)
 * parses it into the module's field of ServiceOptions and lists it in `--help`.
 */
export interface ServiceOption<K extends keyof ServiceOptions = keyof ServiceOptions> {
  /** Its field of ServiceOptions, which the module declares with its type. */
  readonly name: K;
  /** The command-line option, without its `--` (`ses-sandbox`). */
  readonly flag: string;
  /** The environment variable the launcher reads when the command line does not give it. */
  readonly env: string;
  /** Its text when neither gives it; without one, the field is left unset (the service's own default holds). */
  readonly default?: string;
  /** Its lines of `--help`, as printed (`  --flag  what it does`). */
  readonly help: string;
  /**
   * The field's value from the text given; undefined leaves it unset.
   * @throws an error naming `where` (`--flag`) and the values it takes
   */
  parse(text: string, where: string): ServiceOptions[K] | undefined;
}

/** What every service is configured with: the runtime's options with their defaults applied, and where the endpoint listens. */
export interface RuntimeSettings {
  readonly options: RuntimeOptions;
  /** The endpoint's base URL (`http://127.0.0.1:<port>`). */
  readonly url: string;
  readonly accountId: string;
  readonly region: string;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  readonly guard: EndpointGuard;
  /** What the runtime's own clients and functions sign with (the configured key when signatures are checked). */
  readonly credentials: Credentials;
}

/**
 * What a module's `begin` is given: the runtime's settings, but for the assembly, which may
 * still be being synthesized when the endpoint listens.
 */
export type BeginSettings = Omit<RuntimeSettings, 'options'> & { readonly options: Omit<RuntimeOptions, 'cdkOut'> };

/** What a module gets to begin its service's work that needs no template with. */
export interface BeginContext {
  readonly settings: BeginSettings;
  /** One of the data folder's sub-folders the module declares. */
  folder(name: string): string;
}

/** What a module's `begin` began: given to its `create`, or abandoned when the start ends before the service is created. */
export interface Begun<B> {
  readonly value: B;
  /** Undoes it (stops a thread it started): called only when no `create` got it. */
  abandon(): Promise<void> | void;
}

/** What a module gets to create its service with. */
export interface ServiceContext {
  readonly settings: RuntimeSettings;
  readonly services: ServiceLookup;
  /** One of the databases the module declares, opened (created if needed) by the registry at the first call; the registry closes it. */
  database(name: string): DatabaseSync;
  /** Whether one of the databases the module declares is open or in the data folder already (a state kept by an earlier start). */
  hasDatabase(name: string): boolean;
  /** One of the data folder's sub-folders the module declares. */
  folder(name: string): string;
  /** Adds lines to the runtime's start-up warnings. */
  warn(lines: readonly string[]): void;
  /**
   * Puts what warnings say now in place of lines warned of before (the template loaded again
   * during the start, with custom resources' answers): each is said once, in its last form (a
   * line naming the functions of a runtime grew a function), where the first stood.
   */
  restate(before: readonly string[], now: readonly string[]): void;
  /** Every resource type the modules declare: how the loader names each, and which the runtime runs or knowingly accepts. */
  readonly templateTypes: TemplateTypes;
  /** Every AWS SDK client whose API the endpoint answers (what the modules declare). */
  readonly hostedClients: readonly SdkClient[];
  /** How IAM authorizes each service's requests, by action prefix (what the modules declare). */
  readonly iamServices: ReadonlyMap<string, ServiceIam>;
  /** How each resource type sets resource policies, by type (what the modules declare). */
  readonly resourcePolicies: ReadonlyMap<string, ResourcePolicySource>;
  /** What the modules contribute to `name` (for the module that `collects` it), each with its module's name and IAM declaration, in dependency order. */
  contributions<K extends ContributionName>(name: K): readonly Contribution<K>[];
  /** Every module's `records` (what the modules declare): how the read API records each kind of note. */
  readonly readRecords: readonly ReadRecords[];
  /** The definitions the modules share, read from an app (what the template module gives the others, at start and at each reload). */
  sharedDefinitions(app: LoadedApp): ServiceDefinitions;
  /**
   * Hands a newer app to the running services that reload (their `reload`, in dependency order),
   * as a reload of the assembly does: for a module whose start changes what the template resolves
   * to (the custom resources' answers). The caller replaces the template service's app after.
   */
  reloadServices(change: TemplateChange): Promise<Required<ServiceReload>>;
}

/** An AWS SDK client whose API a service answers on the endpoint. */
export interface SdkClient {
  /** The AWS SDK for JavaScript v3 package, e.g. `@aws-sdk/client-sqs`. */
  readonly package: string;
  /** The service's `serviceId` (the same in every AWS SDK's model), e.g. `SQS`. */
  readonly serviceId: string;
}

/** The API models the module of that name declares in `ApiModels` (Step Functions' `stepfunctions`, SES's `ses` and `sesv2`). */
export type ModelsOf<N extends string> = { [M in ModelService]: ApiModels[M] extends N ? M : never }[ModelService];

/**
 * An AWS API a service serves, as botocore's model of it (`local/endpoint/aws-models/<model>.json`,
 * which `refresh-models.ts` writes from the modules' declarations) describes it.
 */
export interface ServedApi {
  /**
   * botocore's name of the API (`sqs`, `stepfunctions`, `sesv2`): its model's folder there and
   * its file here. Its module declares it in `ApiModels`, which the model loader takes its names from.
   */
  readonly model: ModelService;
  /** The operations the service serves: the model file keeps their input shapes, which the endpoint validates requests against. */
  readonly operations: readonly string[];
  /**
   * Whether the endpoint speaks the API's protocol from its model (`endpoint/model-protocols/`):
   * its file then keeps each operation's output and errors too, and the other operations'
   * names and routes, so a request for one the service does not serve gets a clear answer.
   * @default false
   */
  readonly protocolFromModel?: true;
}

/** What a service serves on the endpoint; the registry puts every module's together for `Endpoint.mount`. */
export interface EndpointMounts {
  readonly json?: EndpointServices['jsonServices'];
  readonly rest?: NonNullable<EndpointServices['restServices']>;
  /**
   * REST services asked before the others: ones that choose their requests by signature
   * scope or Host (S3), whose path-style paths could look like another service's (a bucket
   * named `2015-03-31`).
   */
  readonly restFirst?: NonNullable<EndpointServices['restServices']>;
  readonly query?: NonNullable<EndpointServices['queryServices']>;
  readonly passthrough?: NonNullable<EndpointServices['passthrough']>;
  /** The app's HTTP front doors it serves (API Gateway's APIs, function URLs), asked in dependency order. */
  readonly httpApis?: EndpointServices['httpApis'];
  /** The read API's handler (its own module mounts it), which the registry gives every module's `reads`. */
  readonly readApi?: ReadApiMount;
  /** What the service adds to the read API (local/read-api/routes.ts): its routes, the lineage nodes it knows of, invocations' log lines. */
  readonly reads?: ServiceReads;
}

/** The read API as the endpoint serves it, and as the registry hands it what the modules mount for it. */
export interface ReadApiMount extends NonNullable<EndpointServices['readApi']> {
  mount(reads: readonly ServiceReads[]): void;
}

/** A newer synth of the same app, as a reload (`switchyard dev`) hands it to each running service. */
export interface TemplateChange {
  readonly app: LoadedApp;
  readonly definitions: ServiceDefinitions;
  /** The app the services run until this reload. */
  readonly before: { readonly app: LoadedApp; readonly definitions: ServiceDefinitions };
}

/** The resource types a module's service reloads in place. */
export interface ServiceReloads {
  readonly types: readonly string[];
  /**
   * Whether its reload applies a removal too (a policy removed grants nothing from then on);
   * otherwise a removed resource keeps running until a restart, and the reload says so.
   * @default false
   */
  readonly removals?: boolean;
  /**
   * And every type the modules declare as only a resource policy (`resourcePolicies` with
   * `policyOnly`): IAM's store, which reads every policy again at each reload.
   */
  readonly resourcePolicies?: true;
}

/** What a service made of a reload, for the lines `switchyard dev` prints. */
export interface ServiceReload {
  /** What runs differently from now on, a line each (`function X (code)`, `rule Y (new)`). */
  readonly reloaded: readonly string[];
  /** Changes of the types it reloads that it still leaves as they were (a table's key schema), a line each. */
  readonly notApplied?: readonly string[];
}

/**
 * A created service and its lifecycle. Creating does no work in the background: `start`
 * begins it once every service exists and the endpoint serves them; `stop` ends the work
 * (in reverse dependency order, while the endpoint still answers the functions in flight);
 * `close` releases what is left once the endpoint has stopped, before the registry closes
 * the module's databases.
 */
export interface RunningService<T> {
  readonly service: T;
  readonly mounts?: EndpointMounts;
  start?(): Promise<void> | void;
  /**
   * Applies a newer template of the app in place, keeping its state (messages, executions,
   * items): the changes to the module's `reloads` types. Services reload in dependency order.
   */
  reload?(change: TemplateChange): Promise<ServiceReload> | ServiceReload;
  /**
   * Does ahead what the app's first requests would otherwise wait for (a function's init
   * phase, a state machine's compile), without changing what they do. Called in the background
   * once the runtime has started and after each reload, by an interactive runtime only
   * (LocalRuntime.warm: `switchyard dev`, `npm start`); the services warm side by side. Each
   * step waits for `idle` first: the app's own work (an invocation, a batch) goes before it.
   */
  warm?(idle: () => Promise<void>): Promise<void> | void;
  /**
   * Whether `warm` starts as soon as the endpoint serves, before this and the other services
   * start (RuntimeOptions.warm): for a warm-up whose work runs off the runtime's thread, so that
   * it overlaps the rest of the start without delaying the report or a request. @default false
   */
  readonly warmsEarly?: boolean;
  stop?(): Promise<void> | void;
  close?(): Promise<void> | void;
}

/** What a module's `report` is given: where the endpoint listens, and the app's shared definitions. */
export interface ReportContext {
  readonly url: string;
  readonly accountId: string;
  readonly definitions: ServiceDefinitions;
}

/**
 * What a service says of itself in the start-up report: its module's `report` gives it
 * (startup-report.ts), so that the report reads no service by name.
 */
export interface ServiceReport {
  /** Counts of what it has, joining the line of the app's counts when above zero (`topics: 2`). */
  readonly counts?: Readonly<Record<string, number>>;
  /** Lines on what it runs and how, before the data folder's (the IAM mode, buckets, where model answers come from). */
  readonly lines?: readonly string[];
  /** Lines after the console's: where it serves and when it fires (a schedule's next firing, an API's URL, a pipe). */
  readonly serves?: readonly string[];
  /**
   * For an app with no event to suggest: what it has, listed (`  topics: ...`), and a command
   * to try; among the services' (an upload to a bucket that notifies 0.5, topics 1, queues 2, state machines 3, functions 4, an API's GET route or a GraphQL query 4.5, queues the app only writes results to and topics nothing subscribes to 5), the lowest rank's is suggested.
   */
  readonly tryIt?: {
    readonly listing?: string;
    readonly command?: string;
    /** A command other than the AWS CLI's (a curl of an API's route), printed as it is. */
    readonly shell?: string;
    readonly rank: number;
  };
}

/**
 * What modules contribute to another module's service, by the name of the module field that
 * carries it: the module that collects it (`collects`) adds the field to ServiceModule and
 * RegisteredModule, and its name and type here, by declaration merging (Step Functions'
 * `stepFunctions`, local/states/task-integrations.ts), so that this contract and the registry
 * name no service.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging by each module that collects
export interface Contributions {}

export type ContributionName = keyof Contributions & string;

/** One module's contribution, as the registry hands it to the module that collects it. */
export interface Contribution<K extends ContributionName> {
  /** The contributing module's name. */
  readonly name: string;
  /** Its IAM declaration: how its requests are authorized, and its AccessDenied answer. */
  readonly iam?: ServiceIam;
  readonly value: Contributions[K];
}

/** What a module declares whatever its service's type: the registry reads these as the module writes them. */
export interface ModuleDeclarations {
  /** The data folder's SQLite databases it keeps its state in (`<name>.sqlite`); a database two modules declare is closed after both. */
  readonly databases?: readonly string[];
  /** The data folder's sub-folders it keeps files in. */
  readonly folders?: readonly string[];
  /** The options a person gives its service on the command line or in the environment (its field of ServiceOptions holds each). */
  readonly options?: readonly ServiceOption[];
  /**
   * The CloudFormation resource types it declares (`local/<service>/resource-types.ts`): how
   * the loader names a resource of each and what its Ref and Fn::GetAtt return, and whether
   * the service runs it (or knowingly accepts it); the loader knows no others.
   */
  readonly resourceTypes?: ResourceTypes;
  /** The AWS SDK clients whose APIs it answers on the endpoint: the start-up report names a function whose code holds another. */
  readonly sdkClients?: readonly SdkClient[];
  /** How IAM authorizes its requests: its action prefix, each operation's actions and resources, its AccessDenied answer. */
  readonly iam?: ServiceIam;
  /** The resource policies its resource types set (queue policies, a key's KeyPolicy), by type: what IAM's store reads. */
  readonly resourcePolicies?: ResourcePolicySources;
  /**
   * What it collects from the other modules (a name of Contributions: Step Functions' module
   * collects `stepFunctions`, their integrations): the registry creates each module that
   * contributes some before it and stops it after, so that a task in flight still reaches the
   * service it calls, and hands it theirs (`contributions`). Each name by one module.
   */
  readonly collects?: ContributionName;
  /**
   * The resource types whose new and changed resources its service's `reload` applies while
   * the runtime runs (`switchyard dev`); a change to another type is reported as taking a
   * restart. Each type is reloaded by one module.
   */
  readonly reloads?: ServiceReloads;
  /**
   * Reads its part of the definitions services share (service-definitions.ts, where the
   * module declares the fields), from the template's resources by type: other services, the
   * start-up report and a reload read them from the template service. Its `warnings`, if
   * any, join the start-up warnings.
   */
  readonly shares?: (byType: ResourcesOfType) => SharedDefinitions;
  /**
   * How the read API records what its service tells it (its lineage nodes, event records, live
   * feed messages): given the read API's recorder once, the function for each kind of note the
   * module adds to ReadNotes; its service calls `readApi.record(kind, note)`. Each kind by one module.
   */
  readonly records?: ReadRecords;
}

/** One service of the local runtime, as the registry (registry.ts) runs it. */
export interface ServiceModule<N extends ServiceName = ServiceName, D = undefined, B = undefined> extends ModuleDeclarations {
  readonly name: N;
  /** The services it uses while it is created, stopped and closed: created and started before it, stopped after it. */
  readonly needs?: readonly ServiceName[];
  /**
   * The AWS APIs it serves, each with its operations (what the API models the endpoint
   * validates against keep): each one the module declares in `ApiModels` with its own name.
   */
  readonly apis?: readonly (ServedApi & { readonly model: ModelsOf<N> })[];
  /**
   * Checks the operations of every module that declares `iam` (IAM's module does): the
   * registry gives each protocol such a module mounts this check, run before each operation.
   * One module declares it.
   */
  checkOperation?(service: ServiceTypes[N], iam: ServiceIam, operation: string, input: unknown): Promise<void>;
  /**
   * Reads the service's part of the loaded template, once the template is loaded: what it
   * returns is given to `create`, and its `warnings`, if any, join the start-up warnings.
   */
  readonly definitions?: (app: LoadedApp, settings: RuntimeSettings) => D;
  /**
   * Begins what its service needs no template for (an engine's thread), as soon as the
   * endpoint listens: while the app may still be synthesized (`switchyard dev`'s first start).
   * What it began is given to `create` (its failure is `create`'s); if the start ends before the
   * service is created (a synthesis that failed, another service's failure), it is abandoned.
   */
  begin?(context: BeginContext): Promise<Begun<B>>;
  create(
    context: ServiceContext,
    definitions: D,
    /** What `begin` began (undefined without one). */
    begun: B,
  ): Promise<RunningService<ServiceTypes[N]>> | RunningService<ServiceTypes[N]>;
  /** What the start-up report says of it, once every service has started (its lines, counts, a command to try). */
  report?(service: ServiceTypes[N], context: ReportContext): Promise<ServiceReport> | ServiceReport;
}

/** A module as the registry sees it: any name, and a service of any type (a ServiceModule of any name is one). */
export interface RegisteredModule extends ModuleDeclarations {
  readonly name: string;
  readonly needs?: readonly string[];
  readonly apis?: readonly ServedApi[];
  checkOperation?(service: unknown, iam: ServiceIam, operation: string, input: unknown): Promise<void>;
  readonly definitions?: (app: LoadedApp, settings: RuntimeSettings) => unknown;
  begin?(context: BeginContext): Promise<Begun<unknown>>;
  /** `begun`: what its `begin` began (the registry gives it; none without a `begin`). */
  create(context: ServiceContext, definitions: unknown, begun?: unknown): Promise<RunningService<unknown>> | RunningService<unknown>;
  report?(service: unknown, context: ReportContext): Promise<ServiceReport> | ServiceReport;
}
