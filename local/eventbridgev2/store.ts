import type { DatabaseSync } from 'node:sqlite';
import { JsonTable } from '../store/json-table.js';
import { embeddedTags, TagStore } from '../store/tag-store.js';
import { inTransaction } from '../store/transaction.js';

/** A member bag as the API's JSON shapes carry it. */
export type Fields = Readonly<Record<string, unknown>>;

/** What every resource of the API keeps besides its own fields. */
interface Owned {
  readonly Name: string;
  /** Epoch milliseconds. */
  readonly CreationTime: number;
  readonly LastModifiedTime: number;
  /** The template resource it stands for (`<stack>/<logicalId>`): it follows the template, not the API. */
  readonly template?: string;
}

/** A resource policy of a bus: its document and the revision a conditional write compares. */
export interface PolicyRecord {
  readonly PolicyDocument: string;
  readonly RevisionId: string;
}

export interface BusRecord extends Owned {
  readonly EventBusArn: string;
  readonly Description?: string;
  readonly EncryptionConfiguration?: Fields;
  readonly StorageConfiguration?: { readonly RetentionPeriodInDays?: number };
  /** Its named policies: `default` (the owner's) and `AWS_RAM` (Resource Access Manager's). */
  readonly Policies: Readonly<Record<string, PolicyRecord>>;
}

export interface SubscriberRecord extends Owned {
  readonly SubscriberArn: string;
  readonly EventBusArn: string;
  /** The rest of its configuration as the API answers it (InvokeConfiguration, FilterConfiguration, State, ...). */
  readonly configuration: Fields;
  readonly Revoked?: true;
}

export interface EventSourceRecord extends Owned {
  readonly EventSourceArn: string;
  readonly EventBusArn: string;
  readonly Configuration: Fields;
  readonly Description?: string;
  readonly Revoked?: true;
}

/** A client token's first request (canonical JSON) and the resource it made: a retry gets the same answer. */
export interface TokenRecord {
  readonly request: string;
  readonly arn: string;
}

/**
 * What EventBridge's custom event buses keep in the data folder, each resource a JSON document
 * by its ARN: buses (with their resource policies), subscribers, event sources, and the client
 * tokens of Create calls. It survives restarts as every service's state does.
 */
export class EventBridgeV2Store {
  readonly buses: JsonTable<BusRecord>;
  readonly subscribers: JsonTable<SubscriberRecord>;
  readonly sources: JsonTable<EventSourceRecord>;
  readonly tokens: JsonTable<TokenRecord>;
  /** Buses', subscribers' and event sources' tags, by the resource's ARN (a deleted one's go with it). */
  readonly tags: TagStore;

  constructor(private readonly db: DatabaseSync) {
    this.buses = new JsonTable(db, 'eventbridgev2_bus', 'arn');
    this.subscribers = new JsonTable(db, 'eventbridgev2_subscriber', 'arn');
    this.sources = new JsonTable(db, 'eventbridgev2_event_source', 'arn');
    this.tokens = new JsonTable(db, 'eventbridgev2_client_token', 'id');
    // Before the TagStore, each resource's record held its `Tags` map.
    this.tags = new TagStore(db, [
      embeddedTags('eventbridgev2_bus', 'arn', 'Tags', (bus) => String(bus.EventBusArn)),
      embeddedTags('eventbridgev2_subscriber', 'arn', 'Tags', (subscriber) => String(subscriber.SubscriberArn)),
      embeddedTags('eventbridgev2_event_source', 'arn', 'Tags', (source) => String(source.EventSourceArn)),
    ]);
  }

  /** Deletes a resource of `table` with its tags: one created again under its ARN starts untagged. */
  remove(table: { delete(arn: string): unknown }, arn: string): void {
    table.delete(arn);
    this.tags.forget(arn);
  }

  /** Runs `work` as one transaction: a Create and its client token are written whole or not at all. */
  atomically<T>(work: () => T): T {
    return inTransaction(this.db, work);
  }
}
