import { DURABLE_EXECUTION_STATUSES } from '../../../clients/execution-statuses.js';
import {
  type DurableExecutionDetail,
  type DurableExecutionSummary,
  type DurableExecutionsPage,
  type ForkAnswer,
  type LineageNode,
  READ_API_PATHS,
  READ_API_PREFIX,
} from '../../../clients/read-api-contract.js';
import { ForkNotPossible } from '../../../contracts/fork.js';
import { AwsError } from '../../endpoint/aws-error.js';
import { parseTraceHeader } from '../../endpoint/trace-header.js';
import {
  type ExecutionsFilter,
  type ExpressPosition,
  executionsPage,
  forkRequestOf,
  only,
  ReadApiFailure,
  type ReadRoute,
  type ServiceReads,
  sendJson,
  startOrderedPage,
} from '../../read-api/routes.js';
import type { DurableExecutions } from './durable-executions.js';
import type { ExecutionRecord } from './durable-types.js';
import { forkDurableExecution } from './forks.js';
import { forApi } from './wire.js';

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
  filter: ExecutionsFilter<'functionName'>,
): { executions: DurableExecutionSummary[]; last?: ExpressPosition } {
  const durable = sources.executions();
  if (durable === undefined) return { executions: [] };
  const names = sources.functionNames().filter((name) => filter.functionName === undefined || name === filter.functionName);
  const executions = names.flatMap((functionName) =>
    durable.store.list({ functionName, ...(filter.status ? { statuses: [filter.status] } : {}) }),
  );
  const { shown, last } = startOrderedPage(executions, (e) => ({ startDate: e.startedAt, arn: e.arn }), 'newest', filter);
  return { executions: shown.map(summary), ...(last ? { last } : {}) };
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
      ...(e.fork ? { fork: e.fork } : {}),
    },
    events: forApi(durable.store.events(arn)),
    forks: durable.store.forks(arn).flatMap((f) => (f.fork ? [{ ...summary(f), from: f.fork.from, effects: f.fork.effects }] : [])),
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

/**
 * What the read API shows of durable executions: `/durable-executions` (every durable
 * function's, or one's) and `/durable-executions/<arn>`, and under an invocation in a lineage
 * the executions it started; and the fork of one (POST `/durable-forks`), which Lambda has no
 * operation for.
 */
export function durableReads(sources: DurableSources): Required<Pick<ServiceReads, 'routes' | 'lineage'>> {
  return {
    routes: [durableExecutionsRoute(sources), durableForksRoute(sources)],
    lineage: (segment) => durableLineage(sources, segment),
  };
}

/** POST /durable-forks: a fork of a durable execution (forks.ts). */
function durableForksRoute(sources: DurableSources): ReadRoute {
  return {
    path: READ_API_PATHS.durableForks,
    post({ query, res, body }) {
      only(query, []);
      const durable = sources.executions();
      if (durable === undefined) throw new ReadApiFailure(404, 'NotFound', 'this runtime runs no durable function');
      const request = forkRequestOf(body, 'the operation of its handler');
      let answer: ForkAnswer;
      try {
        answer = forkDurableExecution(durable, request);
      } catch (error) {
        if (error instanceof ForkNotPossible) throw new ReadApiFailure(400, 'ForkNotPossible', error.message);
        if (error instanceof AwsError && error.code === 'ResourceNotFoundException')
          throw new ReadApiFailure(404, 'NotFound', `no durable execution ${request.executionArn}`);
        throw error;
      }
      sendJson(res, 200, answer);
    },
  };
}

/** The list of durable executions, or one (`/durable-executions/<arn>`). */
function durableExecutionsRoute(sources: DurableSources): ReadRoute {
  const list = READ_API_PATHS.durableExecutions;
  return {
    path: list,
    matches: (path) => path.startsWith(list),
    handle({ path, query, res }) {
      if (path.startsWith(`${list}/`)) {
        only(query, []);
        const arn = decodeURIComponent(path.slice(list.length + 1));
        const detail = durableDetail(sources, arn);
        if (detail === undefined) throw new ReadApiFailure(404, 'NotFound', `no durable execution ${arn}`);
        sendJson(res, 200, detail);
        return;
      }
      if (path !== list) throw new ReadApiFailure(404, 'NotFound', `the read API has no ${READ_API_PREFIX}${path}`);
      const filter = { param: 'function', field: 'functionName' } as const;
      const page: DurableExecutionsPage = executionsPage(query, list, filter, DURABLE_EXECUTION_STATUSES, (f) =>
        durableSummaries(sources, f),
      );
      sendJson(res, 200, page);
    },
  };
}

/**
 * The durable executions an invocation started, as lineage nodes: each execution keeps the
 * trace header its Invoke carried (the workflow starter's SDK passes its invocation's on),
 * whose parent is the invoking segment. A DurableFlow's trigger event is traced through its
 * starter's invocation to the execution it named after the event, with its status.
 */
function durableLineage(sources: DurableSources, segment: string): LineageNode[] {
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
