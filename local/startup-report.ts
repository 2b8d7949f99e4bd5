import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { tryParseArn } from './arn.js';
import type { EventSchemaDefinition, RuleDefinition } from './events/definitions.js';
import { compilePattern, matchesPattern } from './events/pattern.js';
import { exampleOf } from './events/schema-example.js';
import { durableFunctionLines } from './lambda/durable/startup-lines.js';
import type { ServiceDefinitions } from './service-definitions.js';

export interface StartupReportInput {
  /** The endpoint's base URL. */
  readonly url: string;
  readonly definitions: ServiceDefinitions;
  /** What runs differently from AWS, a line each (`[not as in AWS]` is put before it), or a line with its own `[...]` tag. */
  readonly warnings: readonly string[];
  readonly dataDir: string;
  readonly startedSeconds: number;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** The project folder: an `examples/ticket-created.json` there is suggested when it matches a rule of the app. */
  readonly root: string;
  /** The SNS topics the runtime has (their ARNs). @default - none */
  readonly topicArns?: readonly string[];
  /** Where each HTTP API stage answers locally. @default - none */
  readonly httpApis?: readonly { name: string; apiId: string; stage: string; url: string; routes: readonly string[]; kind?: 'rest' }[];
  /** Scheduler schedules and scheduled rules, each with its next firing. @default - none */
  readonly schedules?: readonly ScheduleLine[];
  /** The template's S3 buckets, whether each sends its events to EventBridge, and its queue, topic and function notifications. @default - none */
  readonly buckets?: readonly BucketLine[];
  /** The pipes that run, each with the table whose stream it reads (or the queue it polls) and its target. @default - none */
  readonly pipes?: readonly { kind: string; name: string; table?: string; queue?: string; target: string }[];
  /** Where Bedrock Runtime's answers come from (a line). @default - not said */
  readonly models?: string;
  /** What IAM does with a request the app's policies do not allow (a line). @default - not said */
  readonly iam?: string;
  /** How functions get the AWS SDK, and each function whose init will fail on a package no Lambda runtime has (lines). @default - not said */
  readonly sdk?: readonly string[];
  /** Whether SES runs in its sandbox, and where its mail goes (a line). @default - not said */
  readonly ses?: string;
}

/** A schedule (or scheduled rule) as the start-up report names it. */
export interface ScheduleLine {
  /** `schedule <group>/<name>` or `rule <name>`. */
  readonly label: string;
  readonly expression: string;
  readonly timeZone?: string;
  readonly enabled: boolean;
  /** Epoch ms of the next firing; absent when none is left. */
  readonly next?: number;
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
  const accountId = input.accountId ?? '000000000000';
  const topics = input.topicArns ?? [];
  // A message sent to a dead-letter queue shows nothing of the app; suggest one of its working queues.
  const deadLetterQueues = new Set(definitions.queues.flatMap((q) => deadLetterTargetName(q.attributes.RedrivePolicy)));
  const queueUrls = [
    ...definitions.queues.filter((q) => !deadLetterQueues.has(q.name)),
    ...definitions.queues.filter((q) => deadLetterQueues.has(q.name)),
  ].map((q) => `${url}/${accountId}/${q.name}`);
  const lines = [
    `Switchyard local runtime listening on ${url} (started in ${input.startedSeconds.toFixed(1)} s)`,
    ...(definitions.buses.length > 0 ? [`  event buses: ${definitions.buses.map((b) => b.name).join(', ')}`] : []),
    `  rules: ${definitions.rules.length}, queues: ${definitions.queues.length}, functions: ${definitions.functions.length}, tables: ${definitions.tables.length}, state machines: ${definitions.stateMachines.length}${topics.length > 0 ? `, topics: ${topics.length}` : ''}`,
    ...bucketLines(input.buckets ?? [], url),
    ...(input.models ? [input.models] : []),
    ...(input.iam ? [input.iam] : []),
    ...(input.sdk ?? []),
    ...(input.ses ? [input.ses] : []),
    `  data folder: ${input.dataDir}`,
    `  console: ${url}/ (executions, escalations, failures and live events in the browser)`,
    ...(input.schedules ?? []).map((schedule) => `  ${schedule.label}: ${scheduleSummary(schedule)}`),
  ];

