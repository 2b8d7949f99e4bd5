import { DescribeEventBusCommand, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { idempotencyFieldsMissing } from '../../contracts/identity.js';
import { PUT_EVENTS_MAX_BYTES, PUT_EVENTS_MAX_ENTRIES, putEventsEntrySize } from '../../contracts/put-events.js';
import { appBuses, severalNamed, thingsNamed } from '../../inspect/app-names.js';
import { defaultCdkOut, hasAssembly, noAssemblyAdvice, readAssembly, referencedId, resourcesOfType } from '../../inspect/assembly.js';
import { type AssemblyContract, contractsInAssembly } from '../../inspect/assembly-contracts.js';
import { type Clients, call, describeAwsError } from '../../inspect/aws.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { GLOBAL_HELP, integerOption, parseCommand, textOption } from '../args.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard send <detail-type> --detail <JSON|@file> [--source <s>] [--count <n>] [--bus <name>] [--no-validate]

Validates the detail against the event's contract, then sends it with PutEvents
(10 entries, and at most 256 KiB, per call). Prints the id of each event sent.

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
                      its logical id or construct path in the app, or an ARN
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

  const clients = io.clients(values);
  const bus = values.bus === undefined ? defaultBus(cdkOut, detailType) : busNamed(cdkOut, values.bus);
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
 * name. An ARN, and a name no bus of the app goes by (`default`, a bus of another app), are
 * taken as given; requireBus then checks the target has it.
 */
function busNamed(cdkOut: string, wanted: string): string {
  if (wanted.startsWith('arn:') || !hasAssembly(cdkOut)) return wanted;
  const named = thingsNamed(appBuses(readAssembly(cdkOut)), wanted, undefined, '--bus');
  if (named.length > 1) throw severalNamed(named, wanted, '--bus');
  return named[0]?.explicitName ?? wanted;
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

/** The bus a detail-type goes to: the assembly's only bus, or the one with a rule for it. */
function defaultBus(cdkOut: string, detailType: string): string {
  if (!hasAssembly(cdkOut))
    throw usageError(
      `--bus is required: no cloud assembly at ${cdkOut} to find the app's bus in (${noAssemblyAdvice(cdkOut)}, or pass --cdk-out <dir>)`,
    );
  const assembly = readAssembly(cdkOut);
  const buses = resourcesOfType(assembly, 'AWS::Events::EventBus').filter((b) => typeof b.properties.Name === 'string');
  if (buses.length === 1) return String(buses[0]?.properties.Name);
  const rules = resourcesOfType(assembly, 'AWS::Events::Rule');
  const listening = buses.filter((bus) =>
    rules.some((rule) => {
      const pattern = rule.properties.EventPattern as { 'detail-type'?: unknown } | undefined;
      const types = pattern?.['detail-type'];
      return referencedId(rule.properties.EventBusName) === bus.logicalId && Array.isArray(types) && types.includes(detailType);
    }),
  );
  if (listening.length === 1) return String(listening[0]?.properties.Name);
  const names = buses.map((b) => String(b.properties.Name));
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
