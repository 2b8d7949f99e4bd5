import type { StateVisit } from '../../../clients/history-reader.js';
import { withoutForkEntry } from '../../../contracts/fork-starts.js';
import { truncate } from '../text.js';

/** What the graph shows of a state: how its visits ended. */
export type NodeStatus = 'succeeded' | 'failed' | 'caught' | 'running' | 'aborted' | 'timed-out' | 'not-reached';

/**
 * How one visit is drawn: a visit the execution's end cut off is drawn as that end (a stopped
 * execution's state aborted, a timed-out one's timed out), not as a state that failed.
 */
export function visitStatus(visit: Pick<StateVisit, 'status' | 'cutOffBy'>): Exclude<NodeStatus, 'not-reached'> {
  if (visit.status === 'failed' && visit.cutOffBy === 'ABORTED') return 'aborted';
  if (visit.status === 'failed' && visit.cutOffBy === 'TIMED_OUT') return 'timed-out';
  return visit.status;
}

/** Which status a state with several visits is drawn in: the first its visits have, in this order. */
const STATUS_PRECEDENCE = ['running', 'failed', 'timed-out', 'aborted', 'caught'] as const;

/** The part of an ASL definition the graph reads. */
export interface AslScope {
  readonly StartAt?: string;
  readonly States?: Readonly<Record<string, AslState>>;
}

export interface AslState {
  readonly Type?: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly (Record<string, unknown> & { Next?: string })[];
  readonly Catch?: readonly { ErrorEquals?: readonly string[]; Next?: string }[];
  readonly Retry?: readonly { ErrorEquals?: readonly string[]; MaxAttempts?: number }[];
  readonly Branches?: readonly AslScope[];
  readonly Iterator?: AslScope;
  readonly ItemProcessor?: AslScope;
  readonly Resource?: string;
  readonly Error?: string;
  readonly Cause?: string;
}

export interface StateNode {
  /** Unique in the graph: the state's name, prefixed by the groups it is in. */
  readonly id: string;
  readonly name: string;
  readonly type: string;
  /** A Task's resource, shortened (`lambda:invoke.waitForTaskToken`). */
  readonly resource?: string;
  /** The errors its Retry rules retry, when it has any. */
  readonly retries?: readonly string[];
  /** Parallel branches or the Map's item processor. */
  readonly scopes?: readonly Scope[];
  /** A Fail state's error and cause, as its definition names them. */
  readonly failure?: { readonly error?: string; readonly cause?: string };
  readonly end: boolean;
}

export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'next' | 'choice' | 'default' | 'catch' | 'start' | 'end';
  readonly label?: string;
}

/** One level of the state machine: the top level, a Parallel branch or a Map's processor. */
export interface Scope {
  readonly id: string;
  readonly startAt?: string;
  readonly nodes: readonly StateNode[];
  readonly edges: readonly Edge[];
}

export const START = '(start)';
export const END = '(end)';

/**
 * The state machine's graph from its definition: states, transitions (Next, Choices, Default,
 * Catch) and nested scopes; the flow as written, without a Workflow's fork entry (Switchyard's
 * states, which every execution passes and a fork is routed by).
 */
export function graphOf(written: AslScope): Scope {
  const definition = withoutForkEntry(written);
  const root = scopeOf(definition, '');
  const edges = [...root.edges];
  if (definition.StartAt !== undefined) edges.unshift({ from: START, to: idIn('', definition.StartAt), kind: 'start' });
  for (const node of root.nodes) {
    if (node.end) edges.push({ from: node.id, to: END, kind: 'end' });
  }
  return { ...root, edges };
}

