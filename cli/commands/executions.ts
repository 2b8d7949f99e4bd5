import { DescribeExecutionCommand, type ExecutionListItem, paginateListExecutions } from '@aws-sdk/client-sfn';
import { EXECUTION_STATUSES, type ExecutionStatus, isStatusOf } from '../../clients/execution-statuses.js';
import { businessKeyOf, executionSubject } from '../../clients/execution-subject.js';
import { duration, table, time } from '../../clients/format.js';
import { appFlows } from '../../inspect/app-flows.js';
import { type Clients, call, pages } from '../../inspect/aws.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { loggedExpressExecutions, noExpressRecord } from '../../inspect/express.js';
import { type Flow, selectFlows } from '../../inspect/flows.js';
import { GLOBAL_HELP, integerOption, parseCommand } from '../args.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard executions [--flow <name>] [--status <status>] [--limit <n>]

Lists the executions of the app's flows, newest first: flow, business key, status, start,
duration and name. Standard flows with ListExecutions; Express flows from their log group
(FilterLogEvents over the records Step Functions writes there), as AWS keeps no other
record of Express executions.

KEY is what the execution is about: the idempotency key of the event that started it
(OrderPlaced#orderId="O-1"), which its name is a digest of and the workflow starter puts in
its input; for an execution started otherwise, the id field its input names (ticketId=T-1).
Read from the input (DescribeExecution; an Express flow's only when its logs include
execution data); --json gives the idempotency key as businessKey.

  --flow <name>       one flow: its name as listed, its state machine name or ARN
  --status <status>   ${EXECUTION_STATUSES.join(', ')}
  --limit <n>         at most n executions (default 20, at most 1,000)

An Express flow without logging is named on stderr: AWS keeps no record of its executions.
The executions of Lambda durable functions are listed by switchyard durable.

${GLOBAL_HELP}`;

export const executions: Command = async (argv, io) => {
  const { values } = parseCommand(argv, { flow: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' } }, false);
  if (values.help) return io.out(HELP);
  const status = values.status?.toUpperCase();
  if (status !== undefined && !isStatusOf(EXECUTION_STATUSES, status)) {
    throw usageError(`--status must be one of ${EXECUTION_STATUSES.join(', ')} (got "${values.status}")`);
  }
  const limit = integerOption('limit', values.limit, 20, 1, 1000);
  const clients = io.clients(values);
  const flows = selectFlows(await appFlows(clients, values['cdk-out'], io.err), values.flow);

  const rows: Row[] = [];
  const unlogged: Flow[] = [];
  for (const flow of flows) {
    if (flow.type !== 'EXPRESS') {
      rows.push(...(await standardExecutions(clients, flow, status, limit)));
      continue;
    }
    const logged = await expressExecutions(clients, flow, status);
    if (logged === undefined) unlogged.push(flow);
    else rows.push(...logged);
  }
  if (unlogged.length === flows.length && flows.length > 0) throw new CliError(unlogged.map(noExpressRecord).join('; '));
  for (const flow of unlogged) io.err(`(${noExpressRecord(flow)})`);
  rows.sort((a, b) => (b.item.startDate?.getTime() ?? 0) - (a.item.startDate?.getTime() ?? 0));
  const shown = await withInputs(clients, rows.slice(0, limit));
  const now = Date.now();
  const durationMs = (item: ExecutionListItem) =>
    item.startDate ? (item.stopDate?.getTime() ?? now) - item.startDate.getTime() : undefined;

  if (values.json) {
    io.out(
      JSON.stringify(
        shown.map(({ flow, stateMachineArn, item, input }) => ({
          flow,
          name: item.name,
          businessKey: businessKeyOf(input),
          status: item.status,
          startDate: item.startDate?.toISOString(),
          stopDate: item.stopDate?.toISOString(),
          durationMs: durationMs(item),
          executionArn: item.executionArn,
          stateMachineArn,
        })),
        null,
        2,
      ),
    );
    return;
  }
  if (shown.length === 0) {
    io.out(
      `no executions${status ? ` with status ${status}` : ''} in ${flows
        .filter((f) => !unlogged.includes(f))
        .map((f) => f.flow)
        .join(', ')}`,
    );
    return;
  }
  io.out(
    table(
      ['FLOW', 'KEY', 'STATUS', 'START', 'DURATION', 'NAME'],
      shown.map(({ flow, item, input }) => {
        const ms = durationMs(item);
        return [
          flow,
          executionSubject(input) ?? '-',
          item.status ?? '-',
          time(item.startDate),
          ms === undefined ? '-' : `${duration(ms)}${item.stopDate ? '' : ' so far'}`,
          item.name ?? '-',
        ];
      }),
    ),
  );
};

type Row = { flow: string; stateMachineArn: string; item: ExecutionListItem; input?: string };

/** How many DescribeExecution calls are in flight at once. */
const DESCRIBE_CONCURRENCY = 10;

/** The rows with their executions' inputs: a Standard execution's from DescribeExecution (ListExecutions gives none). */
async function withInputs(clients: Clients, rows: readonly Row[]): Promise<Row[]> {
  const out: Row[] = [];
  for (let at = 0; at < rows.length; at += DESCRIBE_CONCURRENCY) {
    const batch = rows.slice(at, at + DESCRIBE_CONCURRENCY).map(async (row) => {
      if (row.input !== undefined || row.item.executionArn === undefined || row.item.executionArn.includes(':express:')) return row;
      const { executionArn } = row.item;
      const described = await call(clients.target, () => clients.sfn.send(new DescribeExecutionCommand({ executionArn })));
      return { ...row, input: described.input };
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** A Standard flow's executions with ListExecutions, newest first, until `limit` are taken. */
async function standardExecutions(clients: Clients, flow: Flow, status: ExecutionStatus | undefined, limit: number): Promise<Row[]> {
  const rows: Row[] = [];
  let taken = 0;
  const paginator = paginateListExecutions(
    { client: clients.sfn, pageSize: Math.min(1000, limit) },
    { stateMachineArn: flow.arn, statusFilter: status },
  );
  for await (const page of pages(clients.target, paginator)) {
    for (const item of page.executions ?? []) rows.push({ flow: flow.flow, stateMachineArn: flow.arn, item });
    taken += page.executions?.length ?? 0;
    if (taken >= limit) break;
  }
  return rows;
}

/** An Express flow's executions from its log group; undefined when it logs none (AWS keeps no other record). */
async function expressExecutions(clients: Clients, flow: Flow, status: string | undefined): Promise<Row[] | undefined> {
  const executions = await loggedExpressExecutions(clients, flow);
  if (executions === undefined) return undefined;
  return executions
    .filter((e) => status === undefined || e.status === status)
    .map((e) => ({
      flow: flow.flow,
      stateMachineArn: flow.arn,
      item: { ...e, startDate: e.startDate ?? new Date(0), stateMachineArn: flow.arn },
      input: e.input,
    }));
}
