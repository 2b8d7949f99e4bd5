import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type AnyEventContract, idempotencyFieldsMissing } from '../contracts/index.js';
import { compilePattern, matchesPattern } from '../local/events/pattern.js';
import { known, listed, TestAppError } from './poll.js';
import type { RunningApp } from './start.js';
import { executionNameOf, uniqueMatch } from './waits.js';

export interface SendOptions {
  /** The bus (its name, or a unique part of it). @default the app's only bus, else the one with a rule for the event */
  readonly bus?: string;
  /** @default the contract's source */
  readonly source?: string;
}

export interface Sent {
  /** The id EventBridge gave the event. */
  readonly eventId: string;
  readonly bus: string;
  /** The name the workflow starter gives the execution this event starts (its idempotency key's). */
  readonly executionName: string;
}

/**
 * Checks `detail` against the contract (the error names each field at fault, and each
 * idempotency field it has no value for) and sends it
 * with PutEvents, one entry: every call is a new event with its own id, as a producer's
 * retry would be.
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
