import type { IamCheck } from '../iam/iam-check.js';
import { iamModeOf } from '../iam/module.js';
import type { ServiceDefinitions } from '../service-registry/service-definitions.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { openDatabase } from '../store/data-folder.js';
import { type TableDefinition, tableDefinitions } from './definitions.js';
import { DynamoDbHost } from './dynamodb-host.js';
import { declareTableId } from './engine/table-catalog.js';
import { dynamodbIam } from './iam-authorizations.js';
import { DYNAMODB_TYPE_SPECS } from './resource-types.js';
import { type DynamoDbForTasks, dynamoDbStepFunctions, sdkDynamoDb } from './step-functions.js';
import { KinesisDelivery } from './streams/kinesis-delivery.js';
import { KINESIS_RECORDS, KinesisDestinations } from './streams/kinesis-destinations.js';
import { StreamStore } from './streams/stream-store.js';
import { StreamsService } from './streams/streams-service.js';
import { createMissingTables } from './template-tables.js';
import { TimeToLiveSweeper } from './time-to-live.js';

/** DynamoDB as the runtime runs it: the engine's thread, its tables' streams and time to live. */
export interface LocalDynamoDb {
  readonly host: DynamoDbHost;
  /** The records of the tables' streams, and their API. */
  readonly streams: StreamsService;
  /** Sends the tables' changes to their Kinesis data stream destinations. */
  readonly kinesisDelivery: KinesisDelivery;
  readonly timeToLive: TimeToLiveSweeper;
  /**
   * The runtime's own client of the engine's thread (DynamoDB's API on its loopback port, never
   * the endpoint): the template's tables are created and the flow-control report scans through it.
   */
  readonly engine: DynamoDbForTasks;
}

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    dynamodb: LocalDynamoDb;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    dynamodb: 'dynamodb';
  }
}

declare module '../service-registry/service-definitions.js' {
  interface ServiceDefinitions {
    readonly tables: readonly TableDefinition[];
  }
}

/** Whether the role session signing a request to the engine may make it: `{ denied }` with AWS's message when IAM refuses it. */
async function authorizeRequest(
  iam: IamCheck,
  request: { accessKeyId: string; operation: string; body: string },
): Promise<{ denied?: string; allowed?: boolean }> {
  const principal = iam.principals.principalOf(request.accessKeyId);
  if (principal.kind === 'admin') return {};
  let input: unknown;
  try {
    input = JSON.parse(request.body);
  } catch {
    // Not JSON: the engine answers it with DynamoDB's SerializationException, as AWS does before any authorization.
    return {};
  }
  const { refusal, allowed } = await iam.decideAll(
    principal,
    iam.authorizationsOf('dynamodb', request.operation, input),
    request.operation,
  );
  // Allowed by the policies: the engine's thread lets the same request through again without asking.
  return refusal ? { denied: refusal.message } : { allowed };
}

/**
 * Declares the template's tables' streams and Kinesis data stream destinations (kept by the
 * main thread in the engine's database), then tells the engine's thread of both.
 */
function templateDeclarations(destinations: KinesisDestinations, streams: StreamsService) {
  return (tables: ServiceDefinitions['tables']) => {
    for (const t of tables) {
      if (t.kinesisDestination) destinations.enable(t.name, t.kinesisDestination.streamArn, t.kinesisDestination.precision);
    }
    streams.declareTables(tables);
  };
}

