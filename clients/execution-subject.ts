/**
 * What an execution is about, from its input, for the lists the CLI and the read API show
 * (names alone are digests: `OrderPlaced-hq77lYql...`). Pure, so that the browser runs it too.
 */

/**
 * The business key of an execution a workflow starter started: the idempotency key its name
 * is a digest of (`OrderPlaced#orderId="O-1"`, contracts/identity.ts), which the starter puts
 * in the input as `event.idempotencyKey` (WorkflowInput). Undefined for another input (an
 * execution started by hand, or by a starter from before the key was in the input).
 */
export function businessKeyOf(input: string | undefined): string | undefined {
  const event = parsed(input)?.event;
  if (typeof event !== 'object' || event === null) return undefined;
  const key = (event as { idempotencyKey?: unknown }).idempotencyKey;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

/** `ticketId=T-1`: the first string field of an object named like an id, which says which fact it is about. */
export function idFieldOf(object: Readonly<Record<string, unknown>>): string | undefined {
  const key = Object.keys(object).find((k) => /Id$/.test(k) && typeof object[k] === 'string');
  return key === undefined ? undefined : `${key}=${object[key]}`;
}

/**
 * What an execution is about, in a few words: its business key; else, for a workflow input
 * without one, its event's detail-type and the id field of its detail (`OrderPlaced
 * orderId=O-1`); else the id field of the input. Undefined when the input says none of these
 * (or was not recorded: an Express flow that logs without execution data).
 */
export function executionSubject(input: string | undefined): string | undefined {
  const key = businessKeyOf(input);
  if (key !== undefined) return key;
  const value = parsed(input);
  if (value === undefined) return undefined;
  const detail = value.detail;
  if (typeof detail === 'object' && detail !== null && !Array.isArray(detail)) {
    const detailType = (value.event as { detailType?: unknown } | undefined)?.detailType;
    const field = idFieldOf(detail as Record<string, unknown>);
    const subject = [typeof detailType === 'string' ? detailType : undefined, field].filter((part) => part !== undefined).join(' ');
    if (subject !== '') return subject;
  }
  return idFieldOf(value);
}

function parsed(input: string | undefined): Record<string, unknown> | undefined {
  if (input === undefined) return undefined;
  try {
    const value = JSON.parse(input) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
