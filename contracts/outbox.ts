/**
 * The transactional outbox (DynamoDB Streams -> EventBridge Pipes -> the hub): what a writer
 * stores beside the fact it makes true, in the same conditional write, so the fact and its
 * announcement are one claim; the outbox's pipe sends it. One definition for the writers
 * (the pipeline's ledger, the triage flow), the construct (the pipe's filter) and the
 * enrichment that turns a stream record back into the event.
 */

/** The item attribute that carries an announcement (a map: `source`, `detailType`, `detail`). */
export const OUTBOX_ATTRIBUTE = 'announcement';

/** One event waiting in an item to be sent: what PutEvents takes, the detail as the JSON text to send. */
export interface OutboxAnnouncement {
  /** The event's `source` (the contract's). */
  readonly source: string;
  /** The event's `detail-type` (the contract's). */
  readonly detailType: string;
  /** The detail as JSON text, exactly as it is to be sent (the kit's `prepareEvent` builds it). */
  readonly detail: string;
}

/** What the outbox's enrichment hands the pipe per record: the target sends `detail` (`<$.detail>`) as `detailType` from `source`. */
export interface OutboxEvent {
  /** Read by the target as `$.source`. */
  readonly source: string;
  /** Read by the target as `$.detailType`. */
  readonly detailType: string;
  /** The stored detail, parsed: the event's detail. */
  readonly detail: unknown;
}
