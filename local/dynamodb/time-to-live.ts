import { DeleteItemCommand, DescribeTableCommand, DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../time/clock.js';
import type { StreamStore } from './streams/stream-store.js';

/** DynamoDB does not delete items whose TTL is more than five years in the past (a value in milliseconds or microseconds, most likely). */
const FIVE_YEARS_S = 5 * 365 * 24 * 60 * 60;

/**
 * DynamoDB time to live: items of a table with TTL enabled whose TTL attribute is a Number
 * of epoch seconds in the past are deleted by a background sweep, through the engine's port
 * like any write, so that a table with a stream gets their REMOVE records, marked as made by the
 * service (`userIdentity` `Service`/`dynamodb.amazonaws.com`). Each delete is conditional
 * on the TTL value it saw, so an item updated meanwhile is left alone.
 */
export class TimeToLiveSweeper {
  readonly #client: DynamoDBClient;
  #timer?: NodeJS.Timeout;
  #running?: Promise<number>;

  constructor(
    private readonly options: {
      readonly store: StreamStore;
      readonly clock: Clock;
      /** The engine thread's own URL (DynamoDbHost.url). */
      readonly url: string;
      readonly region: string;
      readonly credentials: { accessKeyId: string; secretAccessKey: string };
      /** DynamoDbHost.ttlDeleteToken: marks the sweep's deletes. */
      readonly deleteToken: string;
      /** How often expired items are looked for (each look scans every TTL table). @default 30_000 */
      readonly intervalMs?: number;
      readonly log?: (line: string) => void;
    },
  ) {
    // The engine's thread speaks only DynamoDB's JSON protocol on its loopback port (never the runtime's
    // endpoint): the SDK is its client (an allowed exception of test/architecture.test.ts). The sweep has a
    // client of its own because each DeleteItem carries its mark, which LocalDynamoDb.engine's requests must not.
    this.#client = new DynamoDBClient({ endpoint: options.url, region: options.region, credentials: options.credentials, maxAttempts: 1 });
    this.#client.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-switchyard-ttl-delete'] = options.deleteToken;
        return next(args);
      },
      { step: 'build', name: 'switchyardTtlDelete' },
    );
  }

  start(): void {
    const every = this.options.intervalMs ?? 30_000;
    const tick = () => {
      this.sweep()
        .catch((error: unknown) => this.options.log?.(`time to live sweep failed: ${(error as Error).message}`))
        .finally(() => {
          if (this.#timer) this.#timer = setTimeout(tick, every).unref();
        });
    };
    this.#timer = setTimeout(tick, every).unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => 0);
    this.#client.destroy();
  }

  /** Deletes every expired item now; resolves with how many were deleted. One sweep runs at a time. */
  sweep(): Promise<number> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #sweep(): Promise<number> {
    const now = Math.floor(this.options.clock.now() / 1000);
    let deleted = 0;
    for (const { table, attribute } of this.options.store.timeToLiveTables()) {
      let keyNames: string[];
      try {
        const described = await this.#client.send(new DescribeTableCommand({ TableName: table }));
        keyNames = (described.Table?.KeySchema ?? []).map((k) => String(k.AttributeName));
      } catch {
        continue; // The table is gone or not created yet.
      }
      const pages = paginateScan(
        { client: this.#client },
        {
          TableName: table,
          ConsistentRead: true,
          FilterExpression: '#ttl < :now AND #ttl >= :oldest',
          ExpressionAttributeNames: { '#ttl': attribute },
          ExpressionAttributeValues: { ':now': { N: String(now) }, ':oldest': { N: String(now - FIVE_YEARS_S) } },
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          const key = Object.fromEntries(keyNames.map((name) => [name, item[name]]));
          try {
            await this.#client.send(
              new DeleteItemCommand({
                TableName: table,
                Key: key as never,
                ConditionExpression: '#ttl = :seen',
                ExpressionAttributeNames: { '#ttl': attribute },
                ExpressionAttributeValues: { ':seen': item[attribute] as never },
              }),
            );
            deleted++;
          } catch (error) {
            if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
          }
        }
      }
    }
    return deleted;
  }
}