function idIn(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}/${name}`;
}

function scopeOf(scope: AslScope, prefix: string): Scope {
  const nodes: StateNode[] = [];
  const edges: Edge[] = [];
  const states = scope.States ?? {};
  for (const [name, state] of Object.entries(states)) {
    const id = idIn(prefix, name);
    const type = state.Type ?? 'Pass';
    const nested =
      type === 'Parallel'
        ? (state.Branches ?? []).map((branch, i) => scopeOf(branch, `${id}#${i + 1}`))
        : type === 'Map'
          ? [scopeOf(state.ItemProcessor ?? state.Iterator ?? {}, `${id}#items`)]
          : undefined;
    const retries = state.Retry?.flatMap((r) => r.ErrorEquals ?? []);
    nodes.push({
      id,
      name,
      type,
      ...(state.Resource ? { resource: shortResource(state.Resource) } : {}),
      ...(retries && retries.length > 0 ? { retries } : {}),
      ...(nested ? { scopes: nested } : {}),
      ...(type === 'Fail' ? { failure: { error: state.Error, cause: state.Cause } } : {}),
      end: state.End === true || type === 'Succeed' || type === 'Fail',
    });
    const to = (target: string) => (target in states ? idIn(prefix, target) : undefined);
    const add = (target: string | undefined, kind: Edge['kind'], label?: string) => {
      const resolved = target === undefined ? undefined : to(target);
      if (resolved !== undefined) edges.push({ from: id, to: resolved, kind, ...(label ? { label } : {}) });
    };
    add(state.Next, 'next');
    for (const choice of state.Choices ?? []) add(choice.Next, 'choice', choiceLabel(choice));
    add(state.Default, 'default', 'default');
    for (const handler of state.Catch ?? []) add(handler.Next, 'catch', truncate(`catch ${(handler.ErrorEquals ?? []).join(', ')}`, 40));
  }
  return { id: prefix, startAt: scope.StartAt === undefined ? undefined : idIn(prefix, scope.StartAt), nodes, edges };
}

/** `arn:aws:states:::lambda:invoke.waitForTaskToken` → `lambda:invoke.waitForTaskToken`; a function ARN → its name. */
function shortResource(resource: string): string {
  const integration = /^arn:[^:]+:states:::(.+)$/.exec(resource);
  if (integration) return integration[1] as string;
  return resource.split(':').at(-1) ?? resource;
}

const COMPARATORS: Record<string, string> = {
  StringEquals: '==',
  NumericEquals: '==',
  BooleanEquals: '==',
  TimestampEquals: '==',
  NumericGreaterThan: '>',
  NumericGreaterThanEquals: '>=',
  NumericLessThan: '<',
  NumericLessThanEquals: '<=',
  StringGreaterThan: '>',
  StringLessThan: '<',
  StringMatches: 'matches',
  IsPresent: 'is present',
  IsNull: 'is null',
};

/** A short text for a Choice rule: `$.confidence >= 0.7`, a JSONata condition, or `And (2)`. */
export function choiceLabel(rule: Record<string, unknown>): string {
  if (typeof rule.Condition === 'string') return truncate(rule.Condition.replace(/^\{%\s*|\s*%\}$/g, ''), 32);
  for (const combinator of ['And', 'Or']) {
    if (Array.isArray(rule[combinator])) return `${combinator} (${(rule[combinator] as unknown[]).length})`;
  }
  if (typeof rule.Not === 'object' && rule.Not !== null) return `not ${choiceLabel(rule.Not as Record<string, unknown>)}`;
  const variable = typeof rule.Variable === 'string' ? rule.Variable : '?';
  for (const [key, value] of Object.entries(rule)) {
    const base = key.replace(/Path$/, '');
    const symbol = COMPARATORS[base];
    if (symbol !== undefined) return truncate(`${variable} ${symbol} ${typeof value === 'string' ? value : JSON.stringify(value)}`, 32);
  }
  return variable;
}

/** What the graph shows for one state: its status and what its visits add up to. */
export interface NodeState {
  readonly status: NodeStatus;
  readonly visits: number;
  /** Tries beyond the first, over all visits. */
  readonly retries: number;
  /** An error a Catch handled. */
  readonly caught: boolean;
}

/**
 * Each state's status from its visits: running if any visit runs; else failed if any
 * failed; else timed out or aborted if the execution's end cut one off; else caught if any ended in a caught error; else succeeded. A visit a redrive ran
 * again counts no more once the state is visited again (a redriven state that succeeded is
 * green). States never entered are `not-reached` (absent from the map).
 */
export function nodeStates(visits: readonly StateVisit[]): Map<string, NodeState> {
  const byName = new Map<string, StateVisit[]>();
  for (const visit of visits) byName.set(visit.name, [...(byName.get(visit.name) ?? []), visit]);
  const states = new Map<string, NodeState>();
  for (const [name, list] of byName) {
    const current = list.filter((v) => !v.redriven);
    const has = (status: NodeStatus) => (current.length > 0 ? current : list).some((v) => visitStatus(v) === status);
    const status: NodeStatus = STATUS_PRECEDENCE.find(has) ?? 'succeeded';
    states.set(name, {
      status,
      visits: list.length,
      retries: list.reduce((n, v) => n + Math.max(0, v.attempts.length - 1), 0),
      caught: has('caught'),
    });
  }
  return states;
}

/** Every state node of a scope and its nested scopes. */
export function allNodes(scope: Scope): StateNode[] {
  return scope.nodes.flatMap((node) => [node, ...(node.scopes ?? []).flatMap(allNodes)]);
}
