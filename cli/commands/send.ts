import { DescribeEventBusCommand, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { appBuses, severalNamed, thingsNamed } from '../../clients/assembly/app-names.js';
import { CUSTOM_EVENT_BUS_ARN } from '../../contracts/eventbridgev2-client.js';
import { idempotencyFieldsMissing } from '../../contracts/identity.js';
import { PUT_EVENTS_MAX_BYTES, PUT_EVENTS_MAX_ENTRIES, putEventsEntrySize } from '../../contracts/put-events.js';
import { defaultCdkOut, hasAssembly, noAssemblyAdvice, readAssembly, referencedId, resourcesOfType } from '../../inspect/assembly.js';
import { type AssemblyContract, contractsInAssembly } from '../../inspect/assembly-contracts.js';
import { type Clients, call, describeAwsError, type TargetOptions } from '../../inspect/aws.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { GLOBAL_HELP, integerOption, parseCommand, textOption } from '../args.js';
import { customBusEntries, putOnCustomBus } from '../send-custom-bus.js';
import type { Command, CommandIo } from './command.js';

export const HELP = `Usage: switchyard send <detail-type> --detail <JSON|@file> [--source <s>] [--count <n>] [--bus <name>] [--group <id>] [--dedup <id>] [--no-validate]

Validates the detail against the event's contract, then sends it with PutEvents
(10 entries, and at most 1 MiB, per call). Prints the id of each event sent. To a
Custom Event Bus (AWS::EventsV2::EventBus) it sends with the eventbridgev2 API's
PutEvents (100 entries per call) and prints each id with PUBLISHED, or DEDUPLICATED
for a repeat of a --dedup id within 300 seconds (the first event's id).

The contracts are the app's own, read from its cloud assembly (--cdk-out): the EventHub
construct publishes each one in its schema registry (AWS::EventSchemas::Schema), and the
detail is checked against that schema exactly as the contract's validate() checks it.
With no cloud assembly, or for a detail-type the assembly has no schema for, send refuses
the event unless --no-validate says to send it unchecked.

  <detail-type>       one of the app's contracts (listed below when the assembly is found)
  --detail <JSON>     the event's detail, as JSON or @file (@- reads stdin); every
                      "{n}" in it becomes the event's number (1..count), so that
                      --count sends distinct events
  --source <s>        the event's source (default: the contract's)
  --count <n>         send n events (default 1, at most 1,000,000)
  --bus <name|arn>    the bus (default: the app's bus from the cloud assembly): its name,
                      its logical id or construct path in the app, or an ARN; a Custom
                      Event Bus of the app by any of these, or of another app by its ARN
  --group <id>        a Custom Event Bus's EventGroupId: FIFO subscribers keep the order
                      of each group's events ({n} numbers it, as in --detail)
  --dedup <id>        a Custom Event Bus's DeduplicationId: a repeat within 300 seconds is
                      DEDUPLICATED, not delivered again ({n} numbers it)
  --no-validate       send the detail unchecked (still JSON): for events the assembly has
                      no contract for, or with no assembly at hand (then --source and --bus
                      are required); a warning on stderr says so

${GLOBAL_HELP}`;

/** What one PutEvents call takes (one rule for the kit and the CLI, in contracts/put-events.ts). */
export const MAX_BATCH_ENTRIES = PUT_EVENTS_MAX_ENTRIES;
export const MAX_BATCH_BYTES = PUT_EVENTS_MAX_BYTES;
const MAX_ENTRY_BYTES = PUT_EVENTS_MAX_BYTES;
/** Per-entry codes worth another try: EventBridge's own advice for PutEvents. */
const RETRIABLE = new Set(['ThrottlingException', 'InternalException', 'InternalFailure']);
const MAX_TRIES = 3;

export const send: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(argv, {
    detail: { type: 'string' },
    source: { type: 'string' },
    count: { type: 'string' },
    bus: { type: 'string' },
    group: { type: 'string' },
    dedup: { type: 'string' },
    'no-validate': { type: 'boolean' },
  });
  const cdkOut = defaultCdkOut(values['cdk-out']);
  const contracts = hasAssembly(cdkOut) ? contractsInAssembly(readAssembly(cdkOut)) : undefined;
  if (values.help) {
    io.out(HELP);
    if (contracts !== undefined) io.out(`\nThe app's contracts (${cdkOut}): ${knownTypes(contracts)}`);
    return;
  }
  if (positionals.length !== 1) throw usageError("send takes one <detail-type>: switchyard send OrderPlaced --detail '{...}'");
  const detailType = String(positionals[0]);
  const unvalidated = values['no-validate'] === true;
  const contract = contractFor(contracts, detailType, cdkOut, unvalidated);
  if (values.detail === undefined) throw usageError('--detail is required: the event detail as JSON or @file');
  const count = integerOption('count', values.count, 1, 1, 1_000_000);
  const detailText = textOption('detail', values.detail, io.stdin);
  const source = values.source ?? contract?.source;
  if (source === undefined) throw usageError(`--source is required: the app has no contract for ${detailType} to take it from`);
  if (source.trim() === '') throw usageError('--source must not be empty');
  if (unvalidated) io.err(`warning: ${detailType} is sent unchecked (--no-validate)`);

  const entries = eventEntries({ contract: unvalidated ? undefined : contract, detailType, detailText, source, count });

  const chosen = values.bus === undefined ? defaultBus(cdkOut, detailType) : busNamed(cdkOut, values.bus);
  if (chosen.custom) {
    const customEntries = customBusEntries(entries, { group: values.group, dedup: values.dedup });
    return sendToCustomBus(io, values, chosen.name, customEntries);
  }
  if (values.group !== undefined || values.dedup !== undefined) {
    throw usageError(
      `--${values.group !== undefined ? 'group' : 'dedup'} is a Custom Event Bus's (AWS::EventsV2::EventBus); ${chosen.name} is a classic event bus, which has no event groups or deduplication ids`,
    );
  }
  const bus = chosen.name;
  const clients = io.clients(values);
  await requireBus(clients, bus, cdkOut);
  for (const entry of entries) entry.EventBusName = bus;

  const result = await putAll(clients, entries, (sent) => {
    if (count >= 100) io.err(`sent ${sent}/${count}`);
  });
  if (values.json) {
    io.out(
      JSON.stringify(
        { bus, sent: result.eventIds.length, failed: result.failures.length, eventIds: result.eventIds, failures: result.failures },
        null,
        2,
      ),
    );
  } else {
    for (const id of result.eventIds) io.out(id);
  }
  for (const f of result.failures) io.err(`event ${f.index + 1} failed: ${f.errorCode}: ${f.errorMessage}`);
  if (result.failures.length > 0) {
    throw new CliError(`${result.failures.length} of ${count} events were not accepted by ${bus} (listed above)`);
  }
};

