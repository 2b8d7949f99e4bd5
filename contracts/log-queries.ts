/**
 * The saved CloudWatch Logs Insights queries that follow one correlation id, one event id or
 * one business key across every log group of an app: one definition, read by the monitoring
 * construct (which saves them) and by `switchyard trace --aws` (which finds and runs them).
 * Pure: no CDK, no AWS SDK.
 */

/** What a follow-query follows. */
export type FollowQueryKind = 'correlation-id' | 'event-id' | 'business-key';

export interface FollowQuerySpec {
  readonly kind: FollowQueryKind;
  /** The name after the folder: `Follow a correlation id`. */
  readonly name: string;
  /** The construct id of its QueryDefinition. */
  readonly id: string;
  /** The detail field a business-key query follows (`ticketId`); none when it follows any value. */
  readonly key?: string;
  /** The text in the filter a value replaces (always inside double quotes there). */
  readonly placeholder: string;
  /** The filter statement, with the placeholder. */
  readonly filter: string;
}

/** The fields every follow-query shows. */
export const FOLLOW_QUERY_FIELDS: readonly string[] = [
  '@timestamp',
  '@log',
  'level',
  'service',
  'message',
  'correlationId',
  'eventId',
  'detailType',
  'execution_arn',
  'type',
];
export const FOLLOW_QUERY_SORT = '@timestamp asc';
export const FOLLOW_QUERY_LIMIT = 10_000;
/** A query definition names at most this many log groups: more are split into `(1 of n)` parts. */
export const FOLLOW_QUERY_MAX_LOG_GROUPS = 50;

