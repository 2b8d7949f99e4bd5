/**
 * What identifies the fact an event states, and the name of the workflow execution it
 * starts: one definition for the handler kit (idempotency claims), the workflow starter
 * (execution names, so one event starts at most one execution) and the CLI (which finds a
 * ticket's executions by the same name).
 */
import { createHash } from 'node:crypto';
import type { AnyEventContract } from './contract.js';

/** Characters of the SHA-256 in an execution name: in base64url, 43 hold all of its 256 bits. */
const DIGEST_LENGTH = 43;

/**
 * An event lacks a value for one of its contract's idempotency fields (absent, null or an empty
 * string), so it cannot be keyed: keyed anyway (`OrderPlaced#orderId=undefined`) every such
 * event would be one fact, and all but the first skipped as duplicates. The kit refuses the
 * event as InvalidEvent (dead-lettered at once, never retried).
 */
export class MissingIdempotencyField extends Error {
  override readonly name = 'MissingIdempotencyField';
  constructor(
    /** The contract's detail-type. */
    readonly detailType: string,
    /** Where the event lacks them: `detail.orderId`, or `id` for a contract keyed on the event id. */
    readonly fields: readonly string[],
  ) {
    const one = fields.length === 1;
    super(
      `${detailType} has no value for ${fields.join(', ')} (absent, null or empty): ${one ? 'it is' : 'they are'} ` +
        `what its contract identifies each fact by (its idempotency key), so every ${detailType} must carry ${one ? 'it' : 'them'}`,
    );
  }
}

/**
 * The one check of whether `detail` can be keyed: a MissingIdempotencyField naming each of the
 * contract's idempotency fields it has no value for (absent, null or an empty string), or
 * undefined if it has them all. Returned, not thrown, so that each caller refuses the event in
 * its own terms (the kit's InvalidEvent, a webhook's 400, the CLI's usage error) with it as the cause.
 */
export function idempotencyFieldsMissing(
  contract: Pick<AnyEventContract, 'detailType' | 'idempotencyFields'>,
  detail: Readonly<Record<string, unknown>>,
): MissingIdempotencyField | undefined {
  const missing = (contract.idempotencyFields ?? []).filter((field) => {
    const value = detail[field];
    return value === undefined || value === null || value === '';
  });
  if (missing.length === 0) return undefined;
  return new MissingIdempotencyField(
    contract.detailType,
    missing.map((field) => `detail.${field}`),
  );
}

/**
 * `<detail-type>#<field>=<JSON value>&...` over the contract's idempotency fields, or
 * `<detail-type>#id=<event id>` for a contract that names none (every event its own fact).
 * @throws MissingIdempotencyField if the detail has no value for one of the fields; an empty
 * event id throws too (a missing value never becomes a key)
 */
export function idempotencyKeyOf(
  contract: AnyEventContract,
  event: { readonly id: string; readonly detail: Readonly<Record<string, unknown>> },
): string {
  const fields = contract.idempotencyFields;
  if (fields === undefined || fields.length === 0) {
    if (typeof event.id !== 'string' || event.id === '') throw new MissingIdempotencyField(contract.detailType, ['id']);
    return `${contract.detailType}#id=${event.id}`;
  }
  const missing = idempotencyFieldsMissing(contract, event.detail);
  if (missing !== undefined) throw missing;
  const values = fields.map((field) => `${field}=${JSON.stringify(event.detail[field])}`);
  return `${contract.detailType}#${values.join('&')}`;
}

/** The longest name a Lambda durable execution may have (Invoke's `DurableExecutionName`: 1 to 64 of `[a-zA-Z0-9-_]`). */
export const DURABLE_EXECUTION_NAME_MAX = 64;

/**
 * The execution name for an event's idempotency key: the detail-type (Step Functions'
 * allowed characters, at most 36) and a SHA-256 of the key, 80 characters at most. With
 * `maxLength` (a durable execution's DURABLE_EXECUTION_NAME_MAX) the detail-type is cut to
 * fit; the digest, which is what tells two facts apart, is always whole.
 */
export function executionNameFor(contract: AnyEventContract, idempotencyKey: string, maxLength = 80): string {
  const prefix = contract.detailType.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, Math.min(36, maxLength - DIGEST_LENGTH - 1));
  const digest = createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, DIGEST_LENGTH);
  return `${prefix}-${digest}`;
}

/**
 * The id of the event a webhook delivery becomes: a UUID (version 8, RFC 9562: custom)
 * from a SHA-256 of the provider and its delivery id, so every redelivery of a delivery
 * gets the same id, and consumers that key on it (a contract's `idempotencyFields`)
 * apply it once. Two providers never share an id for the same delivery id.
 */
export function webhookEventId(provider: string, deliveryId: string): string {
  const bytes = createHash('sha256').update(`webhook\n${provider}\n${deliveryId}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
