import type { TSchema } from 'typebox';

/**
 * Keyed flow control as the constructs declare it and the kit enforces it: QueueConsumer
 * writes these settings as JSON into `ENV.flowControl`, the kit's consumer reads them once
 * at module load. Durations are in seconds, as CloudFormation carries them.
 */
export interface FlowControlSettings {
  /** Names the flow in the table's items (`<control>#<flow>#<key>`): flows never share a count. */
  readonly flow: string;
  /** What a record's key is: a path into its event, or one constant for every record. */
  readonly key: FlowKeySetting;
  /** At most `limit` records of one key in flight; a lease outlives a crashed holder by `leaseMarginSeconds`. */
  readonly concurrency?: { readonly limit: number; readonly leaseMarginSeconds: number };
  /** At most `limit` starts of one key in any window of `periodSeconds`. */
  readonly rateLimit?: { readonly limit: number; readonly periodSeconds: number };
  /**
   * The last record of a key runs once `periodSeconds` passed without a newer one, or
   * `maxWaitSeconds` after the first of the burst; `keepSeconds` is how long a key's mark
   * is kept (the queue's retention: a superseded record can come back that late).
   */
  readonly debounce?: { readonly periodSeconds: number; readonly maxWaitSeconds: number; readonly keepSeconds: number };
  /** A throttling answer pauses the key for its retry-after (or `defaultSeconds`), at most `maxSeconds`. */
  readonly pauseOnThrottle?: { readonly defaultSeconds: number; readonly maxSeconds: number };
  /**
   * A circuit breaker per key: `failureThreshold` provider failures in a row, the first of
   * them at most `windowSeconds` ago, open the key's circuit for `openSeconds`; each failed
   * half-open probe doubles the open time, up to `maxOpenSeconds`.
   */
  readonly circuitBreaker?: {
    readonly failureThreshold: number;
    readonly windowSeconds: number;
    readonly openSeconds: number;
    readonly maxOpenSeconds: number;
  };
  /** Priority lanes: a lower lane's records yield to a higher lane's backlog, beyond a guaranteed share. */
  readonly priority?: PrioritySettings;
  /**
   * The queue's retention: SQS deletes a message this long after it was sent, held back or
   * not, so a hold that would end later requeues the record as a new message instead.
   * @default - unknown: holds are not checked against it (settings written before it existed)
   */
  readonly retentionSeconds?: number;
}

/**
 * Priority lanes as QueueConsumer's `priority` declares them: one queue per lane, highest
 * first, all drained by one function. While a higher lane's queue has messages (waiting or
 * in flight), a record of a lower lane runs only while fewer than `guaranteedSlots` records
 * of its lane are in flight (so it never starves); otherwise it is held back. A record's lane is the
 * queue it came from.
 */
export interface PrioritySettings {
  /** The lanes, highest first. */
  readonly lanes: readonly PriorityLane[];
  /** Records of each lower lane that may run while a higher lane has a backlog: ceil(lowLaneShare x maxConcurrency). */
  readonly guaranteedSlots: number;
  /** How long a lane slot's lease outlives its holder's Lambda deadline. */
  readonly leaseMarginSeconds: number;
}

export interface PriorityLane {
  /** The lane's name: the value at QueueConsumer's `priority.lanePath` that routes an event to it. */
  readonly name: string;
  /** Its queue's URL (a record's own queue, found from its `eventSourceARN`, names the lane). */
  readonly queueUrl: string;
}

/** The flow control key of a lane's guaranteed slots (its `concurrency#<flow>#lane#<name>` item). */
export function laneKey(lane: string): string {
  return `lane#${lane}`;
}

export type FlowKeySetting = { readonly path: string } | { readonly constant: string };

/** The fields of an EventBridge event a key path may start with besides `detail`. */
export const ENVELOPE_KEY_FIELDS = ['id', 'source', 'detail-type', 'account', 'region', 'time'] as const;

const SEGMENT = /^[A-Za-z0-9_][\w-]*$/;

/**
 * The segments of a key path (`$.detail.tenantId` -> `['detail', 'tenantId']`), or
 * undefined if it is not one: `$.` then dot-separated names of letters, digits, `_` and `-`.
 */
