import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type AnyEventContract, idempotencyFieldsMissing } from '../contracts/index.js';
import { compilePattern, matchesPattern } from '../local/events/pattern.js';
import { known, listed, TestAppError } from './poll.js';
import { customBusNamed, publishToCustomBus } from './send-custom-bus.js';
import type { RunningApp } from './start.js';
import { executionNameOf, uniqueMatch } from './waits.js';

export interface SendOptions {
  /**
   * The bus (its name, or a unique part of it): a classic bus, or a Custom Event Bus
   * (`AWS::EventsV2::EventBus`), which the event is then published to with the eventbridgev2 API.
   * @default the app's only classic bus, else the one with a rule for the event
   */
  readonly bus?: string;
  /** @default the contract's source */
  readonly source?: string;
  /**
   * A Custom Event Bus only: the event's `EventGroupId` (its FIFO subscribers keep each group's order).
   * @default - no event group
   */
  readonly eventGroupId?: string;
  /**
   * A Custom Event Bus only: the event's `DeduplicationId`; a repeat within 300 seconds is
   * answered `DEDUPLICATED` with the first event's id, and not delivered again.
   * @default - no deduplication id
   */
  readonly deduplicationId?: string;
}

export interface Sent {
  /** The id EventBridge gave the event. */
  readonly eventId: string;
  readonly bus: string;
  /** The name the workflow starter gives the execution this event starts (its idempotency key's). */
  readonly executionName: string;
  /**
   * A Custom Event Bus's answer: `PUBLISHED`, or `DEDUPLICATED` for a repeat of a
   * `deduplicationId` (then `eventId` is the first event's).
   * @default - absent for a classic bus, which answers no such code
   */
  readonly status?: 'PUBLISHED' | 'DEDUPLICATED';
}

/**
 * Checks `detail` against the contract (the error names each field at fault, and each
 * idempotency field it has no value for) and sends it
 * with PutEvents, one entry: every call is a new event with its own id, as a producer's
 * retry would be (on a Custom Event Bus, unless `deduplicationId` repeats one).
 */
export async function send(app: RunningApp, contract: AnyEventContract, detail: object, options: SendOptions = {}): Promise<Sent> {
  const checked = contract.validate(detail);
  if (!checked.ok) {
    throw new TestAppError(`${contract.detailType} does not satisfy its contract: ${checked.errors.join('; ')}`);
  }
  // Before PutEvents: naming the execution after a key the event lacks would fail once it is sent.
  const unkeyable = idempotencyFieldsMissing(contract, detail as Record<string, unknown>);
  if (unkeyable !== undefined) throw new TestAppError(unkeyable.message, { cause: unkeyable });
  const source = options.source ?? contract.source;
  const custom = options.bus === undefined ? undefined : await customBusNamed(app, options.bus);
  if (custom !== undefined) {
    const systemMetadata = {
      ...(options.eventGroupId === undefined ? {} : { EventGroupId: options.eventGroupId }),
      ...(options.deduplicationId === undefined ? {} : { DeduplicationId: options.deduplicationId }),
    };
    const entry = { Source: source, DetailType: contract.detailType, Detail: JSON.stringify(detail) };
    const published = await publishToCustomBus(
      app,
      custom,
      Object.keys(systemMetadata).length === 0 ? entry : { ...entry, SystemMetadata: systemMetadata },
    );
    const executionName = executionNameOf(contract, detail as Record<string, unknown>, published.eventId);
    return { eventId: published.eventId, bus: custom.name, executionName, status: published.status };
  }
  if (options.eventGroupId !== undefined || options.deduplicationId !== undefined) {
    throw new TestAppError(
      `${options.eventGroupId !== undefined ? 'eventGroupId' : 'deduplicationId'} is a Custom Event Bus's (AWS::EventsV2::EventBus): name one as { bus }; a classic bus has no event groups or deduplication ids`,
    );
  }
  const bus = busFor(app, { source, 'detail-type': contract.detailType, detail }, options.bus);
  const result = await app.clients.eventbridge.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: bus, Source: source, DetailType: contract.detailType, Detail: JSON.stringify(detail) }],
    }),
  );
  const entry = result.Entries?.[0];
  if (entry?.EventId === undefined) {
    throw new TestAppError(`${bus} did not accept the ${contract.detailType}: ${entry?.ErrorCode}: ${entry?.ErrorMessage}`);
  }
  const executionName = executionNameOf(contract, detail as Record<string, unknown>, entry.EventId);
  return { eventId: entry.EventId, bus, executionName };
}

/** The bus an event goes to: the one named, else the app's only bus, else the only one with an enabled rule matching it. */
function busFor(app: RunningApp, event: { source: string; 'detail-type': string; detail: object }, wanted: string | undefined): string {
  const { buses, rules } = app.runtime.definitions;
  const names = buses.map((b) => b.name);
  if (wanted !== undefined) return known('event bus', wanted, names, uniqueMatch(wanted, names));
  if (names.length === 1) return names[0] as string;
  const envelope = {
    version: '0',
    id: '0',
    account: '000000000000',
    region: 'us-east-1',
    time: new Date().toISOString(),
    resources: [],
    ...event,
  };
  const listening = names.filter((bus) =>
    rules.some((r) => r.busName === bus && r.eventPattern !== undefined && matchesPattern(compilePattern(r.eventPattern), envelope)),
  );
  if (listening.length === 1) return listening[0] as string;
  throw new TestAppError(
    `say which bus to send ${event['detail-type']} to ({ bus }): ${listening.length === 0 ? 'no rule of the app matches it' : 'rules on several buses match it'}; the app's buses: ${listed(names)}`,
  );
}
