/**
 * Events a rule matches, made up from its pattern (and from an event schema the app publishes,
 * its contract, so that its consumers accept the detail): what the start-up report suggests
 * sending, and what a target a rule starts would receive. Each is checked against the rule.
 */
import type { EventEnvelope, EventSchemaDefinition, RuleDefinition } from './definitions.js';
import { compilePattern, matchesPattern } from './pattern.js';
import { exampleOf } from './schema-example.js';

/** The source, detail type and detail of an event a rule matches. */
export interface SampleEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
}

/** The source and detail type of the example for a rule whose pattern asks for neither. */
export const ANY_EVENT = { source: 'example.source', detailType: 'example' } as const;

/**
 * The events the enabled rule's pattern matches, one per schema (its example, the pattern's
 * detail over it), then the pattern's own; `fill` gives a source or detail type the pattern
 * does not ask for (it matches what PutEvents sends with any). Empty when none is known.
 */
export function matchingSamples(
  rule: RuleDefinition,
  schemas: readonly EventSchemaDefinition[],
  fill?: { readonly source: string; readonly detailType: string },
): SampleEvent[] {
  if (rule.state !== 'ENABLED' || rule.eventPattern === undefined) return [];
  const pattern = parsePattern(rule.eventPattern);
  const found: SampleEvent[] = [];
  for (const sample of sampleEvents(pattern, schemas)) {
    const source = sample.source ?? (pattern?.source === undefined ? fill?.source : undefined);
    const detailType = sample.detailType ?? (pattern?.['detail-type'] === undefined ? fill?.detailType : undefined);
    // PutEvents refuses an entry whose Source or DetailType is empty (InvalidArgument): no event of it matches `[""]`.
    if (typeof source !== 'string' || typeof detailType !== 'string' || source === '' || detailType === '') continue;
    if (matchesRule(rule, source, detailType, sample.detail)) found.push({ source, detailType, detail: sample.detail });
  }
  return found;
}

/** The event as EventBridge delivers it, in the rule's account and region. */
export function sampleEnvelope(sample: SampleEvent, where: { readonly account: string; readonly region: string }): EventEnvelope {
  return {
    version: '0',
    id: '00000000-0000-0000-0000-000000000000',
    'detail-type': sample.detailType,
    source: sample.source,
    account: where.account,
    time: new Date(0).toISOString(),
    region: where.region,
    resources: [],
    detail: sample.detail,
  };
}

/** Whether the enabled rule's pattern matches an event of this source, detail type and detail. */
export function matchesRule(rule: RuleDefinition, source: string, detailType: string, detail: unknown): boolean {
  if (rule.state !== 'ENABLED' || rule.eventPattern === undefined) return false;
  try {
    return matchesPattern(
      compilePattern(rule.eventPattern),
      sampleEnvelope({ source, detailType, detail: detail as Record<string, unknown> }, { account: '000000000000', region: 'us-east-1' }),
    );
  } catch {
    return false;
  }
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
      // An empty prefix or suffix matches any value, and PutEvents refuses an empty Source or DetailType.
      if (typeof m.prefix === 'string') return m.prefix === '' ? 'example' : m.prefix;
      if (typeof m.suffix === 'string') return m.suffix === '' ? 'example' : m.suffix;
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
