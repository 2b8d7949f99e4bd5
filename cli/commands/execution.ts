import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type DescribeExecutionOutput,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { executionSubject } from '../../clients/execution-subject.js';
import { duration, fold, time, truncate } from '../../clients/format.js';
import { causeMessage } from '../../clients/history-reader.js';
import { type ForkSummary, type ForksPage, READ_API_PATHS, readAllPages } from '../../clients/read-api-contract.js';
import { type Fork, forkOfInput, InvalidForkInput } from '../../contracts/fork-starts.js';
import { appFlows } from '../../inspect/app-flows.js';
import { type Clients, call, errorCode } from '../../inspect/aws.js';
import {
  type DurableDetail,
  durableFunctions,
  isDurableExecutionArn,
  loadDurableExecution,
  NoDurableExecutionNamed,
} from '../../inspect/durable.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { executionNamesAbout } from '../../inspect/execution-names.js';
import {
  type ExpressExecution,
  executionPattern,
  expressExecutions,
  expressLogging,
  loggedExpressExecutions,
  noExpressRecord,
  parseExpressArn,
  readRecords,
} from '../../inspect/express.js';
import { type Flow, selectFlows } from '../../inspect/flows.js';
import { getReadApi } from '../../inspect/read-api.js';
import { GLOBAL_HELP, parseCommand } from '../args.js';
import { historyOf } from '../fetch-history.js';
import { stateOutputLine } from '../state-data.js';
import { executionFailure, type StateVisit, stateVisits } from '../state-visits.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard execution <name|arn> [--flow <name>] [--full]

Shows one execution: of a Standard flow with DescribeExecution and GetExecutionHistory,
of an Express flow from the records its logging wrote to its log group (FilterLogEvents):
what it is about (the business key its input names), its states in order with their
durations, every retry and caught error, each state's input and output, and the error and
cause when it failed. A fork (switchyard fork) names its parent and the state it began at;
on the local runtime, an execution lists its forks (Step Functions keeps no such list).

Each input and output is one line. A state's output shows what the state added or changed
(a Task's result at its resultPath, a model step's answer), then which fields of its input
it passed on; a long value keeps its start and end and folds its middle.

  <name|arn>          the execution's ARN, or its name (looked up in the app's flows), or
                      what it is about: the business key executions shows
                      (OrderPlaced#orderId="O-1") or the id alone (O-1)
  --flow <name>       the flow to look the name up in, when several have it
  --full              every input and output whole (--json gives them whole too)

${GLOBAL_HELP}`;

export const execution: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(argv, { flow: { type: 'string' }, full: { type: 'boolean' } });
  if (values.help) return io.out(HELP);
  if (positionals.length !== 1) throw usageError('execution takes one <name|arn>: switchyard execution <name>');
  const wanted = String(positionals[0]);
  const clients = io.clients(values);

  const flows = selectFlows(await appFlows(clients, values['cdk-out'], io.err), values.flow);
  const aliases = () => executionNamesAbout(values['cdk-out'], wanted);
  const { described, events, flow: found } = await loadExecution(clients, flows, wanted, aliases);
  const flow = flows.find((f) => f.arn === described.stateMachineArn)?.flow ?? described.stateMachineArn?.split(':').pop();
  const visits = stateVisits(events);
  const failure = executionFailure(events);
  const fork = forkOf(described.input, io.err);
  const forks = await forksOf(clients, described, io.err);

  if (values.json) {
    io.out(JSON.stringify({ flow, execution: described, fork, forks, states: visits, failure, events }, null, 2));
    return;
  }
  renderExecution(io.out, { flow: flow ?? '-', execution: described, fork, forks, visits, failure, full: values.full === true });
  if (found?.type === 'EXPRESS' && described.input === undefined) {
    io.out('');
    io.out(`(${found.flow} logs without execution data, IncludeExecutionData false: inputs and outputs are not recorded)`);
  }
};

type Described = DescribeExecutionOutput;

/** The fork the input carries; a malformed one is said on stderr, and the execution shown as it is. */
function forkOf(input: string | undefined, note: (line: string) => void): Fork | undefined {
  try {
    return forkOfInput(input);
  } catch (error) {
    if (!(error instanceof InvalidForkInput)) throw error;
    note(`(not read as a fork: ${error.message})`);
    return undefined;
  }
}

/**
 * A Standard execution's forks, oldest first, from the local runtime's read API; undefined in
 * AWS, which keeps no list of them (a fork names its parent in its own input), and where the
 * endpoint has no such list (another emulator, an older runtime: said on stderr).
 */
async function forksOf(clients: Clients, described: Described, note: (line: string) => void): Promise<ForkSummary[] | undefined> {
  const target = clients.target;
  if (target.kind !== 'local' || described.executionArn?.includes(':express:')) return undefined;
  const query = (nextToken: string | undefined) =>
    new URLSearchParams({ parent: String(described.executionArn), ...(nextToken ? { nextToken } : {}) }).toString();
  try {
    const pages = await readAllPages((nextToken) => getReadApi<ForksPage>(target, `${READ_API_PATHS.forks}?${query(nextToken)}`));
    return pages.flatMap((page) => page.forks);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    note(`(forks not listed: ${error.message})`);
    return undefined;
  }
}

/** No execution of the flows searched (nor of the durable functions) has the name, nor any name of what it is about. */
export class NoExecutionNamed extends CliError {
  constructor(
    readonly wanted: string,
    /** Where it was looked for: the flows, and why an Express flow could not be searched. */
    readonly searched: string,
    options?: { readonly cause?: unknown },
  ) {
    super(
      `no execution named "${wanted}" in ${searched}; an execution is named by its ARN, its name, or what it is about: the business key switchyard executions lists (OrderPlaced#orderId="O-1") or the id alone (O-1)`,
      1,
      options,
    );
    this.name = 'NoExecutionNamed';
  }
}