export function parseKeyPath(path: string): readonly string[] | undefined {
  if (!path.startsWith('$.')) return undefined;
  const segments = path.slice(2).split('.');
  return segments.every((s) => SEGMENT.test(s)) ? segments : undefined;
}

/** The key setting a construct's `key` string means: `$.…` is a path, anything else a constant. */
export function flowKeySetting(key: string): FlowKeySetting {
  return key.startsWith('$') ? { path: key } : { constant: key };
}

/**
 * Why a key path can match no event of these detail schemas (undefined if it can match one):
 * a path into `detail` must follow declared properties down to a string, number or boolean;
 * a path into the envelope must name one of its fields.
 */
export function keyPathMismatch(segments: readonly string[], detailSchemas: readonly TSchema[]): string | undefined {
  const [head, ...rest] = segments;
  if (head !== 'detail') {
    if ((ENVELOPE_KEY_FIELDS as readonly string[]).includes(head ?? '') && rest.length === 0) return undefined;
    return `a path outside detail must be one of $.${ENVELOPE_KEY_FIELDS.join(', $.')}`;
  }
  if (rest.length === 0) return 'the key must be a value inside detail, not detail itself';
  const reasons = detailSchemas.map((schema) => leafMismatch(schema, rest));
  if (reasons.some((r) => r === undefined)) return undefined;
  return reasons[0];
}

/**
 * Why no event of this schema can have a scalar at the path (undefined if one can). A union
 * (`anyOf`, `oneOf`) or an intersection (`allOf`) is followed down each of its branches: the
 * path holds if any branch has it, and its end may be a scalar if any branch's is (a
 * `string | null` field is a key when it is a string).
 */
function leafMismatch(schema: TSchema, segments: readonly string[]): string | undefined {
  let nodes = branchesOf(schema);
  const walked: string[] = ['detail'];
  for (const segment of segments) {
    const next = nodes.flatMap((node) => {
      const property = (node as { properties?: Record<string, TSchema> }).properties?.[segment];
      return property === undefined ? [] : branchesOf(property);
    });
    if (next.length === 0) return `no contract declares ${[...walked, segment].join('.')}`;
    nodes = next;
    walked.push(segment);
  }
  const types = nodes.map(typesOf);
  // A branch whose type is unknown (any, unknown) may hold a scalar: only known non-scalars refuse.
  if (types.some((t) => t.length === 0 || t.some(isScalarType))) return undefined;
  return `${walked.join('.')} is ${[...new Set(types.flat())].join(' | ')}, not a string, number or boolean`;
}

/** The schemas a value of `schema` may match: a union's or intersection's branches, each followed down. */
function branchesOf(schema: TSchema): TSchema[] {
  const s = schema as { anyOf?: TSchema[]; oneOf?: TSchema[]; allOf?: TSchema[] };
  const branches = s.anyOf ?? s.oneOf ?? s.allOf;
  return Array.isArray(branches) ? branches.flatMap(branchesOf) : [schema];
}

function isScalarType(type: string): boolean {
  return type === 'string' || type === 'number' || type === 'integer' || type === 'boolean';
}

/** The JSON types a schema allows, as far as its `type`, `anyOf` and `const` say (empty if unknown). */
function typesOf(schema: TSchema | undefined): string[] {
  if (schema === undefined) return [];
  const s = schema as { type?: string | string[]; anyOf?: TSchema[]; const?: unknown };
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.type)) return s.type;
  if (Array.isArray(s.anyOf)) return s.anyOf.flatMap(typesOf);
  if (s.const !== undefined) return [typeof s.const];
  return [];
}

/**
 * The stable names of what flow control did with a record, in the consumer's log lines
 * (`flowControl.outcome`, which `trace` shows among the invocation's log lines). A record held
 * back is logged by the consumer's failure routing with its error, `FlowHeldBack`.
 */
export const FLOW_OUTCOMES = {
  /** Debounced: a later record of the key runs instead; this one was completed without running. */
  superseded: 'superseded',
  /** Its handler met a throttling answer: the key was paused for everyone. */
  paused: 'paused',
  /** Its handler's failure opened the key's circuit (the threshold was reached, or it was the half-open probe). */
  circuitOpened: 'circuit-opened',
  /** It was the half-open probe and succeeded: the key's circuit closed. */
  circuitClosed: 'circuit-closed',
} as const;
