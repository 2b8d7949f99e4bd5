import { LOCAL_EXECUTION_STATUSES } from '../../clients/execution-statuses.js';
import { businessKeyOf } from '../../clients/execution-subject.js';
import {
  type ExpressExecutionSummary,
  type ExpressExecutionsPage,
  type ForkSummary,
  type ForksPage,
  READ_API_PATHS,
} from '../../clients/read-api-contract.js';
import { ForkNotPossible, forkOfInput } from '../../contracts/fork.js';
import { AwsError } from '../endpoint/aws-error.js';
import {
  type ExecutionsFilter,
  type ExpressPosition,
  executionsPage,
  forkRequestOf,
  isExpressPosition,
  only,
  pageOf,
  ReadApiFailure,
  type ReadRoute,
  type ServiceReads,
  sendJson,
  startOrderedPage,
} from '../read-api/routes.js';
import type { ExecutionRecord } from './execution-store.js';
import type { ForkAnswer, ForkRequest } from './forks.js';

/**
 * What Step Functions adds to the read API: `/express-executions`, the EXPRESS executions the
 * runtime ran, which AWS keeps no list of (the service keeps a summary of each), and `/forks`,
 * forks of Standard executions: starting one and listing an execution's.
 */
export function stateMachineReads(states: ForkSource & { expressExecutions(): readonly ExecutionRecord[] }): ServiceReads {
  return { routes: [expressExecutionsRoute(() => states.expressExecutions()), forksRoute(states)] };
}

interface ForkSource {
  fork(request: ForkRequest): Promise<ForkAnswer>;
  forksOf(executionArn: string): readonly ExecutionRecord[];
}

/**
 * POST /forks: a fork of a Standard execution (forks.ts), which Step Functions has no operation
 * for; GET /forks?parent=: an execution's forks, which it keeps no list of.
 */
function forksRoute(states: ForkSource): ReadRoute {
  return {
    path: READ_API_PATHS.forks,
    handle({ query, res }) {
      only(query, ['parent', 'limit', 'nextToken']);
      const parent = query.get('parent') ?? '';
      if (parent === '') throw new ReadApiFailure(400, 'InvalidParameter', "parent is required: the execution's ARN whose forks to list");
      const list = READ_API_PATHS.forks;
      const filters = { parent };
      const page = pageOf(query, list, filters, isExpressPosition);
      const found = forkSummaries(states.forksOf(parent), page.limit, page.position);
      const answer: ForksPage = { forks: found.forks, ...page.next(found.last) };
      sendJson(res, 200, answer);
    },
    async post({ query, res, body }) {
      only(query, []);
      const request = forkRequestOf(body, 'the state');
      try {
        sendJson(res, 200, await states.fork(request));
      } catch (error) {
        if (error instanceof ForkNotPossible) throw new ReadApiFailure(400, 'ForkNotPossible', error.message);
        if (error instanceof AwsError && error.code === 'ExecutionDoesNotExist') throw new ReadApiFailure(404, 'NotFound', error.message);
        if (error instanceof AwsError) throw new ReadApiFailure(400, error.code, error.message);
        throw error;
      }
    },
  };
}

/** A page of an execution's forks, oldest first, after `after`. */
function forkSummaries(
  records: readonly ExecutionRecord[],
  limit: number,
  after: ExpressPosition | undefined,
): { forks: ForkSummary[]; last?: ExpressPosition } {
  const { shown, last } = startOrderedPage(records, startOf, 'oldest', { limit, ...(after ? { after } : {}) });
  const forks = shown.flatMap((record): ForkSummary[] => {
    const fork = forkOfInput(record.input);
    if (fork === undefined) return [];
    return [
      {
        executionArn: record.arn,
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        from: fork.from,
        effects: fork.effects,
        status: record.status,
        startDate: new Date(record.startDate).toISOString(),
        ...(record.stopDate === undefined ? {} : { stopDate: new Date(record.stopDate).toISOString() }),
      },
    ];
  });
  return { forks, ...(last ? { last } : {}) };
}

const startOf = (record: ExecutionRecord): ExpressPosition => ({ startDate: record.startDate, arn: record.arn });

function expressExecutionsRoute(expressExecutions: () => readonly ExecutionRecord[]): ReadRoute {
  return {
    path: READ_API_PATHS.expressExecutions,
    handle({ query, res }) {
      const list = READ_API_PATHS.expressExecutions;
      const filter = { param: 'stateMachineArn', field: 'stateMachineArn' } as const;
      const page: ExpressExecutionsPage = executionsPage(query, list, filter, LOCAL_EXECUTION_STATUSES, (f) =>
        expressSummaries(expressExecutions(), f),
      );
      sendJson(res, 200, page);
    },
  };
}

/** A page of Express executions, newest first, as ListExecutions answers. */
function expressSummaries(
  records: readonly ExecutionRecord[],
  filter: ExecutionsFilter<'stateMachineArn'>,
): { executions: ExpressExecutionSummary[]; last?: ExpressPosition } {
  const { shown, last } = startOrderedPage(
    records.filter(
      (record) =>
        (filter.stateMachineArn === undefined || record.stateMachineArn === filter.stateMachineArn) &&
        (filter.status === undefined || record.status === filter.status),
    ),
    startOf,
    'newest',
    filter,
  );
  const out: ExpressExecutionSummary[] = [];
  for (const record of shown) {
    const businessKey = businessKeyOf(record.input);
    out.push({
      executionArn: record.arn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status as ExpressExecutionSummary['status'],
      startDate: new Date(record.startDate).toISOString(),
      ...(record.stopDate === undefined ? {} : { stopDate: new Date(record.stopDate).toISOString() }),
      ...(record.error === undefined ? {} : { error: record.error }),
      ...(record.cause === undefined ? {} : { cause: record.cause }),
      ...(businessKey === undefined ? {} : { businessKey }),
    });
  }
  return { executions: out, ...(last ? { last } : {}) };
}
