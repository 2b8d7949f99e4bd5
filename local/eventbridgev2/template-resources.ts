import type { LoadedApp, LoadedResource } from '../template/load.js';
import { tagMap } from '../template/tags.js';
import type { BusRecord, EventBridgeV2Store, EventSourceRecord, Fields, SubscriberRecord } from './store.js';

function settings(resource: LoadedResource, omit: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(resource.properties).filter(([key]) => !omit.includes(key)));
}

/**
 * The template's buses, subscribers, event sources and resource policies, kept in the store
 * under the ARNs their `Ref`s resolve to, so that the API describes and lists them as it does
 * its own; a template resource gone from the template is gone from the store. What the API
 * changed of one is replaced by the template's at each start, as a deployment would.
 */
export function declareTemplateResources(
  store: EventBridgeV2Store,
  app: LoadedApp,
  now: number,
  subscriberDefaults: (configuration: Record<string, unknown>) => Fields,
): void {
  const kept = new Set<string>();
  store.atomically(() => {
    for (const stack of app.stacks) {
      for (const resource of stack.resources) {
        const template = `${stack.stackName}/${resource.logicalId}`;
        const owned = {
          Name: resource.physicalName,
          CreationTime: now,
          LastModifiedTime: now,
          template,
        };
        if (resource.type === 'AWS::EventsV2::EventBus') {
          const earlier = store.buses.get(resource.ref);
          const bus: BusRecord = {
            ...owned,
            ...settings(resource, ['Name', 'Tags']),
            EventBusArn: resource.ref,
            Policies: earlier?.Policies ?? {},
          };
          store.buses.put(resource.ref, bus);
        } else if (resource.type === 'AWS::EventsV2::Subscriber') {
          const subscriber: SubscriberRecord = {
            ...owned,
            SubscriberArn: resource.ref,
            EventBusArn: String(resource.properties.EventBusArn ?? ''),
            configuration: subscriberDefaults(settings(resource, ['Name', 'Tags', 'EventBusArn'])),
          };
          store.subscribers.put(resource.ref, subscriber);
        } else if (resource.type === 'AWS::EventsV2::EventSource') {
          const source: EventSourceRecord = {
            ...owned,
            EventSourceArn: resource.ref,
            EventBusArn: String(resource.properties.EventBusArn ?? ''),
            Configuration: (resource.properties.Configuration ?? {}) as Fields,
            ...settings(resource, ['Name', 'Tags', 'EventBusArn', 'Configuration']),
          };
          store.sources.put(resource.ref, source);
        } else {
          continue;
        }
        kept.add(resource.ref);
        store.tags.replace(resource.ref, Object.entries(tagMap(resource.properties.Tags)));
      }
    }
    // The policies after the buses they attach to, whichever stack declares them.
    for (const stack of app.stacks) {
      for (const resource of stack.resources) {
        if (resource.type !== 'AWS::EventsV2::ResourcePolicy') continue;
        const bus = store.buses.get(resource.ref);
        if (bus === undefined) continue;
        const name = String(resource.properties.PolicyName ?? 'default');
        const document = resource.properties.PolicyDocument;
        const PolicyDocument = typeof document === 'string' ? document : JSON.stringify(document);
        store.buses.put(bus.EventBusArn, {
          ...bus,
          Policies: { ...bus.Policies, [name]: { PolicyDocument, RevisionId: `template-${stack.stackName}-${resource.logicalId}` } },
        });
      }
    }
    for (const table of [store.subscribers, store.sources, store.buses] as const) {
      for (const [arn, item] of table.entries()) {
        if (item.template === undefined || kept.has(arn)) continue;
        store.remove(table, arn);
      }
    }
  });
}