/** Publishes to a Custom Event Bus; prints each event's id and PUBLISHED or DEDUPLICATED (send-custom-bus.ts). */
async function sendToCustomBus(
  io: CommandIo,
  values: TargetOptions & { json?: boolean },
  bus: string,
  entries: Parameters<typeof putOnCustomBus>[2],
): Promise<void> {
  const count = entries.length;
  let reported = 0;
  const result = await putOnCustomBus(io.clients(values), bus, entries, (sent) => {
    if (count >= 100 && (sent - reported >= Math.max(100, count / 10) || sent === count)) {
      io.err(`sent ${sent}/${count}`);
      reported = sent;
    }
  });
  const eventIds = result.outcomes.map((o) => o.eventId);
  if (values.json) {
    const { busArn, outcomes, failures } = result;
    io.out(JSON.stringify({ bus, busArn, sent: eventIds.length, failed: failures.length, eventIds, outcomes, failures }, null, 2));
  } else {
    for (const outcome of result.outcomes) io.out(`${outcome.eventId} ${outcome.status}`);
  }
  for (const f of result.failures) io.err(`event ${f.index + 1} failed: ${f.errorCode}: ${f.errorMessage}`);
  const first = result.failures[0];
  if (first !== undefined) {
    const which = result.failures.length === 1 ? `event ${first.index + 1} was` : `${result.failures.length} of ${count} events were`;
    throw new CliError(
      `${which} refused by the Custom Event Bus ${bus} (event ${first.index + 1}: ${first.errorCode}: ${first.errorMessage}${result.failures.length > 1 ? '; all listed above' : ''})`,
    );
  }
}

/**
 * Fails when the bus does not exist: PutEvents accepts an entry for a missing bus with an
 * EventId and drops it, as AWS does, so without this check the events would be lost quietly.
 */
