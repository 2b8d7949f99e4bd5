import { svg } from '../dom.js';
import { type LaidScope, layoutScope, type PlacedNode } from './layout.js';
import { END, type NodeState, type NodeStatus, type Scope, START } from './model.js';

export interface GraphView {
  readonly states: ReadonlyMap<string, NodeState>;
  readonly selected?: string;
  onSelect(name: string): void;
}

const STATUS_TEXT: Record<NodeStatus, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  caught: 'error caught',
  running: 'running',
  aborted: 'aborted (the execution was stopped)',
  'timed-out': 'timed out (the execution ran out of time)',
  'not-reached': 'not reached',
};

/**
 * The state machine as SVG: each state a `<g class="state" data-state="<name>"
 * data-status="<succeeded|failed|caught|running|aborted|timed-out|not-reached>">`, Parallel and Map states
 * as groups holding their branches; colours come from the stylesheet by status.
 */
export function renderGraph(scope: Scope, view: GraphView): SVGSVGElement {
  const laid = layoutScope(scope);
  const root = svg('svg', {
    class: 'graph',
    viewBox: `0 0 ${Math.ceil(laid.width)} ${Math.ceil(laid.height)}`,
    width: Math.ceil(laid.width),
    height: Math.ceil(laid.height),
    role: 'img',
    'aria-label': 'state machine graph',
  }) as SVGSVGElement;
  root.append(
    svg(
      'defs',
      {},
      svg(
        'marker',
        { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }),
      ),
    ),
    drawScope(laid, view),
  );
  return root;
}

function drawScope(laid: LaidScope, view: GraphView, dx = 0, dy = 0) {
  const group = svg('g', { transform: `translate(${dx} ${dy})` });
  for (const placed of laid.edges) {
    const d = placed.points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
    group.append(svg('path', { d, class: `edge edge-${placed.edge.kind}`, 'marker-end': 'url(#arrow)' }));
    if (placed.labelAt && placed.edge.label) {
      group.append(
        svg('text', { x: placed.labelAt.x, y: placed.labelAt.y + 4, class: `edge-label label-${placed.edge.kind}` }, placed.edge.label),
      );
    }
  }
  for (const node of laid.nodes) group.append(drawNode(node, view));
  return group;
}

function drawNode(placed: PlacedNode, view: GraphView) {
  if (placed.id === START || placed.id === END) {
    const r = placed.width / 2;
    return svg('circle', { cx: placed.x + r, cy: placed.y + r, r, class: placed.id === START ? 'marker-start' : 'marker-end' });
  }
  const node = placed.node;
  if (node === undefined) return svg('g');
  const state = view.states.get(node.name);
  const status: NodeStatus = state?.status ?? 'not-reached';
  const classes = [placed.inner ? 'group' : 'state', `status-${status}`, view.selected === node.name ? 'selected' : ''].join(' ').trim();
  const title = `${node.name} (${node.type}): ${STATUS_TEXT[status]}${state && state.visits > 1 ? `, ${state.visits} visits` : ''}${
    state && state.retries > 0 ? `, ${state.retries} ${state.retries === 1 ? 'retry' : 'retries'}` : ''
  }`;
  const g = svg(
    'g',
    {
      class: classes,
      'data-state': node.name,
      'data-type': node.type,
      'data-status': status,
      'data-retries': state?.retries ?? 0,
      tabindex: 0,
      role: 'button',
      'aria-label': title,
      // A state inside a group is clicked, not the group around it.
      onclick: (event: Event) => {
        event.stopPropagation();
        view.onSelect(node.name);
      },
      onkeydown: (event: Event) => {
        if ((event as KeyboardEvent).key !== 'Enter') return;
        event.stopPropagation();
        view.onSelect(node.name);
      },
    },
    svg('title', {}, title),
    svg('rect', { x: placed.x, y: placed.y, width: placed.width, height: placed.height, rx: placed.inner ? 8 : 6 }),
  );
  const badges = [
    state && state.retries > 0 ? `↻${state.retries}` : '',
    state?.caught ? '⚑' : '',
    state && state.visits > 1 ? `×${state.visits}` : '',
  ]
    .filter((b) => b !== '')
    .join(' ');
  if (placed.inner) {
    g.append(svg('text', { x: placed.x + 10, y: placed.y + 17, class: 'name' }, `${node.name} · ${node.type}`));
    if (badges) g.append(svg('text', { x: placed.x + placed.width - 8, y: placed.y + 17, class: 'badge', 'text-anchor': 'end' }, badges));
    for (const inner of placed.inner) {
      g.append(
        svg('rect', {
          x: placed.x + inner.x - 4,
          y: placed.y + inner.y - 4,
          width: inner.scope.width + 8,
          height: inner.scope.height + 8,
          class: 'branch',
        }),
        drawScope(inner.scope, view, placed.x + inner.x, placed.y + inner.y),
      );
    }
    return g;
  }
  g.append(
    svg('text', { x: placed.x + placed.width / 2, y: placed.y + 17, class: 'name', 'text-anchor': 'middle' }, node.name),
    svg('text', { x: placed.x + placed.width / 2, y: placed.y + 32, class: 'type', 'text-anchor': 'middle' }, node.resource ?? node.type),
  );
  if (badges) g.append(svg('text', { x: placed.x + placed.width - 5, y: placed.y + 12, class: 'badge', 'text-anchor': 'end' }, badges));
  return g;
}
