import { AwsError } from '../endpoint/aws-error.js';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import type { EventDestinationDefinition } from './definitions.js';
import { eventTypeOfName } from './ses-events.js';
import type { SesService } from './ses-service.js';

/**
 * What SES's two APIs (v1 over the query protocol, v2 over REST-JSON) read their requests
 * with, and the operations they answer alike.
 */

export type Input = Record<string, unknown>;
export type Operations = Record<string, (input: Input) => Promise<unknown>>;

export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
export const record = (value: unknown): Input =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Input) : {};

/**
 * A page of a list by offset (`NextToken` is the offset of the next item): of the items, or
 * of what `read(start, count)` reads from the store (a page's rows, not the whole list).
 */
export function page<T>(
  items: readonly T[] | ((start: number, count: number) => readonly T[]),
  nextToken: unknown,
  max: unknown,
  fallback: number,
): { items: T[]; next?: string } {
  const start = nextToken === undefined ? 0 : Number(nextToken);
  if (!Number.isSafeInteger(start) || start < 0) throw new AwsError('InvalidParameterValue', 'Invalid pagination token.', 400);
  const size = typeof max === 'number' && max > 0 ? Math.min(max, 1000) : fallback;
  // One item more than the page tells whether another page follows.
  const read = typeof items === 'function' ? items(start, size + 1) : items.slice(start, start + size + 1);
  return { items: read.slice(0, size), ...(read.length > size ? { next: String(start + size) } : {}) };
}

/** The account's sending quota, its members named as both APIs name them (v1's GetSendQuota, v2's SendQuota). */
export function sendQuotaOf(ses: SesService): { Max24HourSend: number; MaxSendRate: number; SentLast24Hours: number } {
  const quota = ses.quota();
  return { Max24HourSend: quota.max24HourSend, MaxSendRate: quota.maxSendRate, SentLast24Hours: quota.sentLast24Hours };
}

/** The configuration set operations both APIs name alike and take with the same members. */
function sharedConfigurationSetOperations(ses: SesService): Operations {
  return {
    DeleteConfigurationSet: async (input) => {
      ses.deleteConfigurationSet(text(input.ConfigurationSetName) ?? '');
      return {};
    },
    DeleteConfigurationSetEventDestination: async (input) => {
      ses.deleteEventDestination(text(input.ConfigurationSetName) ?? '', text(input.EventDestinationName) ?? '');
      return {};
    },
  };
}

/**
 * One API's operations, from its groups (sending, templates, identities, ...) and those both
 * APIs answer alike: `answer`, where given, turns each AwsError they throw into the API's own
 * (v2 names its errors by kind).
 */
export function apiOperations(
  ses: SesService,
  groups: readonly ((ses: SesService) => Operations)[],
  answer?: (error: AwsError) => AwsError,
): ModelOperations {
  const operations: Operations = Object.assign(sharedConfigurationSetOperations(ses), ...groups.map((group) => group(ses)));
  if (answer === undefined) return operations as unknown as ModelOperations;
  const answering = Object.entries(operations).map(([name, operation]) => [
    name,
    async (input: Input) => {
      try {
        return await operation(input);
      } catch (error) {
        throw error instanceof AwsError ? answer(error) : error;
      }
    },
  ]);
  return Object.fromEntries(answering) as ModelOperations;
}

/**
 * An event destination as either API puts it (v1's `EventDestination` or v2's, whose members
 * differ only in where the SNS topic and the EventBridge bus stand); destinations of a
 * `published` kind that is not local are kept as given, never published to.
 */
export function eventDestinationOf(
  configurationSet: string,
  name: string,
  destination: Input,
  targets: { readonly snsTopicArn?: string; readonly eventBusArn?: string; readonly unpublishedKinds: readonly string[] },
): EventDestinationDefinition {
  const unpublished = targets.unpublishedKinds.find((key) => destination[key] !== undefined);
  return {
    configurationSet,
    name,
    enabled: destination.Enabled === true,
    eventTypes: strings(destination.MatchingEventTypes).flatMap((t) => eventTypeOfName(t) ?? []),
    ...(targets.snsTopicArn ? { snsTopicArn: targets.snsTopicArn } : {}),
    ...(targets.eventBusArn ? { eventBusArn: targets.eventBusArn } : {}),
    ...(unpublished ? { unpublished } : {}),
  };
}