/** A state machine's execution with its history, or a Lambda durable execution. */
export type AnyExecution =
  | { readonly kind: 'state machine'; readonly described: Described; readonly events: HistoryEvent[] }
  | { readonly kind: 'durable function'; readonly execution: DurableDetail['execution'] };

/**
 * The execution a command that acts on one (fork, stop) is given, by every name
 * `switchyard execution` takes: a durable execution's ARN, a state machine execution's ARN,
 * its name, or what it is about (the business key executions shows, or the id alone:
 * executionNamesAbout), looked up in the app's flows and, when no flow has it (and no --flow
 * narrowed the search), among its durable functions' executions.
 */
export async function loadAnyExecution(
  clients: Clients,
  wanted: string,
  options: { readonly flow?: string; readonly cdkOut?: string },
  note: (line: string) => void,
): Promise<AnyExecution> {
  if (isDurableExecutionArn(wanted))
    return { kind: 'durable function', execution: (await loadDurableExecution(clients, [], wanted)).execution };
  const byArn = wanted.startsWith('arn:');
  // The same names `switchyard execution` tries, so that what one command shows every other takes.
  const aliases = () => executionNamesAbout(options.cdkOut, wanted);
  try {
    const flows = byArn ? [] : selectFlows(await appFlows(clients, options.cdkOut, note), options.flow);
    const { described, events } = await loadExecution(clients, flows, wanted, aliases);
    return { kind: 'state machine', described, events };
  } catch (error) {
    if (byArn || options.flow !== undefined || !(error instanceof NoExecutionNamed)) throw error;
    const functions = await durableFunctions(clients, options.cdkOut);
    if (functions.length === 0) throw error;
    try {
      const found = await loadDurableExecution(clients, functions, wanted, aliases);
      return { kind: 'durable function', execution: found.execution };
    } catch (durableError) {
      if (!(durableError instanceof NoDurableExecutionNamed)) throw durableError;
      // Neither has it: one error that says both where it was looked for.
      throw new NoExecutionNamed(wanted, `${error.searched}, nor among the executions of ${durableError.searched}`, {
        cause: durableError,
      });
    }
  }
}

/**
 * One execution and its history, by ARN or name, Standard or Express; `aliases` gives the names
 * tried when no execution has that name (executionNamesAbout).
 */
