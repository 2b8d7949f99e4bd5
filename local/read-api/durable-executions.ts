import type { DurableExecutionDetail, DurableExecutionSummary, LineageNode } from '../../clients/read-api-contract.js';
import type { DurableExecutions } from '../lambda/durable/durable-executions.js';
import type { ExecutionRecord } from '../lambda/durable/durable-types.js';
import { forApi } from '../lambda/durable/wire.js';
import { parseTraceHeader } from '../trace-header.js';
import type { ExpressPosition, ReadApiSources } from './router.js';

/** What the read API reads durable executions from: the Lambda service's store, and the app's durable functions now. */
export interface DurableSources {
  readonly executions: () => DurableExecutions | undefined;
  readonly functionNames: () => readonly string[];
}

/**
 * The executions of every durable function, newest first (by start, then ARN), a page after
 * `after`: Lambda's API lists one function at a time; the console shows them all.
 */
function durableSummaries(
  sources: DurableSources,
  filter: { functionName?: string; status?: string; limit: number; after?: ExpressPosition },
): { executions: DurableExecutionSummary[]; last?: ExpressPosition } {
  const durable = sources.executions();
  if (durable === undefined) return { executions: [] };
  const { after } = filter;
  const names = sources.functionNames().filter((name) => filter.functionName === undefined || name === filter.functionName);
  const chosen = names
    .flatMap((functionName) => durable.store.list({ functionName, ...(filter.status ? { statuses: [filter.status] } : {}) }))
    .filter((e) => after === undefined || e.startedAt < after.startDate || (e.startedAt === after.startDate && e.arn < after.arn))
    .sort((a, b) => b.startedAt - a.startedAt || (a.arn < b.arn ? 1 : a.arn > b.arn ? -1 : 0));
  const shown = chosen.slice(0, filter.limit);
  const last = shown.at(-1);
  const more = chosen.length > shown.length && last !== undefined;
  return { executions: shown.map(summary), ...(more ? { last: { startDate: last.startedAt, arn: last.arn } } : {}) };
}

/** One execution with its history, as GetDurableExecution and GetDurableExecutionHistory give them; undefined when there is none. */
function durableDetail(sources: DurableSources, arn: string): DurableExecutionDetail | undefined {
  const durable = sources.executions();
  const e = durable?.store.get(arn);
  if (durable === undefined || e === undefined) return undefined;
  return {
    execution: {
      ...summary(e),
      input: e.input,
      ...(e.result !== undefined ? { result: e.result } : {}),
      ...(e.error ? { error: e.error } : {}),
    },
    events: forApi(durable.store.events(arn)),
  };
}

function summary(e: ExecutionRecord): DurableExecutionSummary {
  return {
    durableExecutionArn: e.arn,
    name: e.name,
    functionName: e.functionName,
    functionArn: e.functionArn,
    status: e.status,
    startDate: new Date(e.startedAt).toISOString(),
    ...(e.endedAt !== undefined ? { stopDate: new Date(e.endedAt).toISOString() } : {}),
  };
}

/** The router's two durable sources over the Lambda service's store. */
export function durableRoutes(sources: DurableSources): Required<Pick<ReadApiSources, 'durableExecutions' | 'durableExecution'>> {
  return {
    durableExecutions: (filter) => durableSummaries(sources, filter),
    durableExecution: (arn) => durableDetail(sources, arn),
  };
}

/**
 * The durable executions an invocation started, as lineage nodes: each execution keeps the
 * trace header its Invoke carried (the workflow starter's SDK passes its invocation's on),
 * whose parent is the invoking segment. A DurableFlow's trigger event is traced through its
 * starter's invocation to the execution it named after the event, with its status.
 */
export function durableLineage(sources: DurableSources, segment: string): LineageNode[] {
  const durable = sources.executions();
  if (durable === undefined) return [];
  return sources
    .functionNames()
    .flatMap((functionName) => durable.store.list({ functionName }))
    .filter((e) => parseTraceHeader(e.traceHeader)?.parent === segment)
    .map((e) => ({
      kind: 'execution',
      id: e.arn,
      label: `${e.functionName} durable execution ${e.name}`,
      time: new Date(e.startedAt).toISOString(),
      status: e.status.toLowerCase().replace('_', ' '),
      ...(e.error ? { reason: [e.error.ErrorType, e.error.ErrorMessage].filter(Boolean).join(': ') } : {}),
      attributes: { function: e.functionName, name: e.name, type: 'DURABLE' },
      children: [],
    }));
}
