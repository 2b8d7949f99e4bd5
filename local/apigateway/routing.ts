import type { RouteDefinition } from './definitions.js';

export interface RouteMatch {
  readonly route: RouteDefinition;
  readonly pathParameters: Readonly<Record<string, string>>;
}

type Segment = { readonly kind: 'literal'; readonly text: string } | { readonly kind: 'param' | 'greedy'; readonly name: string };

interface Compiled {
  readonly route: RouteDefinition;
  readonly method: string;
  readonly segments: readonly Segment[];
}

/**
 * HTTP API route selection: of the routes whose method (or ANY) and path match, the most
 * specific wins, compared segment by segment from the left (a literal over a `{param}`,
 * a `{param}` over a greedy `{proxy+}`), then an explicit method over ANY; `$default`
 * only when nothing else matches. Paths match case-sensitively, as API Gateway's do.
 */
export class RouteTable {
  readonly #routes: Compiled[];
  readonly #default?: RouteDefinition;

  constructor(routes: readonly RouteDefinition[]) {
    this.#default = routes.find((r) => r.routeKey === '$default');
    this.#routes = routes
      .filter((r) => r.routeKey !== '$default')
      .flatMap((route) => {
        const [method, path] = route.routeKey.split(' ');
        if (method === undefined || path === undefined || !path.startsWith('/')) return [];
        return [{ route, method: method.toUpperCase(), segments: segmentsOf(path) }];
      });
  }

  /** The route for a request; `path` is the stage-relative path as sent (percent-escapes intact). */
  match(method: string, path: string): RouteMatch | undefined {
    const parts = splitPath(path);
    let best: { compiled: Compiled; params: Record<string, string>; rank: number[] } | undefined;
    for (const compiled of this.#routes) {
      if (compiled.method !== 'ANY' && compiled.method !== method.toUpperCase()) continue;
      const params = matchSegments(compiled.segments, parts);
      if (params === undefined) continue;
      const rank = [
        ...compiled.segments.map((s) => (s.kind === 'literal' ? 2 : s.kind === 'param' ? 1 : 0)),
        compiled.method === 'ANY' ? 0 : 1,
      ];
      if (best === undefined || compareRank(rank, best.rank) > 0) best = { compiled, params, rank };
    }
    if (best) return { route: best.compiled.route, pathParameters: best.params };
    return this.#default ? { route: this.#default, pathParameters: {} } : undefined;
  }
}

function segmentsOf(path: string): Segment[] {
  return splitPath(path).map((part): Segment => {
    const variable = /^\{([^}]+)\}$/.exec(part);
    if (!variable) return { kind: 'literal', text: part };
    const name = variable[1] ?? '';
    return name.endsWith('+') ? { kind: 'greedy', name: name.slice(0, -1) } : { kind: 'param', name };
  });
}

function splitPath(path: string): string[] {
  return path.split('/').slice(1);
}

function matchSegments(segments: readonly Segment[], parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    if (segment.kind === 'greedy') {
      const rest = parts.slice(index);
      // A greedy variable takes one segment or more, never none.
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      params[segment.name] = decode(rest.join('/'));
      return params;
    }
    const part = parts[index];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (part !== segment.text && decode(part) !== segment.text) return undefined;
    } else {
      if (part === '') return undefined;
      params[segment.name] = decode(part);
    }
  }
  return parts.length === segments.length ? params : undefined;
}

/** Lexicographic, where a longer rank wins a tie on the common part (more literal segments). */
function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