  for (const api of input.httpApis ?? []) {
    const host = `http://${api.apiId}.execute-api.localhost:${new URL(url).port}${api.stage === '$default' ? '' : `/${api.stage}`}`;
    lines.push(
      `  ${api.kind === 'rest' ? 'rest' : 'http'} api ${api.name} (${api.apiId}, stage ${api.stage}): ${api.url} (or ${host}); routes: ${api.routes.join(', ')}`,
    );
  }

  for (const pipe of input.pipes ?? []) {
    const source = pipe.queue === undefined ? `changes of table ${pipe.table}` : `messages of queue ${pipe.queue}`;
    lines.push(`  ${pipe.kind} ${pipe.name}: ${source} -> ${pipe.target}`);
  }
  lines.push(...durableFunctionLines(definitions.functions, url));

  const aws = `aws --endpoint-url ${url}`;
  const entries = exampleFileEntries(input.root, definitions.rules) ?? sampleEntries(definitions);
  if (entries !== undefined) {
    lines.push(`  try: ${aws} events put-events --entries ${entries}`);
  } else {
    if (queueUrls.length > 0) lines.push(`  queues: ${queueUrls.join(', ')}`);
    if (definitions.stateMachines.length > 0) lines.push(`  state machines: ${definitions.stateMachines.map((s) => s.arn).join(', ')}`);
    if (topics.length > 0) lines.push(`  topics: ${topics.join(', ')}`);
    const [queueUrl] = queueUrls;
    const [stateMachine] = definitions.stateMachines;
    const [fn] = definitions.functions;
    const [topic] = topics;
    if (topic !== undefined) lines.push(`  try: ${aws} sns publish --topic-arn ${topic} --message hello`);
    else if (queueUrl !== undefined)
      lines.push(`  try: ${aws} sqs send-message --queue-url ${queueUrl} --message-body ${shellQuote('{}')}`);
    else if (stateMachine !== undefined) {
      lines.push(`  try: ${aws} stepfunctions start-execution --state-machine-arn ${stateMachine.arn} --input ${shellQuote('{}')}`);
    } else if (fn !== undefined)
      lines.push(`  try: ${aws} lambda invoke --function-name ${fn.name} --payload ${shellQuote('{}')} /dev/stdout`);
  }
  // Each warning says itself what differs from AWS (not run, run differently, left out); one
  // tagged already (`[as in AWS] ...`: a call that will fail here as it fails in AWS) keeps its tag.
  const tagged = (warning: string) => (/^\[[^\]]+\] /.test(warning) ? warning : `[not as in AWS] ${warning}`);
  return { lines, warnings: groupedWarnings(input.warnings).map(tagged) };
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

function scheduleSummary(schedule: ScheduleLine): string {
  const zone = schedule.timeZone && schedule.timeZone !== 'UTC' && schedule.timeZone !== 'Etc/UTC' ? ` (${schedule.timeZone})` : '';
  if (!schedule.enabled) return `${schedule.expression}${zone}, disabled`;
  const next = schedule.next === undefined ? 'no firing left' : `next ${new Date(schedule.next).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  return `${schedule.expression}${zone}, ${next}`;
}

interface BucketLine {
  readonly name: string;
  readonly eventBridge: boolean;
  readonly configurations?: readonly { readonly kind: string; readonly arn: string }[];
}

/** The buckets, where each sends its events, and how to upload to one that sends them somewhere. */
function bucketLines(buckets: readonly BucketLine[], url: string): string[] {
  if (buckets.length === 0) return [];
  const destinations = (b: BucketLine) => [
    ...(b.eventBridge ? ['events to the default bus'] : []),
    ...(b.configurations ?? []).map((c) => `${c.kind} ${tryParseArn(c.arn)?.resourceId ?? c.arn}`),
  ];
  const notifying = buckets.filter((b) => destinations(b).length > 0);
  const names = buckets
    .map((b) => (destinations(b).length > 0 ? `${b.name} (${[...new Set(destinations(b))].join(', ')})` : b.name))
    .join(', ');
  const lines = [`  buckets: ${names}`];
  const [first] = notifying;
  if (first !== undefined) lines.push(`  upload: aws --endpoint-url ${url} s3 cp <file> s3://${first.name}/<key>`);
  return lines;
}

