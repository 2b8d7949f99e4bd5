import {
  DescribeExecutionCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  paginateListExecutions,
} from '@aws-sdk/client-sfn';
import { FAILED_DURABLE_EXECUTION_STATUSES, FAILED_EXECUTION_STATUSES, isStatusOf } from '../clients/execution-statuses.js';
import { type Clients, call, pages } from './aws.js';
import { type DurableFunction, lambdaSdk, listDurableExecutions } from './durable.js';
import { loggedExpressExecutions } from './express.js';
import type { Flow } from './flows.js';

export interface FailedExecution {
  readonly flow: string;
  /** DURABLE: a Lambda durable function's execution, `flow` the function. */
  readonly type: 'STANDARD' | 'EXPRESS' | 'DURABLE';
  readonly name: string;
  readonly executionArn: string;
  readonly status: ExecutionStatus | 'STOPPED';
  readonly startDate?: Date;
  readonly stopDate?: Date;
  readonly error?: string;
  readonly cause?: string;
  /**
   * The Fail state it ended in, when that state gave no error and no cause (a `Fail` without
   * `Error`/`Cause`, as CDK's `new sfn.Fail(scope, id)` writes): where it failed is then the
   * only reason there is.
   */
  readonly failState?: string;
  /** What it started with (Standard; Express when its logs include execution data): says what it was about. */
  readonly input?: string;
  /** DescribeExecution's answer (Standard only): whether RedriveExecution would take it, and why not. */
  readonly redriveStatus?: string;
  readonly redriveStatusReason?: string;
  readonly redriveCount?: number;
}

/**
 * The failed, timed-out and aborted executions of the flows, newest first: Standard ones
 * with ListExecutions and DescribeExecution (for the error and cause), Express ones from the
 * terminal records in their log group. `unlogged` names the Express flows AWS keeps no
 * record of.
 */
export async function failedExecutions(
  clients: Clients,
  flows: readonly Flow[],
  options: { since?: Date; limit: number },
): Promise<{ executions: FailedExecution[]; unlogged: Flow[] }> {
  const recent = (stopDate: Date | undefined) => options.since === undefined || (stopDate?.getTime() ?? 0) >= options.since.getTime();
  // The flows, and each flow's statuses, are listed at once: a command waits for its slowest list, not their sum.
  const found = await Promise.all(
    flows.map(async (flow) => {
      if (flow.type !== 'EXPRESS') {
        const byStatus = await Promise.all(
          FAILED_EXECUTION_STATUSES.map((status) => standardFailures(clients, flow, status, recent, options.limit)),
        );
        return { executions: byStatus.flat() };
      }
      const logged = await loggedExpressExecutions(clients, flow);
      if (logged === undefined) return { executions: [], unlogged: flow };
      return {
        executions: logged
          .filter((e) => isStatusOf(FAILED_EXECUTION_STATUSES, e.status) && recent(e.stopDate))
          .map(
            (e): FailedExecution => ({
              flow: flow.flow,
              type: 'EXPRESS',
              name: e.name,
              executionArn: e.executionArn,
              status: e.status as FailedExecution['status'],
              startDate: e.startDate,
              stopDate: e.stopDate,
              input: e.input,
              ...terminalError(e.events),
            }),
          ),
      };
    }),
  );
  const executions = found.flatMap((f) => f.executions);
  executions.sort((a, b) => (b.stopDate?.getTime() ?? 0) - (a.stopDate?.getTime() ?? 0));
  return { executions: executions.slice(0, options.limit), unlogged: found.flatMap((f) => (f.unlogged ? [f.unlogged] : [])) };
}

/** A Standard flow's executions of one failed status (ListExecutions), each described for its error and cause. */
async function standardFailures(
  clients: Clients,
  flow: Flow,
  status: (typeof FAILED_EXECUTION_STATUSES)[number],
  recent: (stopDate: Date | undefined) => boolean,
  limit: number,
): Promise<FailedExecution[]> {
  const executions: FailedExecution[] = [];
  const paginator = paginateListExecutions(
    { client: clients.sfn, pageSize: Math.min(1000, limit) },
    { stateMachineArn: flow.arn, statusFilter: status },
  );
  for await (const page of pages(clients.target, paginator)) {
    for (const item of page.executions ?? []) {
      if (!item.executionArn || !recent(item.stopDate)) continue;
      const described = await call(clients.target, () =>
        clients.sfn.send(new DescribeExecutionCommand({ executionArn: item.executionArn })),
      );
      const failState =
        status === 'FAILED' && !described.error && !described.cause ? await lastFailState(clients, item.executionArn) : undefined;
      executions.push({
        flow: flow.flow,
        type: 'STANDARD',
        name: item.name ?? '',
        executionArn: item.executionArn,
        status,
        startDate: item.startDate,
        stopDate: item.stopDate,
        error: described.error,
        cause: described.cause,
        ...(failState === undefined ? {} : { failState }),
        input: described.input,
        redriveStatus: described.redriveStatus,
        redriveStatusReason: described.redriveStatusReason,
        redriveCount: described.redriveCount,
      });
    }
    if (executions.length >= limit) break;
  }
  return executions;
}

/** The name of the Fail state an execution ended in (its history read from the end), if it ended in one. */
async function lastFailState(clients: Clients, executionArn: string): Promise<string | undefined> {
  const { events = [] } = await call(clients.target, () =>
    clients.sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 5 })),
  );
  return events.find((event) => event.type === 'FailStateEntered')?.stateEnteredEventDetails?.name;
}

/** The error and cause of an Express execution's terminal record. */
function terminalError(events: readonly HistoryEvent[]): { error?: string; cause?: string } {
  for (const event of events) {
    const details = event.executionFailedEventDetails ?? event.executionTimedOutEventDetails ?? event.executionAbortedEventDetails;
    if (details) return { error: details.error, cause: details.cause };
  }
  return {};
}

/**
 * The failed, timed-out and stopped executions of the app's durable functions, newest
 * first: ListDurableExecutionsByFunction, then GetDurableExecution for each one's error
 * (without its input and result: IncludeExecutionData false).
 */
export async function failedDurableExecutions(
  clients: Clients,
  functions: readonly DurableFunction[],
  options: { since?: Date; limit: number },
): Promise<FailedExecution[]> {
  const listed = await listDurableExecutions(clients, functions, { statuses: FAILED_DURABLE_EXECUTION_STATUSES, limit: options.limit });
  if (listed.length === 0) return [];
  const { GetDurableExecutionCommand } = await lambdaSdk();
  const failed: FailedExecution[] = [];
  for (const e of listed) {
    if (!e.DurableExecutionArn || (options.since && (e.EndTimestamp?.getTime() ?? 0) < options.since.getTime())) continue;
    const described = await call(clients.target, () =>
      clients.lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: e.DurableExecutionArn, IncludeExecutionData: false })),
    );
    failed.push({
      flow: e.function,
      type: 'DURABLE',
      name: e.DurableExecutionName ?? '',
      executionArn: e.DurableExecutionArn,
      status: e.Status as FailedExecution['status'],
      startDate: e.StartTimestamp,
      stopDate: e.EndTimestamp,
      ...(described.Error?.ErrorType ? { error: described.Error.ErrorType } : {}),
      ...(described.Error?.ErrorMessage ? { cause: described.Error.ErrorMessage } : {}),
    });
  }
  failed.sort((a, b) => (b.stopDate?.getTime() ?? 0) - (a.stopDate?.getTime() ?? 0));
  return failed;
}
