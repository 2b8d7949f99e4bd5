/** What the read API's `/custom-buses` answers (READ_API_PATHS.customBuses, read-api-contract.ts). */
export interface CustomBusesPage {
  readonly buses: readonly CustomBusSummary[];
}

/** A Custom Event Bus and its subscribers. */
export interface CustomBusSummary {
  readonly name: string;
  readonly arn: string;
  /** Days it keeps events (StorageConfiguration.RetentionPeriodInDays; 1 when it has none). */
  readonly retentionDays: number;
  readonly subscribers: readonly CustomBusSubscriber[];
}

/** A subscriber of a Custom Event Bus: its settings as DescribeSubscriber answers them, and its counts. */
export interface CustomBusSubscriber {
  readonly name: string;
  readonly arn: string;
  readonly targetArn: string;
  /** FIFO keeps order within each event group; UNORDERED does not. */
  readonly type: string;
  /** RUNNING, or STOPPED (it keeps its position and reads on from there once RUNNING again). */
  readonly state: string;
  /** Its filter patterns, each with its scope (DATA, METADATA, SYSTEM_METADATA). */
  readonly filters: readonly { readonly scope: string; readonly pattern: string }[];
  /** Its BatchConfiguration, as set (undefined: the target's defaults). */
  readonly batch?: { readonly maxBatchSize?: number; readonly maxBatchWindowInSeconds?: number };
  /** The queue its failed events go to (OnFailureConfiguration.Arn; undefined: they are dropped). */
  readonly deadLetterArn?: string;
  readonly counts: CustomBusSubscriberCounts;
}

/** What a subscriber did with the events it selected. */
export interface CustomBusSubscriberCounts {
  /** Its target took them. */
  readonly delivered: number;
  /** They failed and wait for a retry. */
  readonly retrying: number;
  /** Their retries are spent and its dead-letter queue took them. */
  readonly deadLettered: number;
  /** Their retries are spent and it has no dead-letter queue (the EventsDropped metric). */
  readonly dropped: number;
  /** Selected and not tried yet (a paused subscriber's, or a batch still filling). */
  readonly waiting: number;
}
