import type { TargetDispatcher } from '../targets/dispatcher.js';
import type { Clock } from '../time/clock.js';
import { type DestinationConfiguration, matches } from './notification-config.js';
import { urlEncodeKey } from './object-keys.js';
import type { BucketRow, Notification, ObjectRecord, PendingNotification, S3Store } from './s3-store.js';

/** Where a bucket's EventBridge notifications go (EventsService: `aws.s3` is refused from callers, allowed here). */
export interface S3EventPublisher {
  putServiceEvent(
    busName: string,
    event: { source: string; 'detail-type': string; resources: readonly string[]; detail: unknown; time?: string },
  ): void;
}

/** What sends queue, topic and function notifications: the runtime's one target dispatcher. */
export type S3NotificationTargets = Pick<TargetDispatcher, 'send'>;

/** Who made a request, for the events it causes. */
export interface RequestContext {
  readonly requestId: string;
  readonly sourceIp: string;
}

/** A write or deletion of an object, as the notifications it causes describe it. */
export interface ObjectChange {
  /** Only the key and bucket for a key DeleteObjects named that did not exist (S3 notifies it all the same). */
  readonly object: Pick<ObjectRecord, 'bucket' | 'key'> & Partial<Pick<ObjectRecord, 'size' | 'etag'>>;
  readonly sequencer: string;
  readonly context: RequestContext;
  /** The operation: PutObject, CopyObject, CompleteMultipartUpload, DeleteObject, PutObjectTagging, DeleteObjectTagging. */
  readonly reason: string;
}

/** The record's `eventName` for each operation (buckets here are unversioned: a deletion never makes a delete marker). */
const EVENT_NAMES: Record<string, string> = {
  PutObject: 'ObjectCreated:Put',
  CopyObject: 'ObjectCreated:Copy',
  CompleteMultipartUpload: 'ObjectCreated:CompleteMultipartUpload',
  DeleteObject: 'ObjectRemoved:Delete',
  PutObjectTagging: 'ObjectTagging:Put',
  DeleteObjectTagging: 'ObjectTagging:Delete',
};

/** Whether the operation changed an object's tags only (its event record names the object by key and ETag alone, as event version 2.3). */
const TAGGING = new Set(['PutObjectTagging', 'DeleteObjectTagging']);

/** The Subject S3 publishes its notifications to a topic with. */
const SNS_SUBJECT = 'Amazon S3 Notification';

/** The `x-amz-id-2` S3 answers with, and puts in its event records, for a request id. */
export function s3HostId(requestId: string): string {
  return Buffer.from(requestId).toString('base64');
}

/**
 * Builds the notifications an object change causes (the EventBridge event, and one S3 event
 * message per matching queue, topic or function configuration) for the store to commit with
 * the change, and sends committed ones. A notification is deleted from the store only once its
 * destination took it, so one a crash or an unreachable destination kept is sent at the next
 * flush: at least once, like S3's.
 */
export class S3Notifier {
  /** Sends under way, by notification id: one is not sent twice at once. */
  readonly #inFlight = new Map<number, Promise<void>>();

  constructor(
    private readonly options: {
      readonly store: S3Store;
      readonly clock: Clock;
      readonly accountId: string;
      readonly region: string;
      readonly events?: S3EventPublisher;
      readonly targets?: S3NotificationTargets;
      /**
       * IAM for a queue, topic or function notification, sent as s3.amazonaws.com for the
       * bucket: AWS's message when the destination's policy does not let S3 in (and IAM
       * enforces), else undefined. @default none
       */
      readonly authorize?: (targetArn: string, bucketArn: string) => Promise<string | undefined>;
      readonly log: (line: string) => void;
    },
  ) {}

  /** Whether queue, topic and function notifications can be sent (the runtime gave S3 a dispatcher). */
  get sendsToTargets(): boolean {
    return this.options.targets !== undefined;
  }

