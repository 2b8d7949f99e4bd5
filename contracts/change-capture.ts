/**
 * Events made from a table's changes (DynamoDB Streams -> EventBridge Pipes -> the hub):
 * one definition of their detail-types, their `change` member and the id that identifies a
 * change, for the construct (the pipe's filter), the function that builds the events and
 * the consumers that dedupe on them.
 */
import Type, { type Static, type TProperties } from 'typebox';
import { defineContract } from './contract.js';
import { validatorFor } from './validator.js';

/** A stream record's `eventName`. */
export type ChangeKind = 'INSERT' | 'MODIFY' | 'REMOVE';
export const CHANGE_KINDS: readonly ChangeKind[] = ['INSERT', 'MODIFY', 'REMOVE'];

const SUFFIX: Readonly<Record<ChangeKind, string>> = { INSERT: 'Created', MODIFY: 'Updated', REMOVE: 'Deleted' };

/** `Ticket` + `INSERT` -> `TicketCreated`; `MODIFY` -> `...Updated`; `REMOVE` -> `...Deleted`. */
export function changeDetailType(entity: string, kind: ChangeKind): string {
  return `${entity}${SUFFIX[kind]}`;
}

/** An entity name the detail-types are built from: PascalCase letters and digits, at most 100 characters. */
export const ENTITY_NAME = /^[A-Z][A-Za-z0-9]{0,99}$/;

/**
 * The id of a change: the table's name and the stream record's `eventID` (unique per
 * record and the same on every redelivery of the record), so a consumer keyed on it applies
 * a change once however often the pipe delivers it.
 */
export function changeId(streamOrTableArn: string, eventId: string): string {
  const table = /:table\/([^/]+)/.exec(streamOrTableArn)?.[1] ?? streamOrTableArn;
  return `${table}#${eventId}`;
}

const Image = Type.Record(Type.String(), Type.Unknown());

/** What every change event's detail carries besides the entity's own fields (from the new image, or the old one for a delete). */
export const ChangeSchema = Type.Object(
  {
    /** The event's detail-type (`<Entity>Created`...): the pipe's target reads it as `$.change.detailType`. */
    detailType: Type.String({ minLength: 1, maxLength: 128 }),
    /** The stream record's `eventName`. */
    kind: Type.Union([Type.Literal('INSERT'), Type.Literal('MODIFY'), Type.Literal('REMOVE')]),
    /** The table the change happened in. */
    table: Type.String({ minLength: 1 }),
    /** The stream record's `SequenceNumber`: increases with every change of one item. */
    sequenceNumber: Type.String({ minLength: 1 }),
    /** The item's key attributes, as plain JSON. */
    keys: Image,
    /** The item after the change (none for a delete, or with a KEYS_ONLY/OLD_IMAGE stream). */
    newImage: Type.Optional(Image),
    /** The item before the change (none for an insert, or with a KEYS_ONLY/NEW_IMAGE stream). */
    oldImage: Type.Optional(Image),
    /** When the change was made (ISO-8601, to the second or millisecond as the stream records it). */
    approximateCreationTime: Type.Optional(Type.String()),
    /** Set when DynamoDB itself made the change: TTL deletes carry `{ type: 'Service', principalId: 'dynamodb.amazonaws.com' }`. */
    userIdentity: Type.Optional(Type.Object({ type: Type.String(), principalId: Type.String() })),
  },
  { additionalProperties: false },
);
export type Change = Static<typeof ChangeSchema>;

/**
 * A change event's detail: the entity's fields (from the new image, or the old one for a
 * delete) at the top, so that an entity's existing contract (`TicketCreated`) reads it as
 * is, its `changeId` (a contract keyed on the change itself names it in
 * `idempotencyFields`) and the `change`.
 */
export type ChangeDetail = Record<string, unknown> & { readonly changeId: string; readonly change: Change };

/** Checks a detail's `change` member; never throws. */
export const validateChange = validatorFor(ChangeSchema);

/**
 * The contract of one kind of change of an entity (`OrderUpdated`): the entity's fields,
 * `changeId` and `change`, keyed on `changeId`, so a consumer applies each change once
 * however often the pipe delivers it. (An entity's creation that is a business fact of its
 * own, like `TicketCreated`, keeps its own contract and key: then a row inserted and an
 * event sent for the same ticket are one fact.)
 */
export function defineChangeContract<const P extends TProperties>(options: {
  readonly entity: string;
  readonly kind: ChangeKind;
  readonly source: string;
  readonly description: string;
  readonly properties: P;
}) {
  return defineContract({
    detailType: changeDetailType(options.entity, options.kind),
    source: options.source,
    description: options.description,
    properties: { ...options.properties, changeId: Type.String({ minLength: 1 }), change: ChangeSchema },
    idempotencyFields: ['changeId'],
  });
}
