import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  PUT_EVENTS_V2_MAX_ENTRIES,
  type PutEventsV2Entry,
  type PutEventsV2ResultEntry,
  SYSTEM_METADATA_MAX_LENGTH,
} from '../contracts/eventbridgev2-client.js';
import { type Clients, call } from '../inspect/aws.js';
import { customBusArn, customBusClient } from '../inspect/custom-buses.js';
import { usageError } from '../inspect/errors.js';

/**
 * `switchyard send` to a Custom Event Bus (`eventbridgev2`): the entries send made and checked
 * against their contract, published with the one Custom Event Bus client
 * (contracts/eventbridgev2-client.ts) by the bus's ARN, each with its event group and
 * deduplication id when given. Per the API reference
 * (https://docs.aws.amazon.com/eventbridgev2/latest/APIReference/API_PutEvents.html): at most
 * 100 entries a call; each entry answers an EventId with `SuccessCode` `PUBLISHED`, or
 * `DEDUPLICATED` (a repeat of a DeduplicationId within 300 s: the first event's id), or an
 * `ErrorCode` and `ErrorMessage`.
 */

/** `--group` and `--dedup` as given (`{n}` in either becomes the event's number, as in --detail). */
export interface SystemMetadataOptions {
  readonly group?: string;
  readonly dedup?: string;
}

/** One event's outcome. */
export interface CustomBusOutcome {
  readonly eventId: string;
  readonly status: 'PUBLISHED' | 'DEDUPLICATED';
}

export interface CustomBusSendResult {
  readonly busArn: string;
  readonly outcomes: CustomBusOutcome[];
  readonly failures: { index: number; errorCode: string; errorMessage: string }[];
}

/** Entry codes another attempt may cure (the model's ThrottlingException, InternalException); any other fails alike again. */
const RETRIABLE = new Set(['ThrottlingException', 'InternalException']);
const MAX_TRIES = 3;

/**
 * The entries as the Custom Event Bus takes them: send's checked entries with their
 * `SystemMetadata` (`EventGroupId`, `DeduplicationId`, `{n}` numbered).
 * @throws a usage error naming --group or --dedup when one is empty or over 128 characters, as the model refuses it
 */
export function customBusEntries(entries: readonly PutEventsRequestEntry[], options: SystemMetadataOptions): PutEventsV2Entry[] {
  return entries.map((entry, i) => {
    const n = String(i + 1);
    const group = systemMetadataValue('--group', options.group?.replaceAll('{n}', n));
    const dedup = systemMetadataValue('--dedup', options.dedup?.replaceAll('{n}', n));
    const metadata = {
      ...(group === undefined ? {} : { EventGroupId: group }),
      ...(dedup === undefined ? {} : { DeduplicationId: dedup }),
    };
    return {
      Source: String(entry.Source),
      DetailType: String(entry.DetailType),
      ...(entry.Detail === undefined ? {} : { Detail: entry.Detail }),
      ...(Object.keys(metadata).length === 0 ? {} : { SystemMetadata: metadata }),
    };
  });
}

function systemMetadataValue(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === '' || value.length > SYSTEM_METADATA_MAX_LENGTH) {
    throw usageError(`${option} must be 1 to ${SYSTEM_METADATA_MAX_LENGTH} characters (the Custom Event Bus's limit); got ${value.length}`);
  }
  return value;
}

/**
 * Publishes the entries to the Custom Event Bus `bus` (a name or ARN), 100 a call; an entry
 * refused with a code a retry may cure is sent again (three tries in all), the others reported
 * with their ErrorCode and ErrorMessage.
 * @throws CliError when the target has no such bus, or a call fails as a whole (a stopped runtime, no credentials, an unknown bus)
 */
export async function putOnCustomBus(
  clients: Clients,
  bus: string,
  entries: readonly PutEventsV2Entry[],
  progress: (sent: number) => void,
): Promise<CustomBusSendResult> {
  const client = await customBusClient(clients);
  const busArn = await customBusArn(clients, client, bus);
  const outcomes: (CustomBusOutcome | undefined)[] = new Array(entries.length);
  const failures: CustomBusSendResult['failures'] = [];
  let pending = entries.map((_, index) => index);
  let done = 0;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const retry: number[] = [];
    for (let start = 0; start < pending.length; start += PUT_EVENTS_V2_MAX_ENTRIES) {
      const batch = pending.slice(start, start + PUT_EVENTS_V2_MAX_ENTRIES);
      const request = { EventBusArn: busArn, Entries: batch.map((index) => entries[index] as PutEventsV2Entry) };
      const answer = await call(clients.target, () => client.putEvents(request));
      batch.forEach((index, i) => {
        const result: PutEventsV2ResultEntry | undefined = answer.Entries?.[i];
        if (result?.EventId !== undefined && (result.SuccessCode === 'PUBLISHED' || result.SuccessCode === 'DEDUPLICATED')) {
          outcomes[index] = { eventId: result.EventId, status: result.SuccessCode };
          done++;
        } else if (result?.ErrorCode !== undefined && RETRIABLE.has(result.ErrorCode) && attempt < MAX_TRIES) {
          retry.push(index);
        } else {
          failures.push({
            index,
            errorCode: result?.ErrorCode ?? 'NoResult',
            errorMessage: result?.ErrorMessage ?? 'PutEvents answered no result for this entry',
          });
          done++;
        }
      });
      progress(done);
    }
    pending = retry;
  }
  failures.sort((a, b) => a.index - b.index);
  return { busArn, outcomes: outcomes.filter((o): o is CustomBusOutcome => o !== undefined), failures };
}
