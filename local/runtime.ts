import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { httpApiDefinitions } from './apigateway/definitions.js';
import { HttpApiService, type HttpApiUrl } from './apigateway/http-api-service.js';
import { restApiDefinitions } from './apigateway/rest-api-definitions.js';
import { RestApiService } from './apigateway/rest-api-service.js';
import { parseArn } from './arn.js';
import type { AwsError } from './aws-error.js';
import { type Clock, systemClock } from './clock.js';
import { ConsoleSite } from './console/console-site.js';
import { DynamoDbHost } from './dynamodb/dynamodb-host.js';
import { StreamStore } from './dynamodb/streams/stream-store.js';
import { StreamsService } from './dynamodb/streams/streams-service.js';
import { TimeToLiveSweeper } from './dynamodb/time-to-live.js';
import { type Credentials, EndpointGuard } from './endpoint/guard.js';
import { Endpoint } from './endpoint/server.js';
import { modelValidator } from './endpoint/validation/validator.js';
import { EventsService } from './events/events-service.js';
import { kmsDefinitions } from './kms/definitions.js';
import { KmsService } from './kms/kms-service.js';
import { type DestinationSender, ServiceDestinations } from './lambda/destinations.js';
import { LambdaService } from './lambda/lambda-service.js';
import { logGroupDefinitions } from './logs/definitions.js';
import { validateLogsInput } from './logs/input-validation.js';
import { LogsService } from './logs/logs-service.js';
import { pipeDefinitions } from './pipes/definitions.js';
import { PipesService } from './pipes/pipes-service.js';
import { type LogEventsSource, logReaderFrom } from './read-api/lineage.js';
import { ReadApi } from './read-api/read-api.js';
import type { Retention } from './read-api/records.js';
import { type LoadedState, type ReloadServices, type ReloadSummary, reloadServices } from './reload.js';
import { bucketDefinitions } from './s3/definitions.js';
import { S3RestProtocol } from './s3/rest-protocol.js';
import { S3Service } from './s3/s3-service.js';
import { schedulerDefinitions } from './scheduler/definitions.js';
import { SchedulerApi } from './scheduler/scheduler-api.js';
import { SchedulerService } from './scheduler/scheduler-service.js';
import { secretDefinitions } from './secretsmanager/definitions.js';
import { SecretsManagerService } from './secretsmanager/secrets-service.js';
import { type ServiceDefinitions, SUPPORTED_RESOURCE_TYPES, serviceDefinitions } from './service-definitions.js';
import { snsDefinitions } from './sns/definitions.js';
import { SnsQueryProtocol } from './sns/query-protocol.js';
import { SnsService } from './sns/sns-service.js';
import { validateSqsJsonInput } from './sqs/input-validation.js';
import { SqsQueryProtocol } from './sqs/query-protocol.js';
import { queryErrorHeader, SqsError } from './sqs/sqs-errors.js';
import { SqsService } from './sqs/sqs-service.js';
import { ssmParameterDefinitions } from './ssm/definitions.js';
import { SsmService } from './ssm/ssm-service.js';
import { StatesService } from './states/states-service.js';
import { sdkDynamoDb } from './states/task-runner.js';
import { DataFolder } from './store/data-folder.js';
import { DataFolderLock } from './store/data-folder-lock.js';
import { LocalTargetDelivery } from './target-delivery.js';
import { type LoadAppOptions, loadApp } from './template/load.js';

export interface RuntimeOptions {
  /** The cloud assembly folder. */
  readonly cdkOut: string;
  /** Where all state lives; it survives restarts. */
  readonly dataDir: string;
  /** @default 4566; 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Host names the endpoint answers besides loopback ones (and the address it listens on). */
  readonly allowHosts?: readonly string[];
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
   * Print a line for every event a bus accepts.
   * @default true
   */
  readonly logEvents?: boolean;
  readonly clock?: Clock;
  /** How much of the buses' events (and their lineage) the read API keeps. @default the newest 10,000 events, none older than 24 hours */
  readonly eventRecords?: Retention;
  /** The first retry of a failed pipe batch waits this long, doubling up to a minute. @default 1000 */
  readonly pipesRetryBaseMs?: number;
}

