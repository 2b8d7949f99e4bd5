import type { HttpApiUrl } from './apigateway/http-api-service.js';
import type { BedrockService } from './bedrock/bedrock-service.js';
import { systemClock } from './clock.js';
import { ConsoleSite } from './console/console-site.js';
import type { StreamsService } from './dynamodb/streams/streams-service.js';
import type { TimeToLiveSweeper } from './dynamodb/time-to-live.js';
import { EndpointGuard } from './endpoint/guard.js';
import { Endpoint } from './endpoint/server.js';
import type { EventsService } from './events/events-service.js';
import type { IamCheck } from './iam/iam-check.js';
import type { LambdaService } from './lambda/lambda-service.js';
import type { LogsService } from './logs/logs-service.js';
import type { PipesService } from './pipes/pipes-service.js';
import type { ReadApi } from './read-api/read-api.js';
import { type ReloadSummary, type ReloadTarget, reloadServices } from './reload.js';
import type { SchedulerService } from './scheduler/scheduler-service.js';
import type { ServiceDefinitions } from './service-definitions.js';
import { SERVICE_MODULES } from './services/modules.js';
import { ServiceRegistry } from './services/registry.js';
import type { RuntimeOptions, RuntimeSettings } from './services/service-module.js';
import type { LocalSes } from './ses/module.js';
import type { SnsService } from './sns/sns-service.js';
import type { SqsService } from './sqs/sqs-service.js';
import type { StatesService } from './states/states-service.js';
import { DataFolder } from './store/data-folder.js';
import { DataFolderLock } from './store/data-folder-lock.js';

export type { RuntimeOptions } from './services/service-module.js';

/**
 * The app's template running on this machine: the services the template declares,
 * behind one AWS-compatible endpoint, with their state in one data folder. The services
 * and their order are their modules' (local/services/modules.ts); this holds them together.
 */
