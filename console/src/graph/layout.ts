import dagre from '@dagrejs/dagre';
import { type Edge, END, type Scope, START, type StateNode } from './model.js';

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A node placed in its scope (top-left corner); a group carries its scopes laid out inside it. */
export interface PlacedNode {
  readonly id: string;
  readonly node?: StateNode;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly inner?: readonly { readonly scope: LaidScope; readonly x: number; readonly y: number }[];
}

export interface PlacedEdge {
  readonly edge: Edge;
  readonly points: readonly Point[];
  readonly labelAt?: Point;
}

export interface LaidScope {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

const STATE_HEIGHT = 40;
const MARKER = 18;
export const GROUP_TITLE = 26;
const GROUP_PAD = 12;
const BRANCH_GAP = 16;

function stateWidth(node: StateNode): number {
  return Math.max(120, Math.min(260, Math.max(node.name.length, (node.resource ?? node.type).length) * 7.2 + 28));
}

/**
 * Lays a scope out top to bottom with dagre. Parallel and Map states are laid out from the
 * inside out: their branches first, side by side, and the group then placed as one big node,
 * so no edge ever has to enter a compound node (which dagre cannot route).
 */
export function layoutScope(scope: Scope, markers = true): LaidScope {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 36, edgesep: 12, marginx: 8, marginy: 8 });
  const inners = new Map<string, { scope: LaidScope; x: number; y: number }[]>();
  for (const node of scope.nodes) {
    if (node.scopes) {
      const laid = node.scopes.map((s) => layoutScope(s, false));
      let x = GROUP_PAD;
      const placed = laid.map((s) => {
        const at = { scope: s, x, y: GROUP_TITLE };
        x += s.width + BRANCH_GAP;
        return at;
      });
      inners.set(node.id, placed);
      const width = Math.max(stateWidth(node), x - BRANCH_GAP + GROUP_PAD);
      const height = GROUP_TITLE + Math.max(STATE_HEIGHT, ...laid.map((s) => s.height)) + GROUP_PAD;
      g.setNode(node.id, { width, height });
    } else {
      g.setNode(node.id, { width: stateWidth(node), height: STATE_HEIGHT });
    }
  }
  const edges = scope.edges.filter((e) => markers || (e.kind !== 'start' && e.kind !== 'end'));
  if (markers && edges.some((e) => e.from === START)) g.setNode(START, { width: MARKER, height: MARKER });
  if (markers && edges.some((e) => e.to === END)) g.setNode(END, { width: MARKER, height: MARKER });
  edges.forEach((edge, i) => {
    const label = edge.label ? { width: edge.label.length * 6 + 10, height: 16, labelpos: 'c' } : {};
    g.setEdge(edge.from, edge.to, label, String(i));
  });
  dagre.layout(g);
  const graph = g.graph();
  const byId = new Map(scope.nodes.map((n) => [n.id, n]));
  const nodes: PlacedNode[] = g.nodes().map((id) => {
    const laid = g.node(id) as { x: number; y: number; width: number; height: number };
    const node = byId.get(id);
    return {
      id,
      ...(node ? { node } : {}),
      x: laid.x - laid.width / 2,
      y: laid.y - laid.height / 2,
      width: laid.width,
      height: laid.height,
      ...(inners.has(id) ? { inner: inners.get(id) } : {}),
    };
  });
  const placedEdges: PlacedEdge[] = edges.map((edge, i) => {
    const laid = g.edge(edge.from, edge.to, String(i)) as { points?: Point[]; x?: number; y?: number };
    return {
      edge,
      points: laid.points ?? [],
      ...(edge.label && laid.x !== undefined && laid.y !== undefined ? { labelAt: { x: laid.x, y: laid.y } } : {}),
    };
  });
  return { width: graph.width ?? 0, height: graph.height ?? 0, nodes, edges: placedEdges };
}
