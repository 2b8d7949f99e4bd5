import { type CustomBusesPage, type CustomBusSubscriber, READ_API_PATHS } from '../../clients/read-api-contract.js';
import { only, type ServiceReads, sendJson } from '../read-api/routes.js';
import type { SubscriberCursors } from './delivery/cursors.js';
import type { EventBridgeV2Store, Fields, SubscriberRecord } from './store.js';

/** What a bus without StorageConfiguration keeps its events for (the service's default; docs/local-runtime/eventbridgev2.md). */
const DEFAULT_RETENTION_DAYS = 1;

/**
 * What EventBridge's Custom Event Buses add to the read API: `/custom-buses`, each bus with its
 * subscribers, their settings and what each did with the events it selected. The console draws
 * it: the service speaks Smithy RPC v2 CBOR, which the console's AWS clients do not.
 */
export function customBusesReads(store: EventBridgeV2Store, cursors: SubscriberCursors | undefined): ServiceReads {
  return {
    routes: [
      {
        path: READ_API_PATHS.customBuses,
        handle({ query, res }) {
          only(query, []);
          const subscribers = store.subscribers.all();
          const page: CustomBusesPage = {
            buses: store.buses
              .all()
              .map((bus) => ({
                name: bus.Name,
                arn: bus.EventBusArn,
                retentionDays: bus.StorageConfiguration?.RetentionPeriodInDays ?? DEFAULT_RETENTION_DAYS,
                subscribers: subscribers
                  .filter((s) => s.EventBusArn === bus.EventBusArn && !s.Revoked)
                  .map((s) => subscriberSummary(s, cursors))
                  .sort((a, b) => a.name.localeCompare(b.name)),
              }))
              .sort((a, b) => a.name.localeCompare(b.name)),
          };
          sendJson(res, 200, page);
        },
      },
    ],
  };
}

/** A subscriber as the route answers it: its configuration (with AWS's defaults, store.ts) and its counts. */
function subscriberSummary(subscriber: SubscriberRecord, cursors: SubscriberCursors | undefined): CustomBusSubscriber {
  const config = subscriber.configuration;
  const invoke = (config.InvokeConfiguration ?? {}) as Fields;
  const batch = config.BatchConfiguration as Fields | undefined;
  const filters = (((config.FilterConfiguration as Fields | undefined)?.Filters ?? []) as Fields[]).map((filter) => ({
    scope: String(filter.Scope ?? 'DATA'),
    pattern: String(filter.Pattern),
  }));
  const deadLetterArn = (config.OnFailureConfiguration as Fields | undefined)?.Arn;
  return {
    name: subscriber.Name,
    arn: subscriber.SubscriberArn,
    targetArn: String(invoke.TargetArn),
    type: String(config.Type),
    state: String(config.State),
    filters,
    ...(batch === undefined
      ? {}
      : {
          batch: {
            ...(typeof batch.MaxBatchSize === 'number' ? { maxBatchSize: batch.MaxBatchSize } : {}),
            ...(typeof batch.MaxBatchWindowInSeconds === 'number' ? { maxBatchWindowInSeconds: batch.MaxBatchWindowInSeconds } : {}),
          },
        }),
    ...(typeof deadLetterArn === 'string' ? { deadLetterArn } : {}),
    // Without delivery (the API's own tests) nothing was delivered: every count is 0.
    counts: cursors?.tally(subscriber.SubscriberArn) ?? { delivered: 0, retrying: 0, deadLettered: 0, dropped: 0, waiting: 0 },
  };
}
