import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { operationTable } from '../service-registry/operation-table.js';
import { TagStore } from '../store/tag-store.js';
import type { Clock } from '../time/clock.js';
import type { KinesisStreamRow } from './kinesis-store.js';

/** What names a stream in a request: its name or its ARN. */
interface StreamRef {
  readonly StreamName?: string;
  readonly StreamARN?: string;
}

export interface StreamMetadataOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly accountId: string;
  /** The stream a request names; AWS's ResourceNotFoundException when there is none (KinesisService). */
  readonly streamOf: (ref: StreamRef) => KinesisStreamRow;
}

/** AWS's limits: 50 tags on a resource, 20 enhanced fan-out consumers on a stream. */
const MAX_TAGS = 50;
const MAX_CONSUMERS = 20;

interface ConsumerRow {
  readonly stream_arn: string;
  readonly name: string;
  readonly arn: string;
  readonly created_ms: number;
}

/**
 * What Kinesis keeps about a stream besides its records: tags and resource policies (on a stream
 * or a consumer, by ARN), its server-side encryption setting (kept and reported; records are kept as sent), and
 * its enhanced fan-out consumers (registered, described, listed, deregistered: ACTIVE at once,
 * as the local stream is; SubscribeToShard, their HTTP/2 event stream, is not served). In
 * `kinesis.sqlite`, beside the records.
 */
export class StreamMetadataApi {
  readonly operations = operationTable(this, StreamMetadataApi);
  readonly #tagStore: TagStore;

  constructor(private readonly options: StreamMetadataOptions) {
    // Before the TagStore, the `tags` table held a row per tag.
    this.#tagStore = new TagStore(options.db, { table: 'tags', arnColumn: 'resource_arn' });
    options.db.exec(`
      CREATE TABLE IF NOT EXISTS stream_encryption (stream_arn TEXT PRIMARY KEY, type TEXT NOT NULL, key_id TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS resource_policies (resource_arn TEXT PRIMARY KEY, policy TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS consumers (
        stream_arn TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL, PRIMARY KEY (stream_arn, name));
    `);
  }

  /** Forgets what is kept of a deleted stream and its consumers. */
  forget(streamArn: string): void {
    const { db } = this.options;
    this.#tagStore.forget(streamArn);
    this.#tagStore.forgetUnder(`${streamArn}/consumer/`);
    db.prepare('DELETE FROM stream_encryption WHERE stream_arn = ?').run(streamArn);
    db.prepare('DELETE FROM consumers WHERE stream_arn = ?').run(streamArn);
    db.prepare('DELETE FROM resource_policies WHERE resource_arn = ? OR resource_arn LIKE ?').run(streamArn, `${streamArn}/consumer/%`);
  }

  /** A stream's encryption as DescribeStream reports it. */
  encryptionOf(streamArn: string): { EncryptionType: 'NONE' | 'KMS'; KeyId?: string } {
    const row = this.options.db.prepare('SELECT type, key_id FROM stream_encryption WHERE stream_arn = ?').get(streamArn) as
      | { type: string; key_id: string }
      | undefined;
    return row === undefined ? { EncryptionType: 'NONE' } : { EncryptionType: 'KMS', KeyId: row.key_id };
  }

  consumerCount(streamArn: string): number {
    return this.#consumers(streamArn).length;
  }

  async AddTagsToStream(input: StreamRef & { Tags: Record<string, string> }) {
    this.#tag(this.options.streamOf(input).arn, input.Tags);
    return {};
  }

