import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { invalidProp, validateRange } from './validation.js';

interface AgentNodeBase {
  /** The node's id (letters and digits): its state name and the variable its result is kept in (`$<id>`). */
  readonly id: string;
  /** The nodes whose results this one needs; it runs after all of them. @default - none (a first step) */
  readonly dependsOn?: readonly string[];
}

/**
 * A step that calls a function with the execution input and its dependencies' results
 * (AgentTaskRequest). A `reduce` is a task that combines earlier results: it must depend
 * on at least one node.
 */
export interface AgentTaskNode extends AgentNodeBase {
  readonly kind: 'task' | 'reduce';
  readonly function: lambda.IFunction;
}

/** One model call per item of a list an earlier node produced, each routed to a model by the item's type. */
export interface AgentFanOutNode extends AgentNodeBase {
  readonly kind: 'fanOut';
  /** Where the items are: the result of node `from` (which this node must depend on), at `path` (a JSONata path, for example `subTasks`). */
  readonly items: { readonly from: string; readonly path?: string };
  /** The item field holding its type. */
  readonly routeBy: string;
  /** Which model (a name in the graph's `models`) each item type goes to. */
  readonly routes: Readonly<Record<string, string>>;
  /**
   * The percentage of items that may fail (after their retries) with the flow going on;
   * more stops it with TooManyFailures.
   * @default 0
   */
  readonly toleratedFailurePercentage?: number;
}

export type AgentNode = AgentTaskNode | AgentFanOutNode;

const NODE_ID = /^[A-Za-z][A-Za-z0-9]{0,39}$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Checks the graph is one that can run: at least one node, unique well-formed ids,
 * every dependency a node, no cycle, a fan-out's items from a node it depends on. Each
 * error names the construct's path, the node and what is wrong.
 */
export function validateGraph(scope: IConstruct, nodes: readonly AgentNode[], reservedId: string): void {
  if (nodes.length === 0) invalidProp(scope, 'nodes must hold at least one node (got none)');
  const ids = new Set<string>();
  for (const node of nodes) {
    if (!NODE_ID.test(node.id))
      invalidProp(scope, `node ids must be 1 to 40 letters and digits, starting with a letter (got ${JSON.stringify(node.id)})`);
    if (node.id === reservedId) invalidProp(scope, `node ${node.id}: the id ${reservedId} is reserved (it holds why the flow stopped)`);
    if (ids.has(node.id)) invalidProp(scope, `node ids must be unique (got ${node.id} twice)`);
    ids.add(node.id);
  }
  for (const node of nodes) {
    const deps = node.dependsOn ?? [];
    for (const dep of deps) {
      if (!ids.has(dep)) invalidProp(scope, `node ${node.id} depends on ${dep}, which is not a node (nodes: ${[...ids].join(', ')})`);
    }
    if (new Set(deps).size !== deps.length) invalidProp(scope, `node ${node.id} names a dependency twice (${deps.join(', ')})`);
    if (node.kind === 'reduce' && deps.length === 0)
      invalidProp(scope, `node ${node.id} is a reduce, which must depend on the nodes it combines (got none)`);
    if (node.kind === 'fanOut') {
      if (!deps.includes(node.items.from))
        invalidProp(
          scope,
          `node ${node.id} takes its items from ${node.items.from}, which it does not depend on (dependsOn: ${deps.join(', ') || 'none'})`,
        );
      if (node.items.path !== undefined && !PATH.test(node.items.path))
        invalidProp(scope, `node ${node.id}: items.path must be a dotted path of field names (got ${JSON.stringify(node.items.path)})`);
      if (!FIELD.test(node.routeBy))
        invalidProp(scope, `node ${node.id}: routeBy must be a field name (got ${JSON.stringify(node.routeBy)})`);
      if (Object.keys(node.routes).length === 0)
        invalidProp(scope, `node ${node.id}: routes must route at least one item type to a model (got none)`);
      validateRange(scope, `node ${node.id}: toleratedFailurePercentage`, node.toleratedFailurePercentage, 0, 100);
    }
  }
  const cycle = findCycle(nodes);
  if (cycle) invalidProp(scope, `nodes must not form a cycle (got ${cycle.join(' -> ')})`);
}

/** A dependency cycle as the ids along it (first id repeated at the end), or undefined. */
function findCycle(nodes: readonly AgentNode[]): string[] | undefined {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const dep of byId.get(id)?.dependsOn ?? []) {
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const node of nodes) {
    const found = visit(node.id);
    // Found by following dependencies, so reversed it reads in the order the steps would run.
    if (found) return found.reverse();
  }
  return undefined;
}

/**
 * The nodes in layers: a node's layer is one past its deepest dependency, so each node
 * runs as early as its dependencies allow while a layer still waits for all its nodes.
 * Within a layer the nodes keep their declared order. The graph must be valid.
 */
export function layersOf(nodes: readonly AgentNode[]): AgentNode[][] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const depth = new Map<string, number>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const deps = byId.get(id)?.dependsOn ?? [];
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(depthOf));
    depth.set(id, value);
    return value;
  };
  const layers: AgentNode[][] = [];
  for (const node of nodes) {
    const d = depthOf(node.id);
    const layer = layers[d] ?? [];
    layer.push(node);
    layers[d] = layer;
  }
  return layers;
}