async function requireBus(clients: Clients, bus: string, cdkOut: string): Promise<void> {
  try {
    await clients.events.send(new DescribeEventBusCommand({ Name: bus }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw describeAwsError(clients.target, error);
    const known = hasAssembly(cdkOut)
      ? `; the app's buses: ${
          appBuses(readAssembly(cdkOut))
            .map((b) => b.shown)
            .join(', ') || 'none'
        }`
      : '';
    throw new CliError(
      `no event bus ${bus}: PutEvents would accept the events and drop them, as AWS does (aws events list-event-buses lists the buses${known})`,
    );
  }
}

/**
 * The bus --bus names, by every name the commands and tools show it by (inspect/app-names.ts:
 * describe_app's name, its logical id, construct path), as PutEvents takes it: its deployed
 * name, and whether it is a Custom Event Bus. An ARN, and a name no bus of the app goes by
 * (`default`, a bus of another app), are taken as given, as a classic bus unless it is a Custom
 * Event Bus's ARN; requireBus (putOnCustomBus for a Custom Event Bus) then checks the target has it.
 */
function busNamed(cdkOut: string, wanted: string): ChosenBus {
  // A Custom Event Bus's ARN (`event-busv2/<name>/<id>`) says what it is, of this app or another.
  if (CUSTOM_EVENT_BUS_ARN.test(wanted)) return { name: wanted, custom: true };
  if (wanted.startsWith('arn:') || !hasAssembly(cdkOut)) return { name: wanted, custom: false };
  const named = thingsNamed(appBuses(readAssembly(cdkOut)), wanted, undefined, '--bus');
  if (named.length > 1) throw severalNamed(named, wanted, '--bus');
  return { name: named[0]?.explicitName ?? wanted, custom: named[0]?.custom === true };
}

/** The bus send puts events on, by the name its API takes, and whether it is a Custom Event Bus (eventbridgev2). */
interface ChosenBus {
  readonly name: string;
  readonly custom: boolean;
}

/** The app's contract of `detailType`; a usage error when there is none, unless the event is sent unchecked. */
function contractFor(
  contracts: ReturnType<typeof contractsInAssembly> | undefined,
  detailType: string,
  cdkOut: string,
  unvalidated: boolean,
) {
  const contract = contracts?.find((c) => c.detailType === detailType);
  if (contract !== undefined || unvalidated) return contract;
  if (contracts === undefined) {
    throw usageError(
      `no cloud assembly at ${cdkOut} to find the contract of ${detailType} in: ${noAssemblyAdvice(cdkOut)}, or pass --cdk-out <dir>; --no-validate sends it unchecked`,
    );
  }
  throw usageError(
    contracts.length === 0
      ? `unknown detail-type "${detailType}": the cloud assembly at ${cdkOut} publishes no contracts (an EventHub's contracts); --no-validate sends it unchecked`
      : `unknown detail-type "${detailType}": the app's contracts are ${knownTypes(contracts)}`,
  );
}

/** The `count` events to put, each detail checked against the contract (`{n}` in the detail numbers them). */
function eventEntries(event: {
  contract: Parameters<typeof validDetail>[0];
  detailType: string;
  detailText: string;
  source: string;
  count: number;
}): PutEventsRequestEntry[] {
  const { contract, detailType, detailText, source, count } = event;
  const templated = detailText.includes('{n}');
  const entries: PutEventsRequestEntry[] = [];
  for (let n = 1; n <= count; n++) {
    // Identical events need only one validation.
    const detail =
      templated || n === 1
        ? validDetail(contract, detailType, detailText.replaceAll('{n}', String(n)), templated && count > 1 ? n : undefined)
        : undefined;
    entries.push(
      detail === undefined
        ? { ...(entries[0] as PutEventsRequestEntry) }
        : { Source: source, DetailType: detailType, Detail: JSON.stringify(detail) },
    );
  }
  const tooBig = entries.findIndex((e) => entrySize(e) > MAX_ENTRY_BYTES);
  if (tooBig >= 0)
    throw usageError(
      `--detail: event ${tooBig + 1} is ${entrySize(entries[tooBig] as PutEventsRequestEntry)} bytes; EventBridge takes at most ${MAX_ENTRY_BYTES}`,
    );
  return entries;
}

/** The parsed detail, or a usage error naming the field the contract rejects (any JSON object without a contract). */
export function validDetail(
  contract: Pick<AssemblyContract, 'validate' | 'idempotencyFields'> | undefined,
  detailType: string,
  text: string,
  n?: number,
): object {
  const which = n === undefined ? '' : ` (event ${n})`;
  let detail: unknown;
  try {
    detail = JSON.parse(text);
  } catch (error) {
    throw usageError(`--detail is not valid JSON${which}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (contract === undefined) {
    // EventBridge takes only an object as the detail.
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) throw usageError(`--detail must be a JSON object${which}`);
    return detail;
  }
  const result = contract.validate(detail);
  if (!result.ok) {
    const problems = result.errors.map(fieldError);
    throw usageError(`invalid ${detailType}${which}: ${problems.join('; ')}`);
  }
  // A schema may let a key field be left out; every consumer would dead-letter such an event.
  const unkeyable = idempotencyFieldsMissing(
    { detailType, idempotencyFields: contract.idempotencyFields },
    result.value as Record<string, unknown>,
  );
  if (unkeyable !== undefined) throw usageError(`invalid ${detailType}${which}: ${unkeyable.message}`);
  return result.value;
}

function knownTypes(contracts: readonly AssemblyContract[]): string {
  return contracts.map((c) => c.detailType).join(', ');
}

/** `/a/b: message` from the contract's validator as `detail.a.b: message`; a missing property is named as the field. */
function fieldError(error: string): string {
  const [, at = '', message = error] = /^([^:]*): (.*)$/s.exec(error) ?? [];
  const path = ['detail', ...at.split('/').filter((p) => p !== '')];
  const missing = /^must have required property '(.+)'$/.exec(message);
  return missing ? `${[...path, missing[1]].join('.')}: is required` : `${path.join('.')}: ${message}`;
}

/**
 * The bus a detail-type goes to: the assembly's only classic bus, or the one with a rule for it;
 * with no named classic bus, the app's only Custom Event Bus.
 */
function defaultBus(cdkOut: string, detailType: string): ChosenBus {
  if (!hasAssembly(cdkOut))
    throw usageError(
      `--bus is required: no cloud assembly at ${cdkOut} to find the app's bus in (${noAssemblyAdvice(cdkOut)}, or pass --cdk-out <dir>)`,
    );
  const assembly = readAssembly(cdkOut);
  const buses = resourcesOfType(assembly, 'AWS::Events::EventBus').filter((b) => typeof b.properties.Name === 'string');
  const custom = appBuses(assembly).filter((b) => b.custom === true);
  if (buses.length === 0 && custom.length === 1) return { name: String(custom[0]?.shown), custom: true };
  if (buses.length === 1) return { name: String(buses[0]?.properties.Name), custom: false };
  const rules = resourcesOfType(assembly, 'AWS::Events::Rule');
  const listening = buses.filter((bus) =>
    rules.some((rule) => {
      const pattern = rule.properties.EventPattern as { 'detail-type'?: unknown } | undefined;
      const types = pattern?.['detail-type'];
      return referencedId(rule.properties.EventBusName) === bus.logicalId && Array.isArray(types) && types.includes(detailType);
    }),
  );
  if (listening.length === 1) return { name: String(listening[0]?.properties.Name), custom: false };
  const names = [...buses.map((b) => String(b.properties.Name)), ...custom.map((b) => `${b.shown} (a Custom Event Bus)`)];
  throw usageError(`--bus is required: the app has ${names.length === 0 ? 'no named bus' : `several buses (${names.join(', ')})`}`);
}

/** Entry size as EventBridge counts it. */
export const entrySize = putEventsEntrySize;

/** Splits entries into PutEvents calls: at most 10 entries and MAX_BATCH_BYTES each (a larger entry goes alone). */
export function batches<T extends PutEventsRequestEntry>(entries: readonly T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (current.length > 0 && (current.length === MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export interface SendResult {
  readonly eventIds: string[];
  readonly failures: { index: number; errorCode: string; errorMessage: string }[];
}

/**
 * Sends every entry, batch by batch; entries refused with a retriable code are sent again
 * (up to three tries), the others are reported with their ErrorCode and ErrorMessage.
 */
async function putAll(clients: Clients, entries: readonly PutEventsRequestEntry[], progress: (sent: number) => void): Promise<SendResult> {
  const eventIds: (string | undefined)[] = new Array(entries.length);
  const failures: SendResult['failures'] = [];
  let pending = entries.map((entry, index) => ({ entry, index }));
  let done = 0;
  let lastReported = 0;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const retry: typeof pending = [];
    for (const batch of batches(pending.map((p) => Object.assign({}, p.entry, { index: p.index })))) {
      const request = batch.map(({ index: _, ...entry }) => entry);
      const answer = await call(clients.target, () => clients.events.send(new PutEventsCommand({ Entries: request })));
      const results = answer.Entries ?? [];
      batch.forEach((item, i) => {
        const r = results[i];
        if (r?.EventId) {
          eventIds[item.index] = r.EventId;
          done++;
        } else if (r?.ErrorCode && RETRIABLE.has(r.ErrorCode) && attempt < MAX_TRIES) {
          retry.push({ entry: entries[item.index] as PutEventsRequestEntry, index: item.index });
        } else {
          failures.push({
            index: item.index,
            errorCode: r?.ErrorCode ?? 'NoResult',
            errorMessage: r?.ErrorMessage ?? 'PutEvents returned no result for this entry',
          });
          done++;
        }
      });
      if (done - lastReported >= Math.max(100, entries.length / 10) || done === entries.length) {
        progress(done);
        lastReported = done;
      }
    }
    pending = retry;
  }
  failures.sort((a, b) => a.index - b.index);
  return { eventIds: eventIds.filter((id): id is string => id !== undefined), failures };
}
