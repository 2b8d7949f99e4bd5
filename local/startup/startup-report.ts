import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RuleDefinition } from '../events/definitions.js';
import { ANY_EVENT, matchesRule, matchingSamples } from '../events/sample-event.js';
import { shellQuote } from '../service-registry/report-lines.js';
import type { ServiceDefinitions } from '../service-registry/service-definitions.js';
import type { ServiceReport } from '../service-registry/service-module.js';

export { type ScheduleLine, scheduleLine } from '../service-registry/report-lines.js';
export type { ServiceReport } from '../service-registry/service-module.js';

export interface StartupReportInput {
  /** The endpoint's base URL. */
  readonly url: string;
  readonly definitions: ServiceDefinitions;
  /** What runs differently from AWS, a line each (`[not as in AWS]` is put before it), or a line with its own `[...]` tag. */
  readonly warnings: readonly string[];
  readonly dataDir: string;
  readonly startedSeconds: number;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** The project folder: an `examples/ticket-created.json` there is suggested when it matches a rule of the app. */
  readonly root: string;
  /** What each service says of itself (its module's `report`), in the order the services start. @default - nothing */
  readonly services?: readonly ServiceReport[];
}

export interface StartupReport {
  /** What was loaded and how to reach it (stdout). */
  readonly lines: readonly string[];
  /** One line for each thing not run locally (stderr). */
  readonly warnings: readonly string[];
}

const EXAMPLE = path.join('examples', 'ticket-created.json');

/**
 * What `npm start` prints once the runtime listens: the endpoint, what the app has, and
 * one command to try that fits the loaded app (an event its first rule matches, else its
 * queues, state machines or topics), never a file that does not belong to it.
 */
export function startupReport(input: StartupReportInput): StartupReport {
  const { definitions, url } = input;
  const services = input.services ?? [];
  const lines = [
    `Switchyard local runtime listening on ${url} (started in ${input.startedSeconds.toFixed(1)} s)`,
    ...(definitions.buses.length > 0 ? [`  event buses: ${definitions.buses.map((b) => b.name).join(', ')}`] : []),
    countsLine(definitions, services),
    ...services.flatMap((service) => service.lines ?? []),
    `  data folder: ${input.dataDir}`,
    `  console: ${url}/ (executions, escalations, failures and live events in the browser)`,
    ...services.flatMap((service) => service.serves ?? []),
  ];

  const aws = `aws --endpoint-url ${url}`;
  const entries = exampleFileEntries(input.root, definitions.rules) ?? sampleEntries(definitions);
  if (entries !== undefined) {
    lines.push(`  try: ${aws} events put-events --entries ${entries}`);
  } else {
    const candidates = services.flatMap((service) => (service.tryIt ? [service.tryIt] : []));
    lines.push(...candidates.flatMap((candidate) => (candidate.listing === undefined ? [] : [candidate.listing])));
    const best = candidates
      .filter((candidate) => candidate.command !== undefined || candidate.shell !== undefined)
      .sort((x, y) => x.rank - y.rank)[0];
    if (best !== undefined) lines.push(`  try: ${best.shell ?? `${aws} ${best.command}`}`);
  }
  return { lines, warnings: reportedWarnings(input.warnings) };
}

/**
 * Warnings as the report prints them (at start-up, and for a reload what the new app adds):
 * many resources of one type with one note folded into a line, each tagged. Each says itself
 * what differs from AWS (not run, run differently, left out); one tagged already
 * (`[as in AWS] ...`: a call that will fail here as it fails in AWS) keeps its tag.
 */
export function reportedWarnings(warnings: readonly string[]): string[] {
  const tagged = (warning: string) => (/^\[[^\]]+\] /.test(warning) ? warning : `[not as in AWS] ${warning}`);
  return groupedWarnings(warnings).map(tagged);
}

/** More resources than this of one type with the same note share one line (an app's alarms would fill the screen). */
const MAX_SEPARATE_WARNINGS = 3;

/**
 * The warnings, with those about many resources of one type that say the same thing
 * (`<path> (<type>): <note>`) folded into one line that counts them and names the first
 * few, in the order they came.
 */
