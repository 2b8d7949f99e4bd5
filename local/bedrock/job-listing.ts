import { validationError } from '../endpoint/aws-error.js';

/** The filters and paging ListAsyncInvokes and ListModelInvocationJobs share. */
export interface ListFilters {
  readonly submitTimeAfter?: string | number | Date;
  readonly submitTimeBefore?: string | number | Date;
  readonly statusEquals?: string;
  readonly maxResults?: number;
  readonly nextToken?: string;
  /** Ascending or Descending (the default) by submission time, the only order either list takes. */
  readonly sortOrder?: string;
}

export interface ListPage<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

/** The list's default page size where the caller gives none. */
const DEFAULT_PAGE = 1000;

const time = (value: string | number | Date | undefined): number | undefined =>
  value === undefined
    ? undefined
    : value instanceof Date
      ? value.getTime()
      : new Date(typeof value === 'number' ? value * 1000 : value).getTime();

/**
 * One page of jobs (their summaries, each with `status`): those submitted after and before
 * the times given and of the status given, by submission time, `maxResults` at most; the
 * next token is where the next page starts.
 */
export function listPage<T extends { readonly status?: unknown }>(
  summaries: readonly T[],
  filters: ListFilters,
  submitted: (item: T) => Date,
): ListPage<T> {
  const after = time(filters.submitTimeAfter);
  const before = time(filters.submitTimeBefore);
  const kept = summaries.filter((item) => {
    const at = submitted(item).getTime();
    return (
      (after === undefined || at > after) &&
      (before === undefined || at < before) &&
      (filters.statusEquals === undefined || item.status === filters.statusEquals)
    );
  });
  // The summaries come newest first: reversed, jobs submitted in the same millisecond keep the order they were accepted in.
  kept.reverse().sort((a, b) => submitted(a).getTime() - submitted(b).getTime());
  if (filters.sortOrder !== 'Ascending') kept.reverse();
  const start = filters.nextToken === undefined ? 0 : offsetOf(filters.nextToken);
  const size = filters.maxResults ?? DEFAULT_PAGE;
  const items = kept.slice(start, start + size);
  return start + size < kept.length ? { items, nextToken: Buffer.from(`${start + size}`).toString('base64url') } : { items };
}

function offsetOf(token: string): number {
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(offset) || offset < 0) throw validationError(`The nextToken ${token} is not one this list gave.`);
  return offset;
}