  async ListTagsForStream(input: StreamRef & { ExclusiveStartTagKey?: string; Limit?: number }) {
    const tags = this.#tags(this.options.streamOf(input).arn).filter(
      (t) => input.ExclusiveStartTagKey === undefined || t.Key > input.ExclusiveStartTagKey,
    );
    const page = tags.slice(0, input.Limit ?? MAX_TAGS);
    return { Tags: page, HasMoreTags: tags.length > page.length };
  }

  async RemoveTagsFromStream(input: StreamRef & { TagKeys: string[] }) {
    this.#untag(this.options.streamOf(input).arn, input.TagKeys);
    return {};
  }

  async TagResource(input: { ResourceARN: string; Tags: Record<string, string> }) {
    this.#tag(this.#resource(input.ResourceARN), input.Tags);
    return {};
  }

  async UntagResource(input: { ResourceARN: string; TagKeys: string[] }) {
    this.#untag(this.#resource(input.ResourceARN), input.TagKeys);
    return {};
  }

  async ListTagsForResource(input: { ResourceARN: string }) {
    return { Tags: this.#tags(this.#resource(input.ResourceARN)) };
  }

  /** Kept and answered by GetResourcePolicy; the local runtime's IAM checks do not read it. */
  async PutResourcePolicy(input: { ResourceARN: string; Policy: string }) {
    const arn = this.#resource(input.ResourceARN);
    try {
      JSON.parse(input.Policy);
    } catch {
      throw new AwsError('InvalidArgumentException', `Policy for ${arn} is not valid JSON.`);
    }
    this.options.db.prepare('INSERT OR REPLACE INTO resource_policies (resource_arn, policy) VALUES (?, ?)').run(arn, input.Policy);
    return {};
  }

  /** A resource's policy as it was put; `{}` when it has none (AWS answers so, not an error). */
  async GetResourcePolicy(input: { ResourceARN: string }) {
    return { Policy: this.#policy(this.#resource(input.ResourceARN)) ?? '{}' };
  }

  async DeleteResourcePolicy(input: { ResourceARN: string }) {
    const arn = this.#resource(input.ResourceARN);
    if (this.#policy(arn) === undefined)
      throw new AwsError('ResourceNotFoundException', `No resource policy found for resource ARN ${arn}.`);
    this.options.db.prepare('DELETE FROM resource_policies WHERE resource_arn = ?').run(arn);
    return {};
  }

  #policy(arn: string): string | undefined {
    const row = this.options.db.prepare('SELECT policy FROM resource_policies WHERE resource_arn = ?').get(arn) as
      | { policy: string }
      | undefined;
    return row?.policy;
  }

  /** Kept and reported by DescribeStream; records are not encrypted locally (KMS is not called). */
  async StartStreamEncryption(input: StreamRef & { EncryptionType: string; KeyId: string }) {
    const stream = this.options.streamOf(input);
    if (input.EncryptionType !== 'KMS') {
      throw new AwsError(
        'InvalidArgumentException',
        `EncryptionType ${input.EncryptionType} is not valid: StartStreamEncryption takes KMS.`,
      );
    }
    this.options.db
      .prepare('INSERT OR REPLACE INTO stream_encryption (stream_arn, type, key_id) VALUES (?, ?, ?)')
      .run(stream.arn, input.EncryptionType, input.KeyId);
    return {};
  }

  async StopStreamEncryption(input: StreamRef & { EncryptionType: string; KeyId: string }) {
    const stream = this.options.streamOf(input);
    this.options.db.prepare('DELETE FROM stream_encryption WHERE stream_arn = ?').run(stream.arn);
    return {};
  }

  async RegisterStreamConsumer(input: { StreamARN: string; ConsumerName: string; Tags?: Record<string, string> }) {
    const stream = this.options.streamOf({ StreamARN: input.StreamARN });
    if (this.#consumers(stream.arn).some((c) => c.name === input.ConsumerName)) {
      throw new AwsError(
        'ResourceInUseException',
        `Consumer ${input.ConsumerName} under stream ${stream.name} under account ${this.options.accountId} already exists.`,
      );
    }
    if (this.consumerCount(stream.arn) >= MAX_CONSUMERS) {
      throw new AwsError(
        'LimitExceededException',
        `Stream ${stream.name} under account ${this.options.accountId} already has ${MAX_CONSUMERS} consumers, the most a stream takes.`,
      );
    }
    const created = this.options.clock.now();
    const arn = `${stream.arn}/consumer/${input.ConsumerName}:${Math.floor(created / 1000)}`;
    this.options.db
      .prepare('INSERT INTO consumers (stream_arn, name, arn, created_ms) VALUES (?, ?, ?, ?)')
      .run(stream.arn, input.ConsumerName, arn, created);
    if (input.Tags !== undefined) this.#tag(arn, input.Tags);
    const consumer = this.#consumers(stream.arn).find((c) => c.arn === arn) as ConsumerRow;
    return { Consumer: consumerOut(consumer) };
  }

  async DescribeStreamConsumer(input: { StreamARN?: string; ConsumerName?: string; ConsumerARN?: string }) {
    const consumer = this.#consumer(input);
    return { ConsumerDescription: { ...consumerOut(consumer), StreamARN: consumer.stream_arn } };
  }

  async ListStreamConsumers(input: { StreamARN: string; MaxResults?: number; NextToken?: string }) {
    const stream = this.options.streamOf({ StreamARN: input.StreamARN });
    const after = input.NextToken === undefined ? undefined : Buffer.from(input.NextToken, 'base64url').toString('utf8');
    const consumers = this.#consumers(stream.arn).filter((c) => after === undefined || c.name > after);
    const page = consumers.slice(0, input.MaxResults ?? 100);
    const last = page.at(-1)?.name;
    return {
      Consumers: page.map(consumerOut),
      ...(consumers.length > page.length && last !== undefined ? { NextToken: Buffer.from(last).toString('base64url') } : {}),
    };
  }

  async DeregisterStreamConsumer(input: { StreamARN?: string; ConsumerName?: string; ConsumerARN?: string }) {
    const consumer = this.#consumer(input);
    this.options.db.prepare('DELETE FROM consumers WHERE arn = ?').run(consumer.arn);
    this.#tagStore.forget(consumer.arn);
    return {};
  }

  /** The consumer a request names: by its ARN, or by its stream's ARN and its name (AWS takes either, not neither). */
  #consumer(input: { StreamARN?: string; ConsumerName?: string; ConsumerARN?: string }): ConsumerRow {
    const { db, accountId } = this.options;
    if (input.ConsumerARN !== undefined) {
      const row = db.prepare('SELECT * FROM consumers WHERE arn = ?').get(input.ConsumerARN) as ConsumerRow | undefined;
      if (row === undefined) throw new AwsError('ResourceNotFoundException', `Consumer ${input.ConsumerARN} not found.`);
      return row;
    }
    if (input.StreamARN === undefined || input.ConsumerName === undefined) {
      throw new AwsError('InvalidArgumentException', 'Either ConsumerARN, or StreamARN and ConsumerName, must be provided.');
    }
    const stream = this.options.streamOf({ StreamARN: input.StreamARN });
    const row = this.#consumers(stream.arn).find((c) => c.name === input.ConsumerName);
    if (row === undefined) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Consumer ${input.ConsumerName} under stream ${stream.name} under account ${accountId} not found.`,
      );
    }
    return row;
  }

  #consumers(streamArn: string): ConsumerRow[] {
    return this.options.db.prepare('SELECT * FROM consumers WHERE stream_arn = ? ORDER BY name').all(streamArn) as unknown as ConsumerRow[];
  }

  /** A stream's or a consumer's ARN, checked to name one this runtime has. */
  #resource(arn: string): string {
    const consumer = /\/consumer\/[^/]+$/.test(arn);
    if (consumer) return this.#consumer({ ConsumerARN: arn }).arn;
    return this.options.streamOf({ StreamARN: arn }).arn;
  }

  /** A resource's tags by key, as Kinesis lists and pages them. */
  #tags(resourceArn: string): { Key: string; Value: string }[] {
    return this.#tagStore
      .list(resourceArn)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([Key, Value]) => ({ Key, Value }));
  }

  #tag(resourceArn: string, tags: Record<string, string>): void {
    const keys = new Set([...this.#tags(resourceArn).map((t) => t.Key), ...Object.keys(tags)]);
    if (keys.size > MAX_TAGS) {
      throw new AwsError(
        'LimitExceededException',
        `Failed to add tags to ${resourceArn}: a resource takes at most ${MAX_TAGS} tags, and it would have ${keys.size}.`,
      );
    }
    this.#tagStore.tag(resourceArn, Object.entries(tags));
  }

  #untag(resourceArn: string, keys: readonly string[]): void {
    this.#tagStore.untag(resourceArn, keys);
  }
}

/** A consumer as RegisterStreamConsumer and ListStreamConsumers answer it (timestamps in epoch seconds). */
function consumerOut(row: ConsumerRow) {
  return { ConsumerName: row.name, ConsumerARN: row.arn, ConsumerStatus: 'ACTIVE', ConsumerCreationTimestamp: row.created_ms / 1000 };
}