/**
 * The app's template running on this machine: the services the template declares,
 * behind one AWS-compatible endpoint, with their state in one data folder.
 */
export class LocalRuntime {
  /** The HTTP APIs' local URLs, by API and stage (API Gateway's `https://<api-id>.execute-api...` stands in for these). */
  httpApiUrls: readonly HttpApiUrl[] = [];
  /** The template's S3 buckets, for the start-up report. */
  buckets: readonly { readonly name: string; readonly eventBridge: boolean }[] = [];
  /** DynamoDB Streams: the records of the tables' streams, and their API. */
  dynamodbStreams!: StreamsService;
  /** The time-to-live sweep (tests call `sweep()` after moving a manual clock). */
  timeToLive!: TimeToLiveSweeper;
  /** EventBridge Pipes with DynamoDB stream sources. */
  pipes!: PipesService;
  /** What `reload` applies a new assembly to, and the app it replaces. */
  #reload!: { services: ReloadServices; loaded: LoadedState };
  /** The reload running now: reloads run one after another. */
  #reloading: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly url: string,
    // Not readonly: a reload (`switchyard dev`) replaces it with the new template's.
    public definitions: ServiceDefinitions,
    readonly warnings: readonly string[],
    readonly events: EventsService,
    readonly sqs: SqsService,
    readonly lambda: LambdaService,
    readonly states: StatesService,
    readonly sns: SnsService,
    readonly logs: LogsService,
    readonly scheduler: SchedulerService,
    private readonly endpoint: Endpoint,
    readonly readApi: ReadApi,
    private readonly closeStores: () => Promise<void>,
  ) {}

  static async start(options: RuntimeOptions): Promise<LocalRuntime> {
    const log = options.log ?? ((line: string) => console.log(line));
    const accountId = options.accountId ?? '000000000000';
    const region = options.region ?? 'us-east-1';
    const clock = options.clock ?? systemClock;

    // One runtime per data folder, refused before anything listens or opens a store.
    const data = new DataFolder(options.dataDir);
    const lock = DataFolderLock.acquire(data.root);
    const guard = new EndpointGuard({
      bindAddress: options.host,
      allowHosts: options.allowHosts,
      credentials: options.verifySignatures?.credentials,
    });
    // With signatures checked, the runtime's own clients and functions sign with a configured key.
    const ownCredentials = options.verifySignatures?.credentials[0] ?? { accessKeyId: 'local', secretAccessKey: 'local' };
    const endpoint = new Endpoint({ port: options.port ?? 4566, host: options.host, guard });
    const url = await endpoint.start().catch((error: unknown) => {
      lock.release();
      throw error;
    });
    lock.listening(url);
    try {
      // SSM first: template parameters of type AWS::SSM::Parameter::Value<...> read its store while loading.
      const ssmDb = data.database('ssm');
      const ssm = new SsmService({ db: ssmDb, clock, accountId, region });
      const loadOptions: Omit<LoadAppOptions, 'cdkOut'> = {
        baseUrl: url,
        accountId,
        region,
        supportedTypes: SUPPORTED_RESOURCE_TYPES,
        ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
        ssmParameter: (name) => ssm.valueOf(name),
      };
      const app = loadApp({ ...loadOptions, cdkOut: options.cdkOut });
      const definitions = serviceDefinitions(app);
      const snsTemplate = snsDefinitions(app);
      const warnings = [...app.warnings, ...definitions.warnings, ...snsTemplate.warnings];
      warnings.push(...ssm.declare(ssmParameterDefinitions(app)));

      const sqsDb = data.database('sqs');
      const eventsDb = data.database('events');
      const statesDb = data.database('states');
      const kmsDb = data.database('kms');
      const kms = new KmsService({ db: kmsDb, clock, accountId, region, ...kmsDefinitions(app) });
      const lambdaDb = data.database('lambda');
      const snsDb = data.database('sns');
      const logsDb = data.database('logs');
      const logs = new LogsService({ db: logsDb, clock, accountId, region });
      const secretsDb = data.database('secretsmanager');
      const secretsTemplate = secretDefinitions(app);
      const secretsManager = new SecretsManagerService({ db: secretsDb, clock, accountId, region });
      warnings.push(...secretsTemplate.warnings, ...secretsManager.declare(secretsTemplate.secrets));
      const logsTemplate = logGroupDefinitions(app);
      warnings.push(...logsTemplate.warnings);
      logs.declare(logsTemplate.groups);
      // The read API (local/read-api/): every service tells it what happens; it answers under READ_API_PREFIX.
      const readApiDb = data.database('read-api');
      // Rule targets' and functions' (asynchronous invocation) dead-letter queues; queues' redrive targets SQS knows.
      const ruleDeadLetterQueues = new Set([
        ...definitions.rules.flatMap((rule) => rule.targets.flatMap((t) => t.deadLetterArn ?? [])),
        ...definitions.functions.flatMap((fn) => fn.asyncConfig?.deadLetterArn ?? []),
      ]);
      const readApi = new ReadApi({
        db: readApiDb,
        // Accepted events are recorded in the bus's own transaction, so their records live in its database.
        eventsDb,
        retention: options.eventRecords,
        now: () => clock.now(),
        expressExecutions: () => states?.expressExecutions() ?? [],
        isDeadLetterQueue: (arn) => ruleDeadLetterQueues.has(arn) || sqs.isDeadLetterQueue(arn),
        logs: logReaderFrom(logs as unknown as LogEventsSource),
      });
      const sqs = new SqsService({ db: sqsDb, clock, baseUrl: url, accountId, region, onMessage: (note) => readApi.message(note) });
      const dynamodb = await DynamoDbHost.start({ folder: data.folder('dynamodb'), guard: guard.settings(Number(new URL(url).port)) });
      // Streams and time to live, which dynalite lacks: records are committed here before a write is acknowledged.
      const streamsDb = data.database('dynamodb-streams');
      const dynamodbStreams = new StreamsService(new StreamStore(streamsDb, clock, region, accountId), clock, (streams) =>
        dynamodb.setStreams(streams),
      );
      dynamodbStreams.declareTables(definitions.tables);
      dynamodb.serve((request) => dynamodbStreams.answer(request));
      const timeToLive = new TimeToLiveSweeper({
        store: dynamodbStreams.store,
        clock,
        url: dynamodb.url,
        region,
        credentials: ownCredentials,
        deleteToken: dynamodb.ttlDeleteToken,
        log: (line) => log(`[dynamodb] ${line}`),
      });

      const functionLog = (name: string, line: string) => log(`[${name}] ${line}`);
      const lambdaDestinations: DestinationSender = new ServiceDestinations({
        sqs,
        lambda: { invokeAsync: (fn: string, event: unknown): Promise<{ requestId: string }> => lambda.invokeAsync(fn, event) },
        events: { putServiceEvent: (bus, event) => (events as EventsService).putServiceEvent(bus, event) },
        sns: {
          publish: async (TopicArn, Message, attributes) => {
            await sns.Publish({ TopicArn, Message, ...(attributes ? { MessageAttributes: { ...attributes } } : {}) });
          },
        },
      });
      const lambda = new LambdaService({
        db: lambdaDb,
        clock,
        destinations: lambdaDestinations,
        functions: definitions.functions,
        sqsMappings: definitions.sqsMappings,
        sqs,
        region,
        accountId,
        log: functionLog,
        logs,
        onInvocation: (note) => readApi.invocation(note),
        baseEnvironment: {
          AWS_ENDPOINT_URL: url,
          AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
          AWS_REGION: region,
          AWS_DEFAULT_REGION: region,
          AWS_ACCESS_KEY_ID: ownCredentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: ownCredentials.secretAccessKey,
          // X-Ray is not emulated; with tracing on, the SDK would look for a daemon and a trace header.
          POWERTOOLS_TRACE_ENABLED: 'false',
          AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
          TZ: 'UTC',
        },
      });
      const sns = new SnsService({
        db: snsDb,
        clock,
        accountId,
        region,
        baseUrl: url,
        topics: snsTemplate.topics,
        subscriptions: snsTemplate.subscriptions,
        sqs,
        lambda,
        log: (line) => log(`[sns] ${line}`),
      });
      let events: EventsService | undefined;
      let states: StatesService | undefined;
      const delivery = new LocalTargetDelivery({
        sqs,
        sns,
        lambda,
        states: { StartExecution: (input) => (states as StatesService).StartExecution(input) },
        forwardToBus: (busArn, event) => events?.forward(busArn, event),
        log: (line) => log(`[events] ${line}`),
      });
      events = new EventsService({
        db: eventsDb,
        clock,
        accountId,
        region,
        buses: definitions.buses,
        rules: definitions.rules,
        archives: definitions.archives,
        delivery,
        log: (line) => log(`[events] ${line}`),
        onEvent:
          options.logEvents === false
            ? undefined
            : (bus, event) =>
                log(
                  `[events] ${bus.name} <- ${event.source} ${event['detail-type']}${event['replay-name'] ? ` (replay ${event['replay-name']})` : ''} ${truncate(JSON.stringify(event.detail), 4000)}`,
                ),
        recordAccepted: (note) => readApi.recordAccepted(note),
        onAccepted: (note) => readApi.eventAccepted(note),
        onDelivery: (note) => readApi.delivery(note),
      });
      const schedulerDb = data.database('scheduler');
      const schedulerTemplate = schedulerDefinitions(app, { region, accountId, now: clock.now() });
      warnings.push(...schedulerTemplate.warnings);
      const s3Db = data.database('s3');
      const s3Template = bucketDefinitions(app);
      warnings.push(...s3Template.warnings);
      const s3 = new S3Service({
        db: s3Db,
        folder: data.folder('s3'),
        clock,
        accountId,
        region,
        events,
        log: (line) => log(`[s3] ${line}`),
      });
      const statesDynamoDb = sdkDynamoDb({ endpoint: url, region, credentials: ownCredentials });
      states = new StatesService({
        db: statesDb,
        clock,
        accountId,
        region,
        stateMachines: definitions.stateMachines,
        lambda,
        sqs,
        events,
        statusEvents: events,
        dynamodb: statesDynamoDb,
        sns,
        sdkServices: { ssm, sns },
        logs,
        log: (line) => log(`[states] ${line}`),
        onHistoryEvent: (execution, event) => readApi.historyEvent(execution, event),
      });
      const scheduler = new SchedulerService({
        db: schedulerDb,
        clock,
        accountId,
        region,
        schedules: schedulerTemplate.schedules,
        groups: schedulerTemplate.groups,
        targets: {
          events,
          sqs,
          sns,
          lambda: { invokeAsync: (fn: string, event: unknown) => lambda.invokeAsync(fn, event) },
          states: { StartExecution: (input) => (states as StatesService).StartExecution(input) },
        },
        log: (line) => log(`[scheduler] ${line}`),
      });

      const pipesTemplate = pipeDefinitions(app);
      warnings.push(...pipesTemplate.warnings);
      const pipesDb = data.database('pipes');
      const pipes = new PipesService({
        db: pipesDb,
        clock,
        pipes: pipesTemplate.pipes,
        source: {
          readAfter: (arn, after, limit) => dynamodbStreams.readAfter(arn, after, limit),
          latestPosition: (arn) => dynamodbStreams.store.latestPosition(arn),
          onRecords: (listener) => dynamodbStreams.store.onRecords(listener),
        },
        services: {
          lambda,
          events,
          sqs: { queueUrlOf: (arn) => sqs.queueUrl(parseArn(arn).resourceId), SendMessage: (input) => sqs.SendMessage(input) },
          states,
        },
        log: (line) => log(`[pipes] ${line}`),
        ...(options.pipesRetryBaseMs === undefined ? {} : { retryBaseMs: options.pipesRetryBaseMs }),
      });

      const httpApiTemplate = httpApiDefinitions(app);
      warnings.push(...httpApiTemplate.warnings);
      const restApiTemplate = restApiDefinitions(app);
      warnings.push(...restApiTemplate.warnings);
      const restApis = new RestApiService({ apis: restApiTemplate.apis, lambda, logs, clock, accountId, region });
      const httpApis = new HttpApiService({ apis: httpApiTemplate.apis, lambda, logs, clock, accountId, region, restApis });

      endpoint.mount({
        jsonServices: [
          { targetPrefix: 'AWSEvents', jsonVersion: '1.1', operations: events.operations, validate: modelValidator('events') },
          {
            targetPrefix: 'AWSStepFunctions',
            jsonVersion: '1.0',
            operations: states.operations,
            validate: modelValidator('stepfunctions'),
          },
          { targetPrefix: 'AmazonSSM', jsonVersion: '1.1', operations: ssm.operations, validate: modelValidator('ssm') },
          { targetPrefix: 'TrentService', jsonVersion: '1.1', operations: kms.operations, validate: modelValidator('kms') },
          { targetPrefix: 'Logs_20140328', jsonVersion: '1.1', operations: logs.operations, validate: validateLogsInput },
          { targetPrefix: 'secretsmanager', jsonVersion: '1.1', operations: secretsManager.operations },
          { targetPrefix: 'DynamoDBStreams_20120810', jsonVersion: '1.0', operations: dynamodbStreams.operations },
          {
            targetPrefix: 'AmazonSQS',
            jsonVersion: '1.0',
            errorNamespace: 'com.amazonaws.sqs',
            operations: sqsOperations(sqs),
            errorHeaders: (error: AwsError) => ({ 'x-amzn-query-error': queryErrorHeader(error) }),
            validate: validateSqsJsonInput,
          },
        ],
        restServices: [new S3RestProtocol(s3), lambda, new SchedulerApi(scheduler, { clock, region, accountId })],
        queryServices: [new SqsQueryProtocol(sqs), new SnsQueryProtocol(sns)],
        passthrough: new Map([['DynamoDB_20120810', dynamodb.handler]]),
        httpApis,
        console: new ConsoleSite(),
        onInternalError: (error) => log(`[endpoint] internal error: ${(error as Error).stack ?? String(error)}`),
        readApi: readApi.router,
      });

      for (const queue of definitions.queues) await ensureQueue(sqs, queue);
      await ensureTables(url, region, definitions.tables, ownCredentials);
      events.start();
      // After the bus starts: creates the template's buckets and publishes notifications a crash left behind.
      s3.declare(s3Template.buckets);
      await lambda.start();
      await states.start();
      sns.start();
      logs.start();
      scheduler.start();
      timeToLive.start();
      pipes.start();

      warnings.push(...states.warnings);
      const runtime = new LocalRuntime(
        url,
        definitions,
        warnings,
        events,
        sqs,
        lambda,
        states,
        sns,
        logs,
        scheduler,
        endpoint,
        readApi,
        async () => {
          readApiDb.close();
          sqsDb.close();
          snsDb.close();
          eventsDb.close();
          statesDb.close();
          ssmDb.close();
          kmsDb.close();
          lambdaDb.close();
          logsDb.close();
          secretsDb.close();
          await timeToLive.stop();
          streamsDb.close();
          pipesDb.close();
          schedulerDb.close();
          s3Db.close();
          statesDynamoDb.destroy();
          await dynamodb.stop();
          lock.release();
        },
      );
      runtime.httpApiUrls = httpApis.urls(url);
      runtime.buckets = s3Template.buckets;
      runtime.dynamodbStreams = dynamodbStreams;
      runtime.timeToLive = timeToLive;
      runtime.pipes = pipes;
      runtime.#reload = {
        loaded: { app, definitions },
        services: {
          load: (cdkOut) => {
            const next = loadApp({ ...loadOptions, cdkOut });
            return { app: next, definitions: serviceDefinitions(next) };
          },
          lambda,
          events,
          states,
          ensureQueue: (queue) => ensureQueue(sqs, queue),
          ensureTables: async (tables) => {
            await ensureTables(url, region, tables, ownCredentials);
            dynamodbStreams.declareTables(tables);
          },
          deadLetterQueues: ruleDeadLetterQueues,
        },
      };
      return runtime;
    } catch (error) {
      await endpoint.stop();
      lock.release();
      throw error;
    }
  }

  /**
   * Runs a newly synthesized assembly of the same app without a restart (`switchyard dev`):
   * changed functions run their new code from their next invocation, rules and state machines
   * take their new definitions, new queues and tables are created; no message, execution or
   * item is lost (local/reload.ts). Rejects, changing nothing, when the assembly does not load.
   */
  reload(cdkOut: string): Promise<ReloadSummary> {
    const { services, loaded } = this.#reload;
    const next = this.#reloading.then(async () => {
      const summary = await reloadServices(services, loaded, cdkOut);
      this.definitions = loaded.definitions;
      return summary;
    });
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  /** Start-up lines: whom the endpoint answers and whether it checks signatures. */
  trustLines(): string[] {
    return this.endpoint.trust(this.url);
  }

  async stop(): Promise<void> {
    // Pipes finish the batch in flight (and commit its position) while its target still runs.
    await this.pipes.stop();
    // Executions first: with Lambda gone, an invocation in flight would be recorded as a task failure.
    await this.states.close();
    await this.scheduler.stop();
    this.events.stop();
    this.sns.stop();
    await this.lambda.stop();
    this.logs.stop();
    this.sqs.close();
    this.readApi.close();
    await this.endpoint.stop();
    await this.closeStores();
  }
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length)}...`;
}

/** The SqsService's API operations by name, for the endpoint. */
function sqsOperations(sqs: SqsService): Record<string, (input: never) => Promise<unknown>> {
  const api = sqs as unknown as Record<string, (input: never) => Promise<unknown>>;
  const names = Object.getOwnPropertyNames(SqsService.prototype).filter((name) => /^[A-Z]/.test(name));
  return Object.fromEntries(
    names.map((name) => [name, (input: never) => (api[name] as (input: never) => Promise<unknown>).call(sqs, input)]),
  );
}

/** Creates a queue from the template, or brings an existing one's attributes up to date after a template change. */
async function ensureQueue(sqs: SqsService, queue: { name: string; attributes: Record<string, string> }): Promise<void> {
  try {
    await sqs.CreateQueue({ QueueName: queue.name, Attributes: queue.attributes });
  } catch (error) {
    if (!(error instanceof SqsError) || error.code !== 'QueueNameExists') throw error;
    const { FifoQueue: _fifo, ...settable } = queue.attributes;
    await sqs.SetQueueAttributes({ QueueUrl: sqs.queueUrl(queue.name), Attributes: settable });
  }
}

/** Creates the template's tables that the data folder does not have yet. */
async function ensureTables(url: string, region: string, tables: ServiceDefinitions['tables'], credentials: Credentials): Promise<void> {
  if (tables.length === 0) return;
  const client = new DynamoDBClient({ endpoint: url, region, credentials });
  try {
    for (const table of tables) {
      try {
        await client.send(new DescribeTableCommand({ TableName: table.name }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
        await client.send(new CreateTableCommand(table.definition as never));
      }
    }
  } finally {
    client.destroy();
  }
}