/** `ticketId` -> `TICKET_ID`. */
export function placeholderOf(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The follow-queries of an app with these business keys (one free-text business-key query when there are none). */
export function followQuerySpecs(businessKeys: readonly string[]): FollowQuerySpec[] {
  return [
    {
      kind: 'correlation-id',
      name: 'Follow a correlation id',
      id: 'FollowCorrelationId',
      placeholder: 'CORRELATION_ID',
      filter: 'correlationId = "CORRELATION_ID" or @message like "CORRELATION_ID"',
    },
    {
      kind: 'event-id',
      name: 'Follow an event id',
      id: 'FollowEventId',
      placeholder: 'EVENT_ID',
      filter: 'eventId = "EVENT_ID" or causationId = "EVENT_ID" or @message like "EVENT_ID"',
    },
    ...(businessKeys.length === 0
      ? [
          {
            kind: 'business-key' as const,
            name: 'Follow a business key',
            id: 'FollowBusinessKey',
            placeholder: 'BUSINESS_KEY',
            filter: '@message like "BUSINESS_KEY"',
          },
        ]
      : businessKeys.map((key) => {
          const placeholder = placeholderOf(key);
          return {
            kind: 'business-key' as const,
            name: `Follow one ${key}`,
            id: `Follow${key.charAt(0).toUpperCase()}${key.slice(1)}`,
            key,
            placeholder,
            filter: `${key} = "${placeholder}" or detail.${key} = "${placeholder}" or @message like "${placeholder}"`,
          };
        })),
  ];
}

/** The saved name of one part of a follow-query: `<folder>/<name>`, or `<folder>/<name> (i of n)` when split. */
export function followQueryName(folder: string, spec: Pick<FollowQuerySpec, 'name'>, part = 1, parts = 1): string {
  return `${folder}/${spec.name}${parts === 1 ? '' : ` (${part} of ${parts})`}`;
}

/**
 * What a saved query's name says, when it is a follow-query of `folder`: its kind, its
 * business key, its placeholder. Undefined for any other query.
 */
export function parseFollowQueryName(folder: string, savedName: string): FollowQuerySpec | undefined {
  const prefix = `${folder}/`;
  if (!savedName.startsWith(prefix)) return undefined;
  const name = savedName.slice(prefix.length).replace(/ \(\d+ of \d+\)$/, '');
  const fixed = followQuerySpecs([]).find((spec) => spec.name === name);
  if (fixed) return fixed;
  const key = /^Follow one ([A-Za-z][A-Za-z0-9_]*)$/.exec(name)?.[1];
  return key === undefined ? undefined : followQuerySpecs([key]).find((spec) => spec.key === key);
}

/** The query text as CloudWatch stores it (what CDK's QueryString renders). */
export function followQueryString(spec: Pick<FollowQuerySpec, 'filter'>): string {
  return [
    `fields ${FOLLOW_QUERY_FIELDS.join(', ')}`,
    `filter ${spec.filter}`,
    `sort ${FOLLOW_QUERY_SORT}`,
    `limit ${FOLLOW_QUERY_LIMIT}`,
  ].join('\n| ');
}

/**
 * A value as the inside of a Logs Insights double-quoted string: backslashes and quotes
 * escaped. Fails on control characters (a line break would end the command) and on an empty
 * or overlong value: a hostile id cannot leave the string it is put in.
 */
export function queryStringLiteral(value: string): string {
  if (value.length === 0 || value.length > 1_024) throw new Error('the value to follow must be 1 to 1024 characters');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(value))
    throw new Error('the value to follow must not hold control characters or line breaks');
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/**
 * The query with every quoted placeholder (`"TICKET_ID"`) holding `value` instead, escaped.
 * Only quoted occurrences are replaced, so field names that contain the placeholder's letters stay.
 */
export function fillPlaceholder(queryString: string, placeholder: string, value: string): string {
  const literal = queryStringLiteral(value);
  // split/join, not replace: a `$&` in the value stays literal.
  return queryString.split(`"${placeholder}"`).join(`"${literal}"`);
}

/** An EventBridge event id (and a correlation id the kit made): a UUID. */
export const EVENT_ID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The kinds of follow-query that fit a value, best first: a UUID is an event id or a
 * correlation id (the kit's correlation id is the first event's id); anything else is a
 * business key (every business-key query), or a correlation id when the app has no
 * business-key query (`circuit:<name>`, a webhook's event id).
 */
export function followQueryKindsFor(value: string, available: readonly FollowQueryKind[]): FollowQueryKind[] {
  const wanted: FollowQueryKind[] = EVENT_ID_SHAPE.test(value.trim())
    ? ['event-id', 'correlation-id']
    : available.includes('business-key')
      ? ['business-key']
      : ['correlation-id'];
  return wanted.filter((kind) => available.includes(kind));
}

/**
 * The log group CloudWatch Transaction Search keeps the spans X-Ray ingests in (the kit's,
 * with a function's `tracing: 'opentelemetry'`): one per account and region.
 */
export const SPANS_LOG_GROUP = 'aws/spans';

/** A saved Logs Insights query over the spans of an app's functions. */
export interface SpanQuerySpec {
  /** The name after the folder. */
  readonly name: string;
  /** The construct id of its QueryDefinition. */
  readonly id: string;
  /** Its `fields` command: the span record's fields it shows. */
  readonly fields: readonly string[];
  /** Its filters, besides the one that keeps the app's own functions' spans. */
  readonly filters: readonly string[];
  /** Its `stats` command, when it aggregates. */
  readonly stats?: string;
  /** Its `sort` command. */
  readonly sort: string;
  /** Its `limit`. */
  readonly limit: number;
}

/** A span attribute as a Logs Insights field of a span in `aws/spans` (attribute names hold dots: quoted). */
export function spanAttributeField(attribute: string, resource = false): string {
  return `\`${resource ? 'resource.' : ''}attributes.${attribute}\``;
}

/**
 * The span queries SwitchyardMonitoring saves when a function records OpenTelemetry spans: the
 * spans of one correlation id (each record span carries `switchyard.correlation_id`; its trace
 * id opens the whole trace in X-Ray's trace view), and the model calls (GenAI spans) by model,
 * with their tokens and latency.
 */
export function spanQuerySpecs(): SpanQuerySpec[] {
  const attr = (name: string) => spanAttributeField(name);
  return [
    {
      name: 'Trace spans of a correlation id',
      id: 'TraceCorrelationId',
      fields: [
        '@timestamp',
        'traceId',
        'spanId',
        'parentSpanId',
        'name',
        'durationNano / 1000000 as durationMs',
        '`status.code` as status',
        `${attr('switchyard.event.detail_type')} as detailType`,
      ],
      filters: [`${attr('switchyard.correlation_id')} = "CORRELATION_ID"`],
      sort: '@timestamp asc',
      limit: 1_000,
    },
    {
      name: 'Model calls by model',
      id: 'ModelCallsByModel',
      fields: [
        `${attr('gen_ai.request.model')} as model`,
        `${attr('gen_ai.usage.input_tokens')} as inputTokens`,
        `${attr('gen_ai.usage.output_tokens')} as outputTokens`,
        'durationNano / 1000000 as durationMs',
      ],
      filters: [`ispresent(${attr('gen_ai.request.model')})`],
      stats:
        'count(*) as calls, sum(inputTokens) as inputTokensTotal, sum(outputTokens) as outputTokensTotal, avg(durationMs) as avgMs, pct(durationMs, 99) as p99Ms by model',
      sort: 'calls desc',
      limit: 100,
    },
  ];
}
