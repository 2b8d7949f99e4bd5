import { type ExecutionListItem, type ExecutionStatus, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { GLOBAL_HELP, integerOption, parseCommand } from '../args.js';
import { call } from '../aws.js';
import { CliError, usageError } from '../errors.js';
import { expressUnsupported, selectFlows } from '../flows.js';
import { duration, table, time } from '../format.js';
import { appFlows } from './app-flows.js';
import type { Command } from './command.js';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;

export const HELP = `Usage: switchyard executions [--flow <name>] [--status <status>] [--limit <n>]

Lists the executions of the app's Standard flows (ListExecutions on each state machine
of the cloud assembly), newest first: flow, name, status, start and duration.

  --flow <name>       one flow: its name as listed, its state machine name or ARN
  --status <status>   ${STATUSES.join(', ')}
  --limit <n>         at most n executions (default 20, at most 1,000)

Express flows are not listed: AWS keeps no execution records for them (their log group does).

${GLOBAL_HELP}`;

export const executions: Command = async (argv, io) => {
  const { values } = parseCommand(argv, { flow: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' } }, false);
  if (values.help) return io.out(HELP);
  const status = values.status?.toUpperCase();
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
    throw usageError(`--status must be one of ${STATUSES.join(', ')} (got "${values.status}")`);
  }
  const limit = integerOption('limit', values.limit, 20, 1, 1000);
  const clients = io.clients(values);
  const flows = selectFlows(await appFlows(clients, values['cdk-out'], io.err), values.flow);

  const express = flows.filter((f) => f.type === 'EXPRESS');
  const standard = flows.filter((f) => f.type === 'STANDARD');
  if (standard.length === 0 && express.length > 0) throw new CliError(express.map(expressUnsupported).join('; '));
  for (const flow of express) io.err(`(${expressUnsupported(flow)})`);

  const rows: { flow: string; stateMachineArn: string; item: ExecutionListItem }[] = [];
  for (const flow of standard) {
    let nextToken: string | undefined;
    let taken = 0;
    do {
      const page = await call(clients.target, () =>
        clients.sfn.send(
          new ListExecutionsCommand({
            stateMachineArn: flow.arn,
            statusFilter: status as ExecutionStatus | undefined,
            maxResults: Math.min(1000, limit),
            nextToken,
          }),
        ),
      );
      for (const item of page.executions ?? []) rows.push({ flow: flow.flow, stateMachineArn: flow.arn, item });
      taken += page.executions?.length ?? 0;
      nextToken = page.nextToken;
    } while (nextToken && taken < limit);
  }
  rows.sort((a, b) => (b.item.startDate?.getTime() ?? 0) - (a.item.startDate?.getTime() ?? 0));
  const shown = rows.slice(0, limit);
  const now = Date.now();
  const durationMs = (item: ExecutionListItem) =>
    item.startDate ? (item.stopDate?.getTime() ?? now) - item.startDate.getTime() : undefined;

  if (values.json) {
    io.out(
      JSON.stringify(
        shown.map(({ flow, stateMachineArn, item }) => ({
          flow,
          name: item.name,
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
    io.out(`no executions${status ? ` with status ${status}` : ''} in ${standard.map((f) => f.flow).join(', ')}`);
    return;
  }
  io.out(
    table(
      ['FLOW', 'NAME', 'STATUS', 'START', 'DURATION'],
      shown.map(({ flow, item }) => {
        const ms = durationMs(item);
        return [
          flow,
          item.name ?? '-',
          item.status ?? '-',
          time(item.startDate),
          ms === undefined ? '-' : `${duration(ms)}${item.stopDate ? '' : ' so far'}`,
        ];
      }),
    ),
  );
};