export class LocalRuntime {
  /** The HTTP APIs' local URLs, by API and stage (API Gateway's `https://<api-id>.execute-api...` stands in for these). */
  readonly httpApiUrls: readonly HttpApiUrl[];
  /** The template's S3 buckets, for the start-up report. */
  readonly buckets: readonly { readonly name: string; readonly eventBridge: boolean }[];
  /** DynamoDB Streams: the records of the tables' streams, and their API. */
  readonly dynamodbStreams: StreamsService;
  /** Where local functions reach DynamoDB (their AWS_ENDPOINT_URL_DYNAMODB): the engine's own port, with the same IAM check. */
  readonly dynamodbUrl: string;
  /** The time-to-live sweep (tests call `sweep()` after moving a manual clock). */
  readonly timeToLive: TimeToLiveSweeper;
  /** EventBridge Pipes with DynamoDB stream sources. */
  readonly pipes: PipesService;
  /** Bedrock Runtime: `describe()` says where model answers come from. */
  readonly bedrock: BedrockService;
  readonly events: EventsService;
  readonly sqs: SqsService;
  readonly lambda: LambdaService;
  readonly states: StatesService;
  readonly sns: SnsService;
  readonly logs: LogsService;
  readonly scheduler: SchedulerService;
  /** SES: identities, templates, configuration sets, and the local mailbox of the mail it sent. */
  readonly ses: LocalSes;
  readonly readApi: ReadApi;
  /** IAM: the mode, what AWS would refuse (findings) and what each role used. */
  readonly iam: IamCheck;
  /** The template's services' definitions. Not readonly: a reload (`switchyard dev`) replaces them with the new template's. */
  definitions: ServiceDefinitions;
  /** What `reload` applies a new assembly to: the services, and the app they run. */
  readonly #reload: ReloadTarget;
  /** The reload running now: reloads run one after another. */
  #reloading: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly url: string,
    readonly warnings: readonly string[],
    private readonly endpoint: Endpoint,
    private readonly services: ServiceRegistry,
    private readonly lock: DataFolderLock,
  ) {
    const get = services.services.get;
    const template = get('template');
    this.definitions = template.definitions;
    this.events = get('events');
    this.sqs = get('sqs');
    this.lambda = get('lambda');
    this.states = get('states');
    this.sns = get('sns');
    this.logs = get('logs');
    this.scheduler = get('scheduler');
    this.ses = get('ses');
    this.readApi = get('readApi');
    this.pipes = get('pipes');
    this.bedrock = get('bedrock');
    this.iam = get('iam');
    const dynamodb = get('dynamodb');
    this.dynamodbStreams = dynamodb.streams;
    this.dynamodbUrl = dynamodb.host.url;
    this.timeToLive = dynamodb.timeToLive;
    this.buckets = get('s3').buckets;
    this.httpApiUrls = get('apigateway').httpApis.urls(url);
    const runtime = this;
    this.#reload = {
      load: (cdkOut) => template.load(cdkOut),
      // The template service holds the app: a reload replaces it there, so that readers that look it up follow.
      get current() {
        return { app: template.app, definitions: template.definitions };
      },
      set current(next) {
        template.app = next.app;
        template.definitions = next.definitions;
        runtime.definitions = next.definitions;
      },
      reloadedTypes: ServiceRegistry.reloadedTypes(services.modules),
      reload: (change) => services.reload(change),
    };
  }

  static async start(options: RuntimeOptions): Promise<LocalRuntime> {
    const log = options.log ?? ((line: string) => console.log(line));
    // One runtime per data folder, refused before anything listens or opens a store.
    const data = new DataFolder(options.dataDir);
    const lock = DataFolderLock.acquire(data.root);
    const guard = new EndpointGuard({
      bindAddress: options.host,
      allowHosts: options.allowHosts,
      credentials: options.verifySignatures?.credentials,
    });
    const endpoint = new Endpoint({ port: options.port ?? 4566, host: options.host, guard });
    let services: ServiceRegistry;
    let url: string;
    try {
      services = new ServiceRegistry(SERVICE_MODULES, {
        data,
        endpoint: {
          mount: (mounts) =>
            endpoint.mount({
              jsonServices: mounts.json,
              restServices: mounts.rest,
              queryServices: mounts.query,
              passthrough: mounts.passthrough,
              httpApis: mounts.httpApis,
              readApi: mounts.readApi,
              console: new ConsoleSite(),
              onInternalError: (error) => log(`[endpoint] internal error: ${(error as Error).stack ?? String(error)}`),
            }),
          stop: () => endpoint.stop(),
        },
      });
      url = await endpoint.start();
    } catch (error) {
      lock.release();
      throw error;
    }
    lock.listening(url);
    const settings: RuntimeSettings = {
      options,
      url,
      accountId: options.accountId ?? '000000000000',
      region: options.region ?? 'us-east-1',
      clock: options.clock ?? systemClock,
      log,
      guard,
      // With signatures checked, the runtime's own clients and functions sign with a configured key.
      credentials: options.verifySignatures?.credentials[0] ?? { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    try {
      // On a failure the registry has stopped what it started, the endpoint and the databases with it.
      await services.start(settings);
    } catch (error) {
      lock.release();
      throw error;
    }
    return new LocalRuntime(url, services.warnings, endpoint, services, lock);
  }

  /**
   * Runs a newly synthesized assembly of the same app without a restart (`switchyard dev`):
   * changed functions run their new code from their next invocation, rules and state machines
   * take their new definitions, new queues and tables are created; no message, execution or
   * item is lost (local/reload.ts). Rejects, changing nothing, when the assembly does not load.
   */
  reload(cdkOut: string): Promise<ReloadSummary> {
    const next = this.#reloading.then(() => reloadServices(this.#reload, cdkOut));
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  /** Start-up lines: whom the endpoint answers and whether it checks signatures. */
  trustLines(): string[] {
    return this.endpoint.trust(this.url);
  }

  /**
   * Stops every service, each before the services it needs (pipes first, while their
   * targets still run; Step Functions before Lambda), then the endpoint, then closes the
   * databases; the data folder is free again once it resolves.
   */
  async stop(): Promise<void> {
    try {
      await this.services.stop();
    } finally {
      this.lock.release();
    }
  }
}