/** DynamoDB: the engine (local/dynamodb/engine/) in a worker thread, its tables and their stream records in one SQLite database in the data folder. */
export const dynamoDbModule: ServiceModule<'dynamodb', undefined, DynamoDbHost> = {
  name: 'dynamodb',
  iam: dynamodbIam,
  stepFunctions: dynamoDbStepFunctions,
  apis: [
    {
      model: 'dynamodb',
      operations: [
        'CreateTable',
        'DeleteTable',
        'DescribeTable',
        'UpdateTable',
        'ListTables',
        'DescribeTimeToLive',
        'UpdateTimeToLive',
        'DescribeContinuousBackups',
        'EnableKinesisStreamingDestination',
        'DisableKinesisStreamingDestination',
        'DescribeKinesisStreamingDestination',
        'UpdateKinesisStreamingDestination',
        'DescribeLimits',
        'DescribeEndpoints',
        'TagResource',
        'UntagResource',
        'ListTagsOfResource',
        'PutItem',
        'GetItem',
        'UpdateItem',
        'DeleteItem',
        'Query',
        'Scan',
        'BatchGetItem',
        'BatchWriteItem',
        'TransactWriteItems',
        'TransactGetItems',
        'ExecuteStatement',
        'BatchExecuteStatement',
        'ExecuteTransaction',
      ],
    },
  ],
  sdkClients: [
    { package: '@aws-sdk/client-dynamodb', serviceId: 'DynamoDB' },
    { package: '@aws-sdk/client-dynamodb-streams', serviceId: 'DynamoDB Streams' },
  ],
  needs: ['template', 'iam', 'kinesis'],
  folders: ['dynamodb'],
  resourceTypes: DYNAMODB_TYPE_SPECS,
  // A new table is created; an existing one keeps its items and key schema, even after a restart.
  reloads: { types: Object.keys(DYNAMODB_TYPE_SPECS) },
  shares: tableDefinitions,
  // The engine's thread needs no template: it starts (its modules, its database) while the app is synthesized.
  async begin({ settings, folder }) {
    const { clock, region, accountId, url, guard } = settings;
    const host = await DynamoDbHost.start({
      folder: folder('dynamodb'),
      folderKind: settings.options.dataFolderKind,
      guard: guard.settings(Number(new URL(url).port)),
      // IAM's own mode (its module reads the same option).
      iam: iamModeOf(settings.options.iam) !== 'off',
      clock,
      region,
      accountId,
    });
    return { value: host, abandon: () => host.stop() };
  },
  async create({ settings, services }, _definitions, host) {
    const { clock, region, accountId, credentials, log } = settings;
    const { definitions } = services.get('template');
    const iam = services.get('iam');
    // The main thread's own connection to the engine's database: it reads the stream records and keeps the streams and time-to-live settings.
    const streamsDb = openDatabase(host.file as string, settings.options.dataFolderKind);
    const streams = new StreamsService(new StreamStore(streamsDb, clock, region, accountId), clock, () => host.streamsChanged());
    const kinesis = services.get('kinesis');
    const kinesisDelivery = new KinesisDelivery({
      db: streamsDb,
      clock,
      putRecord: (input) => kinesis.api.PutRecord(input),
      log: (line) => log(`[dynamodb] ${line}`),
    });
    const declare = templateDeclarations(new KinesisDestinations(streamsDb, clock, region), streams);
    declare(definitions.tables);
    host.serve((request) => authorizeRequest(iam, request));
    host.onRecordsCommitted((arns) => {
      for (const arn of arns) {
        if (arn === KINESIS_RECORDS) kinesisDelivery.wake();
        else streams.store.notify(arn);
      }
    });
    iam.onChange(() => host.forgetAuthorizations());
    const timeToLive = new TimeToLiveSweeper({
      store: streams.store,
      clock,
      url: host.url,
      region,
      credentials,
      deleteToken: host.ttlDeleteToken,
      log: (line) => log(`[dynamodb] ${line}`),
    });
    // The engine's only interface is DynamoDB's JSON protocol on its thread's port: the SDK is its client.
    const engine = sdkDynamoDb({ endpoint: host.url, region, credentials });
    // Creates the tables the data folder does not have yet (existing ones keep their items), and their streams.
    const declareId = (name: string, tableId: string) => declareTableId(streamsDb, name, tableId);
    const ensureTables = async (tables: ServiceDefinitions['tables']) => {
      await createMissingTables(engine, tables, declareId);
      declare(tables);
    };
    return {
      service: { host, streams, timeToLive, engine, kinesisDelivery },
      mounts: {
        json: [{ targetPrefix: 'DynamoDBStreams_20120810', jsonVersion: '1.0', operations: streams.operations }],
        passthrough: new Map([['DynamoDB_20120810', host.handler]]),
      },
      reload: async ({ definitions, before }) => {
        const existing = new Map(before.definitions.tables.map((t) => [t.name, t]));
        const added = definitions.tables.filter((t) => !existing.has(t.name));
        await ensureTables(added);
        const changed = definitions.tables.filter((t) => {
          const old = existing.get(t.name);
          return old !== undefined && JSON.stringify([old.definition, old.settings]) !== JSON.stringify([t.definition, t.settings]);
        });
        return {
          reloaded: added.map((t) => `table ${t.name} (new)`),
          notApplied: changed.map(
            (t) => `table ${t.name} changed: the local table keeps its items and key schema (a new table name starts afresh)`,
          ),
        };
      },
      start: async () => {
        // The streams see the tables created: the engine reports its commits whoever made them.
        await createMissingTables(engine, definitions.tables, declareId);
        timeToLive.start();
        kinesisDelivery.start();
      },
      // After the endpoint stops: nothing reaches the engine through it any more.
      close: async () => {
        await timeToLive.stop();
        engine.destroy();
        await kinesisDelivery.stop();
        await host.stop();
        streamsDb.close();
      },
    };
  },
};
