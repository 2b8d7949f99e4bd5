import type * as events from 'aws-cdk-lib/aws-events';
import { Token } from 'aws-cdk-lib/core';
import type { IConstruct } from 'constructs';
import { keyPathMismatch, type PrioritySettings, parseKeyPath } from '../../contracts/flow-control.js';
import type { AnyEventContract } from '../../contracts/index.js';
import { invalidProp, validateRange } from './validation.js';

/**
 * Priority lanes of a QueueConsumer: one queue per lane, the rule's events routed to them by
 * the value at `lanePath`, one function draining them all. While a higher lane's queue has
 * visible messages, a lower lane's records run only up to its guaranteed share of the
 * consumer's `maxConcurrency` (so it never starves) and are held back beyond it, never failed.
 */
export interface QueueConsumerPriority {
  /**
   * Where an event names its lane: a path into `detail` (`$.detail.priority`) that the
   * contracts declare. An event with no value there, or a value that names no lane, goes to
   * the last (lowest) lane.
   */
  readonly lanePath: string;
  /**
   * The lanes, highest first (2 to 5 names of letters, digits, `-` and `_`, unique): the values
   * at `lanePath`, e.g. `['interactive', 'batch']`. The first keeps the consumer's queue.
   */
  readonly lanes: readonly string[];
  /**
   * The share of `maxConcurrency` each lower lane keeps while a higher lane has a backlog
   * (0.05 to 0.5; rounded up to whole records, and the lower lanes' shares together below 1).
   * @default 0.2
   */
  readonly lowLaneShare?: number;
}

/** The lanes validated, with the rule pattern of each and the records each lower lane is guaranteed. */
export interface PriorityLanePlan {
  readonly lanes: readonly { readonly name: string; readonly eventPattern: events.EventPattern }[];
  readonly guaranteedSlots: number;
}

const LANE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
/** How long a lane slot's lease outlives its holder's Lambda deadline, as flow control's concurrency leases do. */
const LEASE_MARGIN_SECONDS = 10;

/**
 * QueueConsumer's `priority`, validated against what the consumer declares besides (each
 * error names the construct, the prop, the value and the range), as lane rule patterns.
 */
export function priorityLanePlan(
  scope: IConstruct,
  priority: QueueConsumerPriority,
  context: {
    readonly eventPattern: events.EventPattern;
    readonly maxConcurrency?: number;
    readonly contracts?: readonly AnyEventContract[];
  },
): PriorityLanePlan {
  const { lanes, lanePath } = priority;
  if (lanes.length < 2 || lanes.length > 5) invalidProp(scope, `priority.lanes must list 2 to 5 lanes (got ${lanes.length})`);
  for (const lane of lanes) {
    if (Token.isUnresolved(lane) || !LANE_NAME.test(lane)) {
      invalidProp(scope, `priority.lanes must be names of letters, digits, - and _ (at most 40) (got ${JSON.stringify(lane)})`);
    }
  }
  // Case-insensitively: the lanes' construct ids and queue names must differ too.
  const lower = lanes.map((l) => l.toLowerCase());
  const twice = lanes.find((_, i) => lower.indexOf(lower[i] as string) !== i);
  if (twice !== undefined) invalidProp(scope, `priority.lanes must be unique (got ${JSON.stringify(twice)} twice)`);
  const share = priority.lowLaneShare ?? 0.2;
  validateRange(scope, 'priority.lowLaneShare', share, 0.05, 0.5);
  if ((lanes.length - 1) * share >= 1) {
    invalidProp(
      scope,
      `priority.lowLaneShare times the ${lanes.length - 1} lower lanes must be below 1, or the top lane would have no priority left (got ${share})`,
    );
  }
  if (context.maxConcurrency === undefined) {
    invalidProp(scope, 'priority needs maxConcurrency: each lower lane is guaranteed lowLaneShare of it');
  }
  const segments = lanePathSegments(scope, lanePath, context.contracts);
  const others = (i: number) => lanes.filter((_, j) => j !== i && j < lanes.length - 1);
  return {
    lanes: lanes.map((name, i) => ({
      name,
      // The last lane takes whatever names no other lane, including no value at all: an
      // event is never dropped for want of a lane.
      eventPattern: withMatch(
        scope,
        context.eventPattern,
        segments,
        i < lanes.length - 1 ? [name] : [{ 'anything-but': others(i) }, { exists: false }],
      ),
    })),
    guaranteedSlots: Math.ceil(share * (context.maxConcurrency as number)),
  };
}

/** The kit's settings for the lanes, given each lane's queue URL (in lane order). */
export function prioritySettings(plan: PriorityLanePlan, queueUrls: readonly string[]): PrioritySettings {
  return {
    lanes: plan.lanes.map((lane, i) => ({ name: lane.name, queueUrl: queueUrls[i] as string })),
    guaranteedSlots: plan.guaranteedSlots,
    leaseMarginSeconds: LEASE_MARGIN_SECONDS,
  };
}

/** The construct id part of a lane below the first (`batch` -> `Batch`): the first lane keeps the consumer's own ids. */
export function laneId(lane: string): string {
  return lane
    .split(/[-_]/)
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function lanePathSegments(scope: IConstruct, lanePath: string, contracts: readonly AnyEventContract[] | undefined): readonly string[] {
  const segments = Token.isUnresolved(lanePath) ? undefined : parseKeyPath(lanePath);
  if (segments === undefined || segments[0] !== 'detail' || segments.length < 2) {
    invalidProp(scope, `priority.lanePath must be a path into detail like $.detail.priority (got ${JSON.stringify(lanePath)})`);
  }
  if (contracts !== undefined && contracts.length > 0) {
    const mismatch = keyPathMismatch(
      segments,
      contracts.map((c) => c.schema),
    );
    if (mismatch !== undefined) {
      invalidProp(
        scope,
        `priority.lanePath ${JSON.stringify(lanePath)} cannot match the consumer's contracts (${contracts.map((c) => c.detailType).join(', ')}): ${mismatch}`,
      );
    }
  }
  return segments;
}

/** The pattern with `match` at the path; refuses a pattern that already matches on the path (the lanes would contradict it). */
function withMatch(scope: IConstruct, pattern: events.EventPattern, segments: readonly string[], match: unknown[]): events.EventPattern {
  const [head, ...rest] = segments as [string, ...string[]];
  const root: Record<string, unknown> = { ...(pattern as Record<string, unknown>) };
  let parent = root;
  let key = head;
  for (const next of rest) {
    const existing = parent[key];
    if (existing !== undefined && (typeof existing !== 'object' || existing === null || Array.isArray(existing))) {
      invalidProp(scope, `priority.lanePath ${[head, ...rest].join('.')} conflicts with eventPattern, which already matches on ${key}`);
    }
    const copy = { ...((existing as Record<string, unknown> | undefined) ?? {}) };
    parent[key] = copy;
    parent = copy;
    key = next;
  }
  if (parent[key] !== undefined) {
    invalidProp(
      scope,
      `priority.lanePath ${[head, ...rest].join('.')} conflicts with eventPattern, which already matches on it: the lanes route by it`,
    );
  }
  parent[key] = match;
  return root as events.EventPattern;
}