export async function loadExecution(
  clients: Clients,
  flows: readonly Flow[],
  wanted: string,
  aliases: () => readonly string[] = () => [],
): Promise<{ described: Described; events: HistoryEvent[]; flow?: Flow }> {
  const express = wanted.startsWith('arn:') ? parseExpressArn(wanted) : undefined;
  if (express !== undefined) {
    const flow = flows.find((f) => f.arn === express.stateMachineArn);
    if (flow === undefined) throw new CliError(`no flow of the app runs ${wanted}`);
    return { ...(await loadExpress(clients, flow, wanted)), flow };
  }
  if (wanted.startsWith('arn:')) {
    const { $metadata: _, ...described } = await describe(clients, wanted);
    return { described, events: await historyOf(clients, wanted), flow: flows.find((f) => f.arn === described.stateMachineArn) };
  }
  return findByName(clients, flows, wanted, aliases);
}

/** An Express execution from its flow's log group, shaped as DescribeExecution and GetExecutionHistory would give it. */
async function loadExpress(clients: Clients, flow: Flow, executionArn: string): Promise<{ described: Described; events: HistoryEvent[] }> {
  const logging = await expressLogging(clients, flow);
  if (logging === undefined) throw new CliError(noExpressRecord(flow));
  const records = await readRecords(clients, logging.logGroup, { filterPattern: executionPattern(executionArn) });
  const found = expressExecutions(records.filter((r) => r.executionArn === executionArn))[0];
  if (found === undefined) throw new CliError(`no execution ${executionArn} in the log group ${logging.logGroup} of ${flow.flow}`);
  return { described: describedExpress(found), events: found.events };
}

function describedExpress(e: ExpressExecution): Described {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate ?? new Date(0),
    stopDate: e.stopDate,
    input: e.input,
    output: e.output,
  };
}

async function describe(clients: Clients, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  try {
    return await call(clients.target, () => clients.sfn.send(new DescribeExecutionCommand({ executionArn })));
  } catch (error) {
    if (/ExecutionDoesNotExist|InvalidArn/.test((error as Error).message)) throw new CliError(`no execution ${executionArn}`);
    throw error;
  }
}

/**
 * The execution of that name in the app's flows: in a Standard flow its ARN is the state
 * machine's with `:execution:<name>`; in an Express flow it is found in the log group. When
 * none has the name, the execution of the names in `aliases` (what the workflow starter names
 * an execution about it).
 */
async function findByName(
  clients: Clients,
  flows: readonly Flow[],
  name: string,
  aliases: () => readonly string[],
): Promise<{ described: Described; events: HistoryEvent[]; flow?: Flow }> {
  let { found, unlogged } = await withNames(clients, flows, new Set([name]));
  const others = found.length === 0 ? aliases() : [];
  if (others.length > 0) ({ found, unlogged } = await withNames(clients, flows, new Set(others)));
  if (found.length > 1) {
    const names = found.map((e) => e.flow.flow).join(', ');
    throw new CliError(`execution "${name}" exists in several flows or several times (${names}): pass --flow or the execution's ARN`);
  }
  const only = found[0];
  if (only !== undefined) {
    const arn = only.described.executionArn as string;
    if (only.express) return { ...(await loadExpress(clients, only.flow, arn)), flow: only.flow };
    return { described: only.described, events: await historyOf(clients, arn), flow: only.flow };
  }
  const searched =
    flows
      .filter((f) => !unlogged.includes(f))
      .map((f) => f.flow)
      .join(', ') || 'none';
  const hint = unlogged.length > 0 ? `; ${unlogged.map(noExpressRecord).join('; ')}` : '';
  throw new NoExecutionNamed(name, `the app's flows (${searched})${hint}`);
}

/** The executions of the flows with one of these names, and the Express flows that log none. */
async function withNames(clients: Clients, flows: readonly Flow[], names: ReadonlySet<string>) {
  const found: { described: Described; flow: Flow; express: boolean }[] = [];
  const unlogged: Flow[] = [];
  for (const flow of flows) {
    if (flow.type === 'EXPRESS') {
      const executions = await loggedExpressExecutions(clients, flow);
      if (executions === undefined) unlogged.push(flow);
      for (const e of executions ?? []) if (names.has(e.name)) found.push({ described: describedExpress(e), flow, express: true });
      continue;
    }
    for (const name of names) {
      const executionArn = `${flow.arn.replace(':stateMachine:', ':execution:')}:${name}`;
      try {
        const { $metadata: _, ...described } = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
        found.push({ described, flow, express: false });
      } catch (error) {
        if (errorCode(error) === 'ExecutionDoesNotExist') continue;
        await call(clients.target, () => Promise.reject(error));
      }
    }
  }
  return { found, unlogged };
}