/** The queue name a RedrivePolicy sends to. */
function deadLetterTargetName(redrivePolicy: string | undefined): string[] {
  if (redrivePolicy === undefined) return [];
  try {
    const target = (JSON.parse(redrivePolicy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
    return typeof target === 'string' ? [tryParseArn(target)?.resourceId ?? target] : [];
  } catch {
    return [];
  }
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
    return rules.some((rule) => rule.busName === bus && matches(rule, String(entry.Source), String(entry.DetailType), detail));
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
  for (const rule of rules) {
    for (const { source, detailType, detail } of sampleEvents(parsePattern(rule.eventPattern), definitions.eventSchemas ?? [])) {
      if (typeof source !== 'string' || typeof detailType !== 'string') continue;
      // PutEvents refuses a source starting with aws. (NotAuthorizedForSourceException): AWS services send those.
      if (source.startsWith('aws.')) continue;
      if (!matches(rule, source, detailType, detail)) continue;
      const entry = { EventBusName: rule.busName, Source: source, DetailType: detailType, Detail: JSON.stringify(detail) };
      return shellQuote(JSON.stringify([entry]));
    }
  }
  return undefined;
}

/** Events a rule's pattern may match: one per schema (its example, the pattern's detail over it), then the pattern's own. */
function sampleEvents(
  pattern: Record<string, unknown> | undefined,
  schemas: readonly EventSchemaDefinition[],
): { source: unknown; detailType: unknown; detail: Record<string, unknown> }[] {
  const asked = sampleObject(pattern?.detail) ?? {};
  const fromSchemas = schemas.map((schema) => {
    const example = exampleOf(schema.detail);
    return {
      source: schema.sources[0],
      detailType: schema.detailTypes[0],
      detail: isRecord(example) ? overlay(example, asked) : asked,
    };
  });
  return [...fromSchemas, { source: sampleValue(pattern?.source), detailType: sampleValue(pattern?.['detail-type']), detail: asked }];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `base` with `over`'s values in place of its own, objects merged field by field. */
function overlay(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const under = merged[key];
    merged[key] = isRecord(under) && isRecord(value) ? overlay(under, value) : value;
  }
  return merged;
}

function rank(order: readonly string[], bus: string): number {
  const index = order.indexOf(bus);
  return index === -1 ? order.length : index;
}

function matches(rule: RuleDefinition, source: string, detailType: string, detail: unknown): boolean {
  if (rule.state !== 'ENABLED' || rule.eventPattern === undefined) return false;
  try {
    const event = {
      version: '0',
      id: '00000000-0000-0000-0000-000000000000',
      'detail-type': detailType,
      source,
      account: '000000000000',
      time: new Date(0).toISOString(),
      region: 'us-east-1',
      resources: [],
      detail,
    };
    return matchesPattern(compilePattern(rule.eventPattern), event);
  } catch {
    return false;
  }
}

function parsePattern(pattern: unknown): Record<string, unknown> | undefined {
  try {
    const parsed = typeof pattern === 'string' ? JSON.parse(pattern) : pattern;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A value a pattern's list of matchers accepts: an exact value, a prefix, or any value for `exists`. */
function sampleValue(matchers: unknown): unknown {
  if (!Array.isArray(matchers)) return undefined;
  for (const matcher of matchers) {
    if (typeof matcher === 'string' || typeof matcher === 'number' || typeof matcher === 'boolean') return matcher;
    if (typeof matcher === 'object' && matcher !== null) {
      const m = matcher as Record<string, unknown>;
      if (typeof m.prefix === 'string') return m.prefix;
      if (typeof m.suffix === 'string') return m.suffix;
      if (typeof m['equals-ignore-case'] === 'string') return m['equals-ignore-case'];
      if (m.exists === true) return 'example';
      if (Array.isArray(m.numeric) && typeof m.numeric[1] === 'number') {
        const [op, value] = m.numeric as [string, number];
        return op === '>' ? value + 1 : op === '<' ? value - 1 : value;
      }
    }
  }
  return undefined;
}

/** An object a pattern's nested fields accept, or undefined where no sample is known (the result is checked against the rule). */
function sampleObject(pattern: unknown): Record<string, unknown> | undefined {
  if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) return undefined;
  const sample: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) {
    if (key.startsWith('$')) continue;
    const nested = Array.isArray(value) ? sampleValue(value) : sampleObject(value);
    if (nested !== undefined) sample[key] = nested;
  }
  return sample;
}

/** Quotes a value for a POSIX shell. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