  forChange(bucket: BucketRow, configurations: readonly DestinationConfiguration[], change: ObjectChange): Notification[] {
    const notifications: Notification[] = [];
    // EventBridge's `Object Tags Added` and `Object Tags Deleted` are not sent (yet): no recording of their shape to follow.
    if (bucket.eventbridge === 1 && !TAGGING.has(change.reason)) notifications.push({ event: this.#eventBridgeEvent(change) });
    if (!this.sendsToTargets) return notifications;
    const eventName = EVENT_NAMES[change.reason] ?? 'ObjectCreated:Put';
    const key = urlEncodeKey(change.object.key);
    for (const configuration of configurations) {
      if (matches(configuration, eventName, key)) {
        notifications.push({ target: configuration.arn, event: this.#eventMessage(eventName, configuration.id, change) });
      }
    }
    return notifications;
  }

  /** The `s3:TestEvent` S3 sends each queue and topic destination (not functions) when a configuration is set. */
  testEvents(bucket: string, configurations: readonly DestinationConfiguration[], requestId: string): Notification[] {
    if (!this.sendsToTargets) return [];
    const destinations = new Set(configurations.filter((c) => c.kind !== 'function').map((c) => c.arn));
    return [...destinations].map((target) => ({
      target,
      event: {
        Service: 'Amazon S3',
        Event: 's3:TestEvent',
        Time: new Date(this.options.clock.now()).toISOString(),
        Bucket: bucket,
        RequestId: requestId,
        HostId: s3HostId(requestId),
      },
    }));
  }

  /**
   * Sends what is committed and not yet sent: the EventBridge events in order (stopping at the
   * first the bus refuses), the others each to its destination. Resolves once every send under
   * way has settled; a failure is logged and the notification kept for the next flush.
   */
  async flush(): Promise<void> {
    const { store, events, targets, log } = this.options;
    let busDown = false;
    for (const pending of store.pendingNotifications()) {
      if (pending.target === undefined) {
        if (!events || busDown) continue;
        try {
          events.putServiceEvent('default', pending.event as never);
        } catch (error) {
          log(`notification ${pending.id} not published yet: ${(error as Error).message}`);
          busDown = true;
          continue;
        }
        store.notificationSent(pending.id);
        continue;
      }
      if (!targets || this.#inFlight.has(pending.id)) continue;
      const sent = this.#send(targets, pending as PendingNotification & { target: string });
      this.#inFlight.set(
        pending.id,
        sent
          .then(
            () => store.notificationSent(pending.id),
            (error: unknown) => log(`notification ${pending.id} to ${pending.target} not sent yet: ${(error as Error).message}`),
          )
          .catch((error: unknown) => log(`notification ${pending.id} sent, but not marked sent: ${(error as Error).message}`))
          .finally(() => this.#inFlight.delete(pending.id)),
      );
    }
    await Promise.all(this.#inFlight.values());
  }

  /**
   * Sends one notification to its destination, unless the destination's policy refuses S3:
   * then, as on AWS (which has no dead-letter queue for bucket notifications), it is dropped
   * and said so.
   */
  async #send(targets: S3NotificationTargets, pending: PendingNotification & { readonly target: string }): Promise<void> {
    const refusal = await this.options.authorize?.(pending.target, `arn:aws:s3:::${bucketOf(pending.event)}`);
    if (refusal !== undefined) {
      this.options.log(`notification ${pending.id} to ${pending.target} dropped: ${refusal}`);
      return;
    }
    await targets.send(pending.target, {
      body: JSON.stringify(pending.event),
      sns: { Subject: SNS_SUBJECT },
      lambda: { invocationType: 'Event', event: pending.event },
    });
  }

  /** The S3 event message (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html). */
  #eventMessage(eventName: string, configurationId: string, change: ObjectChange): unknown {
    const { object, sequencer, context } = change;
    const created = eventName.startsWith('ObjectCreated:');
    const tagging = TAGGING.has(change.reason);
    return {
      Records: [
        {
          // AWS's recorded tagging events are version 2.3 (test/conformance/aws-recorded/s3/).
          eventVersion: tagging ? '2.3' : '2.1',
          eventSource: 'aws:s3',
          awsRegion: this.options.region,
          eventTime: new Date(this.options.clock.now()).toISOString(),
          eventName,
          userIdentity: { principalId: `AWS:${this.options.accountId}` },
          requestParameters: { sourceIPAddress: context.sourceIp },
          responseElements: { 'x-amz-request-id': context.requestId, 'x-amz-id-2': s3HostId(context.requestId) },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId,
            bucket: {
              name: object.bucket,
              ownerIdentity: { principalId: this.options.accountId },
              arn: `arn:aws:s3:::${object.bucket}`,
            },
            // A permanent deletion's record has neither size nor eTag; a tagging one its eTag and no sequencer.
            object: tagging
              ? { key: urlEncodeKey(object.key), eTag: object.etag }
              : { key: urlEncodeKey(object.key), ...(created ? { size: object.size, eTag: object.etag } : {}), sequencer },
          },
        },
      ],
    };
  }

  /**
   * The event S3 puts on the default bus (its shape as AWS documents it; no `version-id`:
   * buckets here are unversioned). A permanent deletion carries neither size nor ETag (AWS's
   * documented example is a delete marker's, which has the empty object's ETag; LocalStack's
   * AWS-recorded snapshots of a permanent deletion have neither).
   */
  #eventBridgeEvent(change: ObjectChange): unknown {
    const { object, sequencer, context, reason } = change;
    const created = reason !== 'DeleteObject';
    return {
      source: 'aws.s3',
      'detail-type': created ? 'Object Created' : 'Object Deleted',
      resources: [`arn:aws:s3:::${object.bucket}`],
      time: new Date(this.options.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      detail: {
        version: '0',
        bucket: { name: object.bucket },
        object: { key: object.key, ...(created ? { size: object.size, etag: object.etag } : {}), sequencer },
        'request-id': context.requestId,
        requester: this.options.accountId,
        'source-ip-address': context.sourceIp,
        reason,
        ...(created ? {} : { 'deletion-type': 'Permanently Deleted' }),
      },
    };
  }
}

/** The bucket a queued notification is about: an event message's record, or a test event's `Bucket`. */
function bucketOf(event: unknown): string {
  const message = event as { Records?: { s3?: { bucket?: { name?: string } } }[]; Bucket?: string };
  return message.Records?.[0]?.s3?.bucket?.name ?? message.Bucket ?? '';
}