/** What `render` shows: the execution, its states and failure; `full` shows inputs and outputs whole. */
interface Shown {
  readonly flow: string;
  readonly execution: Described;
  /** The fork its input carries, when it is one. */
  readonly fork: Fork | undefined;
  /** Its forks, when the target keeps a list of them (the local runtime). */
  readonly forks: readonly ForkSummary[] | undefined;
  readonly visits: readonly StateVisit[];
  readonly failure: ReturnType<typeof executionFailure>;
  readonly full: boolean;
}

/** The execution as `switchyard execution` prints it, line by line. */
export function renderExecution(out: (line: string) => void, { flow, execution: e, fork, forks, visits, failure, full }: Shown) {
  const took = e.startDate ? duration((e.stopDate ?? new Date()).getTime() - e.startDate.getTime()) : '-';
  const whole = (text: string) => text.replace(/\s*\n\s*/g, ' ');
  out(`${e.name}  ${e.status}  (flow ${flow})`);
  const about = executionSubject(e.input);
  if (about !== undefined) out(`  about ${about}`);
  if (fork !== undefined)
    out(`  fork of ${fork.parent.split(':').at(-1)} from ${fork.from}${fork.effects === 'rerun' ? ', effects applied again' : ''}`);
  out(`  started ${time(e.startDate)}, ${e.stopDate ? `took ${took}` : `running for ${took}`}`);
  // The states it failed in show above the ones the redrive ran: say when that was, or a reader takes the old failure for the outcome.
  if ((e.redriveCount ?? 0) > 0)
    out(`  redriven ${e.redriveCount === 1 ? 'once' : `${e.redriveCount} times`}, last at ${time(e.redriveDate)}`);
  out(`  ${e.executionArn}`);
  if (e.input !== undefined) out(`  input:  ${full ? whole(e.input) : truncate(e.input)}`);
  out('');
  out(visits.length === 0 ? 'no states entered yet' : 'States:');
  visits.forEach((v, i) => {
    const took =
      v.durationMs !== undefined
        ? duration(v.durationMs)
        : v.enteredAt && v.status === 'running'
          ? `${duration(Date.now() - v.enteredAt.getTime())} so far`
          : '-';
    out(`  ${String(i + 1).padStart(2)}. ${v.name}  [${v.type}]  ${v.status}${v.redriven ? ', then redriven' : ''}  ${took}`);
    v.attempts.forEach((a, n) => {
      if (v.attempts.length === 1 && a.outcome !== 'failed' && a.outcome !== 'timed out') return;
      const why = a.error ? `: ${a.error}${a.cause ? ` (${truncate(causeMessage(a.cause), 120)})` : ''}` : '';
      const next = a.outcome === 'failed' || a.outcome === 'timed out' ? (n < v.attempts.length - 1 ? ', retried' : '') : '';
      out(`        try ${n + 1} ${a.outcome}${why}${next}`);
    });
    if (v.caught) out(`        caught ${v.caught.error ?? 'error'}${v.caught.next ? ` -> ${v.caught.next}` : ''}`);
    if (v.input !== undefined) out(`        input:  ${full ? whole(v.input) : truncate(v.input, 160)}`);
    if (v.output !== undefined) out(`        output: ${full ? whole(v.output) : stateOutputLine(v.input, v.output, 240)}`);
  });
  if (failure) {
    out('');
    out(`Failed: ${failure.error ?? '-'}`);
    if (failure.cause) out(`  cause: ${full ? whole(failure.cause) : truncate(causeMessage(failure.cause), 1000)}`);
  }
  if (e.output !== undefined) {
    out('');
    out(`output: ${full ? whole(e.output) : fold(e.output)}`);
  }
  if (forks !== undefined && forks.length > 0) {
    out('');
    out('Forks:');
    for (const f of forks) out(`  ${f.name}  from ${f.from}  ${f.status}  started ${time(new Date(f.startDate))}`);
  }
}
