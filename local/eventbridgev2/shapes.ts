import { AwsError } from '../endpoint/aws-error.js';
import { page as eventsPage } from '../events/api-validation.js';
import { invalidInput } from './checks.js';
import type { Fields } from './store.js';

/** What a subscriber answers for the settings a request left out: the values AWS's model gives as defaults. */
export const SUBSCRIBER_DEFAULTS = {
  Type: 'UNORDERED',
  StartingPosition: 'LATEST',
  State: 'RUNNING',
  BatchConfiguration: { MaxBatchSize: 10, MaxBatchWindowInSeconds: 0 },
  RetryPolicy: { MaxRetryAttempts: 5, MaxEventAgeInSeconds: 300, RetryStrategy: 'ALL' },
  LogConfiguration: { Level: 'OFF', IncludePayload: 'ON_ERROR_ONLY' },
} as const;

/** The members of a subscriber kept as its configuration (the rest are its identity and times). */
export const SUBSCRIBER_SETTINGS = [
  'InvokeConfiguration',
  'Description',
  'FilterConfiguration',
  'Type',
  'StartingPosition',
  'PointInTimeConfiguration',
  'BatchConfiguration',
  'Transformer',
  'RetryPolicy',
  'OnFailureConfiguration',
  'LogConfiguration',
  'State',
] as const;

/**
 * One page of a list, sorted by `key`, as EventBridge's own lists page (its tokens name the last
 * key answered); a token this service did not hand out is the API's InvalidInputException.
 */
export function page<T>(items: readonly T[], input: Fields, key: (item: T) => string): { items: T[]; NextToken?: string } {
  try {
    const { items: answered, nextToken } = eventsPage(
      items,
      key,
      input.MaxResults as number | undefined,
      input.NextToken as string | undefined,
    );
    return { items: answered, ...(nextToken === undefined ? {} : { NextToken: nextToken }) };
  } catch (error) {
    if (error instanceof AwsError) throw invalidInput(error.message, error);
    throw error;
  }
}

export const nameOf = (item: { Name: string }) => item.Name;

/** The members of `source` named in `members` that it has. */
export function pick<T extends object>(source: T, members: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    members.filter((m) => (source as Record<string, unknown>)[m] !== undefined).map((m) => [m, (source as Record<string, unknown>)[m]]),
  );
}

/** A subscriber's configuration with the defaults AWS resolves for what it leaves out, as it is returned on read. */
export function withDefaults(configuration: Record<string, unknown>): Fields {
  const merged: Record<string, unknown> = { ...configuration };
  for (const [member, fallback] of Object.entries(SUBSCRIBER_DEFAULTS)) {
    const given = configuration[member];
    merged[member] = typeof fallback === 'object' ? { ...fallback, ...((given ?? {}) as object) } : (given ?? fallback);
  }
  const filter = merged.FilterConfiguration as Fields | undefined;
  if (filter !== undefined) merged.FilterConfiguration = { Language: 'EVENT_BRIDGE_PATTERN', ...filter };
  return merged;
}