function groupedWarnings(warnings: readonly string[]): string[] {
  const shape = /^(\S+) \(([A-Za-z0-9:]+)\): (.*)$/s;
  const parsed = warnings.map((warning) => {
    const match = shape.exec(warning);
    return match === null ? { warning } : { warning, path: match[1] ?? '', type: match[2] ?? '', note: match[3] ?? '' };
  });
  const paths = new Map<string, string[]>();
  for (const item of parsed) {
    if (item.type === undefined) continue;
    const key = `${item.type}\u0000${item.note}`;
    paths.set(key, [...(paths.get(key) ?? []), item.path]);
  }
  const out: string[] = [];
  const folded = new Set<string>();
  for (const item of parsed) {
    const key = item.type === undefined ? undefined : `${item.type}\u0000${item.note}`;
    const same = key === undefined ? [] : (paths.get(key) ?? []);
    if (key === undefined || same.length <= MAX_SEPARATE_WARNINGS) out.push(item.warning);
    else if (!folded.has(key)) {
      folded.add(key);
      const shown = same.slice(0, MAX_SEPARATE_WARNINGS).join(', ');
      out.push(`${same.length} resources (${item.type}: ${shown}, and ${same.length - MAX_SEPARATE_WARNINGS} more): ${item.note}`);
    }
  }
  return out;
}

/** The app's counts of what it has, and the services' own, each above zero. */
function countsLine(definitions: ServiceDefinitions, services: readonly ServiceReport[]): string {
  const counts = [
    `rules: ${definitions.rules.length}`,
    `queues: ${definitions.queues.length}`,
    `functions: ${definitions.functions.length}`,
    `tables: ${definitions.tables.length}`,
    `state machines: ${definitions.stateMachines.length}`,
    ...services.flatMap((service) => Object.entries(service.counts ?? {}).flatMap(([what, n]) => (n > 0 ? [`${what}: ${n}`] : []))),
  ];
  return `  ${counts.join(', ')}`;
}

/** `file://examples/ticket-created.json` when that file exists and one of its entries matches an enabled rule on its bus. */
function exampleFileEntries(root: string, rules: readonly RuleDefinition[]): string | undefined {
  const file = path.join(root, EXAMPLE);
  if (!existsSync(file)) return undefined;
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(entries)) return undefined;
  const matchesARule = entries.some((entry: Record<string, unknown>) => {
    let detail: unknown;
    try {
      detail = JSON.parse(String(entry.Detail ?? '{}'));
    } catch {
      return false;
    }
    const bus = String(entry.EventBusName ?? 'default');
    return rules.some((rule) => rule.busName === bus && matchesRule(rule, String(entry.Source), String(entry.DetailType), detail));
  });
  return matchesARule ? `file://${EXAMPLE}` : undefined;
}

/**
 * An entry for the first bus with a rule, which that rule matches: built from an event schema
 * the app publishes (its contract, so its consumers accept the detail) with what the rule's
 * pattern asks of the detail laid over it, else from the pattern alone.
 */
function sampleEntries(definitions: ServiceDefinitions): string | undefined {
  const busOrder = [...definitions.buses.map((b) => b.name), 'default'];
  const rules = [...definitions.rules]
    .filter((rule) => rule.state === 'ENABLED' && rule.eventPattern !== undefined)
    .sort((a, b) => rank(busOrder, a.busName) - rank(busOrder, b.busName));
  // A rule that names its source and detail type gives the telling example; one that asks neither
  // (a pattern on the account, say) matches what PutEvents sends with any, so a stand-in serves.
  for (const fill of [undefined, ANY_EVENT]) {
    for (const rule of rules) {
      for (const sample of matchingSamples(rule, definitions.eventSchemas ?? [], fill)) {
        // PutEvents refuses a source starting with aws. (NotAuthorizedForSourceException): AWS services send those.
        if (sample.source.startsWith('aws.')) continue;
        const entry = {
          EventBusName: rule.busName,
          Source: sample.source,
          DetailType: sample.detailType,
          Detail: JSON.stringify(sample.detail),
        };
        return shellQuote(JSON.stringify([entry]));
      }
    }
  }
  return undefined;
}

function rank(order: readonly string[], bus: string): number {
  const index = order.indexOf(bus);
  return index === -1 ? order.length : index;
}
