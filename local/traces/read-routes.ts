import { type Lineage, type LineageNode, READ_API_PATHS } from '../../clients/read-api-contract.js';
import { parseTraceHeader } from '../endpoint/trace-header.js';
import { idInPath, only, ReadApiFailure, type ServiceReads, sendJson } from '../read-api/routes.js';
import { type TracesData, traceIdOf } from './otlp-model.js';

/**
 * What the traces service adds to the read API: `/traces/<id>`, OTLP/JSON, whole (a journey's
 * traces are bounded, MAX_TRACES_PER_ANSWER): a trace by its id, or every trace of what the id's
 * lineage names.
 */
export function traceReads(source: () => TraceSource | undefined): ServiceReads {
  return {
    routes: [
      {
        path: READ_API_PATHS.traces,
        matches: (path) => path.startsWith(READ_API_PATHS.traces),
        async handle({ path, query, res, lineage }) {
          only(query, []);
          const id = idInPath(path, READ_API_PATHS.traces);
          const found = source();
          const traces =
            found === undefined
              ? undefined
              : await tracesFor(found, id, async (lineageId) => {
                  const whole = await lineage(lineageId);
                  return whole.roots.length === 0 ? undefined : whole;
                });
          if (traces === undefined)
            throw new ReadApiFailure(404, 'NotFound', `no span the runtime received is of a trace ${JSON.stringify(id)} names`);
          sendJson(res, 200, traces);
        },
      },
    ],
  };
}

/** What the read API reads spans from (the traces service's store). */
export interface TraceSource {
  has(traceId: string): boolean;
  tracesNamed(key: string, limit: number): string[];
  withLinked(traceIds: readonly string[], limit: number): string[];
  traces(traceIds: readonly string[]): TracesData;
}

/** The most traces one answer holds (a journey's and those linked to it). */
export const MAX_TRACES_PER_ANSWER = 100;

/** Every id a lineage tree names, and the trace ids of its trace headers (an event's `traceHeader`). */
function namesIn(nodes: readonly LineageNode[], into: Set<string>, traceIds: Set<string>): void {
  for (const node of nodes) {
    into.add(node.id);
    const root = parseTraceHeader(node.attributes?.traceHeader)?.root;
    if (root) traceIds.add(traceIdOf(root));
    namesIn(node.children, into, traceIds);
  }
}

/**
 * The traces `id` names, as OTLP/JSON, undefined when none is kept: the trace itself for a trace
 * id; else every trace whose spans name what the id's lineage names (invocations by request id,
 * messages, events, the correlation id, the id itself); with the traces linked to them.
 */
async function tracesFor(
  source: TraceSource,
  id: string,
  lineageOf: (id: string) => Promise<Lineage | undefined>,
): Promise<TracesData | undefined> {
  const direct = traceIdOf(id);
  let found: string[];
  if (/^[0-9a-f]{32}$/.test(direct) && source.has(direct)) found = [direct];
  else {
    const names = new Set<string>([id]);
    const traceIds = new Set<string>();
    namesIn((await lineageOf(id))?.roots ?? [], names, traceIds);
    for (const name of names) for (const traceId of source.tracesNamed(name, MAX_TRACES_PER_ANSWER)) traceIds.add(traceId);
    found = [...traceIds].filter((traceId) => source.has(traceId));
  }
  if (found.length === 0) return undefined;
  return source.traces(source.withLinked(found, MAX_TRACES_PER_ANSWER));
}
