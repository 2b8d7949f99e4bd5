import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { GLOBAL_HELP, parseCommand } from '../args.js';
import { type Clients, call, errorCode } from '../aws.js';
import { CliError, usageError } from '../errors.js';
import { expressUnsupported, type Flow, selectFlows } from '../flows.js';
import { duration, time, truncate } from '../format.js';
import { executionFailure, type StateVisit, stateVisits } from '../history.js';
import { appFlows } from './app-flows.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard execution <name|arn> [--flow <name>]

Shows one execution of a Standard flow (DescribeExecution and GetExecutionHistory):
its states in order with their durations, every retry and caught error, each state's
input and output (cut to one line; --json gives them in full), and the error and cause
when it failed.

  <name|arn>          the execution's ARN, or its name (looked up in the app's Standard flows)
  --flow <name>       the flow to look the name up in, when several have it

${GLOBAL_HELP}`;

export const execution: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(argv, { flow: { type: 'string' } });
  if (values.help) return io.out(HELP);
  if (positionals.length !== 1) throw usageError('execution takes one <name|arn>: switchyard execution <name>');
  const wanted = String(positionals[0]);
  const clients = io.clients(values);

  if (/^arn:[^:]+:states:[^:]*:[^:]*:express:/.test(wanted)) {
    throw new CliError(`${wanted} is an Express execution: its record is in the flow's log group, which this CLI does not read yet`);
  }
  const flows = selectFlows(await appFlows(clients, values['cdk-out'], io.err), values.flow);
  const described = wanted.startsWith('arn:') ? await describe(clients, wanted) : await findByName(clients, flows, wanted);
  const executionArn = described.executionArn as string;
  const events = await history(clients, executionArn);
  const flow = flows.find((f) => f.arn === described.stateMachineArn)?.flow ?? described.stateMachineArn?.split(':').pop();
  const visits = stateVisits(events);
  const failure = executionFailure(events);

  if (values.json) {
    const { $metadata: _, ...executionDetails } = described;
    io.out(JSON.stringify({ flow, execution: executionDetails, states: visits, failure, events }, null, 2));
    return;
  }
  render(io.out, flow ?? '-', described, visits, failure);
};

async function describe(clients: Clients, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  try {
    return await call(clients.target, () => clients.sfn.send(new DescribeExecutionCommand({ executionArn })));
  } catch (error) {
    if (/ExecutionDoesNotExist|InvalidArn/.test((error as Error).message)) throw new CliError(`no execution ${executionArn}`);
    throw error;
  }
}

/** The execution of that name in the Standard flows: its ARN is the state machine's with `:execution:<name>`. */
async function findByName(clients: Clients, flows: readonly Flow[], name: string): Promise<DescribeExecutionCommandOutput> {
  const standard = flows.filter((f) => f.type === 'STANDARD');
  const found: DescribeExecutionCommandOutput[] = [];
  for (const flow of standard) {
    const executionArn = `${flow.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    try {
      found.push(await clients.sfn.send(new DescribeExecutionCommand({ executionArn })));
    } catch (error) {
      if (errorCode(error) === 'ExecutionDoesNotExist') continue;
      await call(clients.target, () => Promise.reject(error));
    }
  }
  if (found.length > 1) {
    const names = found.map((e) => standard.find((f) => f.arn === e.stateMachineArn)?.flow).join(', ');
    throw new CliError(`execution "${name}" exists in several flows (${names}): pass --flow or the execution's ARN`);
  }
  const only = found[0];
  if (only !== undefined) return only;
  const express = flows.filter((f) => f.type === 'EXPRESS');
  const searched = standard.map((f) => f.flow).join(', ') || 'none';
  const hint = express.length > 0 ? `; ${express.map(expressUnsupported).join('; ')}` : '';
  throw new CliError(`no execution named "${name}" in the app's Standard flows (${searched})${hint}`);
}

async function history(clients: Clients, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await call(clients.target, () =>
      clients.sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000, includeExecutionData: true })),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

function render(
  out: (line: string) => void,
  flow: string,
  e: DescribeExecutionCommandOutput,
  visits: readonly StateVisit[],
  failure: ReturnType<typeof executionFailure>,
) {
  const took = e.startDate ? duration((e.stopDate ?? new Date()).getTime() - e.startDate.getTime()) : '-';
  out(`${e.name}  ${e.status}  (flow ${flow})`);
  out(`  started ${time(e.startDate)}, ${e.stopDate ? `took ${took}` : `running for ${took}`}`);
  out(`  ${e.executionArn}`);
  if (e.input !== undefined) out(`  input:  ${truncate(e.input)}`);
  out('');
  out(visits.length === 0 ? 'no states entered yet' : 'States:');
  visits.forEach((v, i) => {
    const took =
      v.durationMs !== undefined
        ? duration(v.durationMs)
        : v.enteredAt && v.status === 'running'
          ? `${duration(Date.now() - v.enteredAt.getTime())} so far`
          : '-';
    out(`  ${String(i + 1).padStart(2)}. ${v.name}  [${v.type}]  ${v.status}  ${took}`);
    v.attempts.forEach((a, n) => {
      if (v.attempts.length === 1 && a.outcome !== 'failed' && a.outcome !== 'timed out') return;
      const why = a.error ? `: ${a.error}${a.cause ? ` (${truncate(a.cause, 120)})` : ''}` : '';
      const next = a.outcome === 'failed' || a.outcome === 'timed out' ? (n < v.attempts.length - 1 ? ', retried' : '') : '';
      out(`        try ${n + 1} ${a.outcome}${why}${next}`);
    });
    if (v.caught) out(`        caught ${v.caught.error ?? 'error'}${v.caught.next ? ` -> ${v.caught.next}` : ''}`);
    if (v.input !== undefined) out(`        input:  ${truncate(v.input, 160)}`);
    if (v.output !== undefined) out(`        output: ${truncate(v.output, 160)}`);
  });
  if (failure) {
    out('');
    out(`Failed: ${failure.error ?? '-'}`);
    if (failure.cause) out(`  cause: ${truncate(failure.cause, 1000)}`);
  }
  if (e.output !== undefined) {
    out('');
    out(`output: ${truncate(e.output)}`);
  }
}
